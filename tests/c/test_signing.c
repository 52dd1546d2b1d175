/* Known-answer tests of the signing core.
 *
 * Part 1 runs every vector of tests/data/signing_vectors.txt (converted from
 * Duo's official clients' test suites by tests/data/convert_vectors.py)
 * through core: duo_params_canonical, duo_canonicalize, duo_hmac_*,
 * duo_sha512_hex, duo_sign and duo_authorization. canon_json vectors are
 * skipped here: JSON encoding lives in bindings/ and is checked from Lua.
 *
 * Part 2 is our own table of edge cases: sort order of encoded keys and
 * values, non-ASCII and empty parameters, X-Duo headers, host and method
 * normalisation, v1/v4/v5 line sets, every byte through the percent
 * encoder, and dates (leap days, 2038+, the user's locale).
 *
 * usage: test_signing DATA_DIR
 * Prints one line per failed check and ends with "N passed, M failed". */
#define _POSIX_C_SOURCE 200809L
#include <locale.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "canon.h"
#include "crypto.h"
#include "date.h"
#include "params.h"
#include "percent.h"
#include "sign.h"

static int passed, failed;

/* ------------------------------------------------------------------ */
/* Reporting                                                          */

/* Prints bytes with C escapes, so a mismatch in invisible bytes shows. */
static void print_escaped(FILE *f, const char *p, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\\' || c == '"')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void check(int ok, const char *who, const char *what)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    printf("FAIL %s: %s\n", who, what);
}

static int check_bytes(const char *who, const char *what,
                       const char *got, size_t got_len,
                       const char *want, size_t want_len)
{
    if (got != NULL && got_len == want_len && memcmp(got, want, want_len) == 0) {
        passed++;
        return 1;
    }
    failed++;
    printf("FAIL %s: %s: got ", who, what);
    if (got == NULL)
        fputs("(error)", stdout);
    else
        print_escaped(stdout, got, got_len);
    fputs(", want ", stdout);
    print_escaped(stdout, want, want_len);
    fputc('\n', stdout);
    return 0;
}

static int check_str(const char *who, const char *what, const char *got, const char *want)
{
    return check_bytes(who, what, got, got ? strlen(got) : 0, want, strlen(want));
}

/* ------------------------------------------------------------------ */
/* The vector file                                                    */

typedef struct bytes {
    char *p;      /* owned, NUL-terminated; NULL when the field is absent */
    size_t n;
} bytes;

typedef struct kv {
    bytes k, v;
} kv;

typedef struct vector {
    int line;                /* where the record starts */
    bytes id, kind, version, digest, ikey, skey, method, host, path, date;
    bytes body, message, json_input;
    int nodate;
    kv *params;
    size_t nparams;
    kv *headers;
    size_t nheaders;
    bytes expect_canonical, expect_canon_params, expect_signature;
    bytes expect_authorization, expect_sha512, expect_headers_hash, expect_body;
} vector;

static const struct {
    const char *name;
    size_t offset;
} scalar_fields[] = {
    { "id", offsetof(vector, id) },
    { "kind", offsetof(vector, kind) },
    { "version", offsetof(vector, version) },
    { "digest", offsetof(vector, digest) },
    { "ikey", offsetof(vector, ikey) },
    { "skey", offsetof(vector, skey) },
    { "method", offsetof(vector, method) },
    { "host", offsetof(vector, host) },
    { "path", offsetof(vector, path) },
    { "date", offsetof(vector, date) },
    { "body", offsetof(vector, body) },
    { "message", offsetof(vector, message) },
    { "json_input", offsetof(vector, json_input) },
    { "expect_canonical", offsetof(vector, expect_canonical) },
    { "expect_canon_params", offsetof(vector, expect_canon_params) },
    { "expect_signature", offsetof(vector, expect_signature) },
    { "expect_authorization", offsetof(vector, expect_authorization) },
    { "expect_sha512", offsetof(vector, expect_sha512) },
    { "expect_headers_hash", offsetof(vector, expect_headers_hash) },
    { "expect_body", offsetof(vector, expect_body) },
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes the escapes of s[0..n) into a new NUL-terminated buffer. */
static int unescape(const char *s, size_t n, bytes *out)
{
    char *p = malloc(n + 1);
    size_t o = 0;

    if (p == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            p[o++] = s[i];
            continue;
        }
        if (++i == n)
            goto bad;
        switch (s[i]) {
        case '\\': p[o++] = '\\'; break;
        case 'n': p[o++] = '\n'; break;
        case 'r': p[o++] = '\r'; break;
        case 't': p[o++] = '\t'; break;
        case 'x':
            if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
                goto bad;
            p[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
            break;
        default:
            goto bad;
        }
    }
    p[o] = '\0';
    out->p = p;
    out->n = o;
    return 0;
bad:
    free(p);
    return -1;
}

static void free_vector(vector *v)
{
    for (size_t i = 0; i < sizeof(scalar_fields) / sizeof(scalar_fields[0]); i++)
        free(((bytes *)((char *)v + scalar_fields[i].offset))->p);
    for (size_t i = 0; i < v->nparams; i++) {
        free(v->params[i].k.p);
        free(v->params[i].v.p);
    }
    for (size_t i = 0; i < v->nheaders; i++) {
        free(v->headers[i].k.p);
        free(v->headers[i].v.p);
    }
    free(v->params);
    free(v->headers);
    memset(v, 0, sizeof(*v));
}

/* "KEY VALUE": the key ends at the first space. */
static int add_pair(kv **list, size_t *count, const char *s, size_t n)
{
    const char *sp = memchr(s, ' ', n);
    size_t kn = sp ? (size_t)(sp - s) : n;
    kv *grown = realloc(*list, (*count + 1) * sizeof(**list));

    if (grown == NULL)
        return -1;
    *list = grown;
    memset(&grown[*count], 0, sizeof(grown[*count]));
    if (unescape(s, kn, &grown[*count].k) != 0)
        return -1;
    if (unescape(sp ? sp + 1 : s + n, sp ? n - kn - 1 : 0, &grown[*count].v) != 0) {
        free(grown[*count].k.p);
        return -1;
    }
    (*count)++;
    return 0;
}

/* Parses one line into v; returns 0 or -1 (bad line). */
static int parse_line(vector *v, const char *line, size_t n)
{
    const char *sp = memchr(line, ' ', n);
    size_t fn = sp ? (size_t)(sp - line) : n;
    const char *value = sp ? sp + 1 : line + n;
    size_t vn = sp ? n - fn - 1 : 0;

    if (fn == 6 && memcmp(line, "nodate", 6) == 0 && vn == 0) {
        v->nodate = 1;
        return 0;
    }
    if (fn == 5 && memcmp(line, "param", 5) == 0)
        return add_pair(&v->params, &v->nparams, value, vn);
    if (fn == 6 && memcmp(line, "header", 6) == 0)
        return add_pair(&v->headers, &v->nheaders, value, vn);
    for (size_t i = 0; i < sizeof(scalar_fields) / sizeof(scalar_fields[0]); i++) {
        if (strlen(scalar_fields[i].name) == fn && memcmp(scalar_fields[i].name, line, fn) == 0) {
            bytes *b = (bytes *)((char *)v + scalar_fields[i].offset);
            if (b->p != NULL)
                return -1;   /* given twice */
            return unescape(value, vn, b);
        }
    }
    return -1;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t cap = 0, n = 0, got;

    if (f == NULL)
        return NULL;
    do {
        if (n + 4096 + 1 > cap) {
            char *grown;
            cap = cap ? 2 * cap : 65536;
            grown = realloc(data, cap);
            if (grown == NULL) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = grown;
        }
        got = fread(data + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    fclose(f);
    data[n] = '\0';
    *len = n;
    return data;
}

/* ------------------------------------------------------------------ */
/* Running one vector                                                 */

static struct {
    int kinds[6];
    int versions[6];
    int sha1, sha512;
    int skipped_json;
    int total;
} seen;

static const char *const kind_names[6] = {
    "canon_params", "canonicalize", "sign", "hmac", "body_hash", "canon_json"
};

static int fill_params(const kv *pairs, size_t n, const size_t *order, duo_params *out)
{
    duo_params_init(out);
    for (size_t i = 0; i < n; i++) {
        const kv *p = &pairs[order ? order[i] : i];
        if (duo_params_add(out, p->k.p, p->k.n, p->v.p, p->v.n) != 0)
            return -1;
    }
    return 0;
}

static duo_header *make_headers(const vector *v)
{
    duo_header *h = calloc(v->nheaders ? v->nheaders : 1, sizeof(*h));

    for (size_t i = 0; h != NULL && i < v->nheaders; i++) {
        h[i].name = v->headers[i].k.p;
        h[i].name_len = v->headers[i].k.n;
        h[i].value = v->headers[i].v.p;
        h[i].value_len = v->headers[i].v.n;
    }
    return h;
}

/* Orders in which the parameters are given: as listed, reversed, rotated
 * by one. The canonical form must not depend on it. */
#define N_ORDERS 3

static size_t *param_order(size_t n, int which)
{
    size_t *o = malloc((n ? n : 1) * sizeof(*o));

    for (size_t i = 0; o != NULL && i < n; i++)
        o[i] = which == 0 ? i : which == 1 ? n - 1 - i : (i + 1) % n;
    return o;
}

static void fill_request(const vector *v, duo_canon_request *r, const duo_params *params,
                         const duo_header *headers)
{
    memset(r, 0, sizeof(*r));
    r->version = atoi(v->version.p);
    r->method = v->method.p;
    r->host = v->host.p;
    r->path = v->path.p;
    r->date = v->nodate ? NULL : v->date.p;
    r->params = params;
    r->body = v->body.p;
    r->body_len = v->body.n;
    r->headers = headers;
    r->header_count = v->nheaders;
}

static void last_line(const char *s, size_t n, const char **line, size_t *len)
{
    size_t i = n;

    while (i > 0 && s[i - 1] != '\n')
        i--;
    *line = s + i;
    *len = n - i;
}

static void run_canon_params(const vector *v, const char *who)
{
    for (int which = 0; which < N_ORDERS; which++) {
        size_t *order = param_order(v->nparams, which);
        duo_params params;
        duo_buf out = DUO_BUF_INIT;
        char what[64];
        int rc = order ? fill_params(v->params, v->nparams, order, &params) : -1;

        if (rc == 0)
            rc = duo_params_canonical(&params, &out);
        snprintf(what, sizeof(what), "duo_params_canonical (order %d)", which);
        check_bytes(who, what, rc == 0 ? duo_buf_str(&out) : NULL, out.len,
                    v->expect_canon_params.p, v->expect_canon_params.n);
        duo_params_free(&params);
        duo_buf_free(&out);
        free(order);
        if (v->nparams < 2)
            break;
    }
}

static void run_canonicalize(const vector *v, const char *who)
{
    duo_header *headers = make_headers(v);

    for (int which = 0; which < N_ORDERS; which++) {
        size_t *order = param_order(v->nparams, which);
        duo_params params;
        duo_canon_request r;
        duo_buf out = DUO_BUF_INIT;
        const char *err = NULL;
        char what[64];
        int rc = order && headers ? fill_params(v->params, v->nparams, order, &params) : -1;

        fill_request(v, &r, &params, headers);
        if (rc == 0)
            rc = duo_canonicalize(&r, &out, &err);
        if (rc != 0 && err != NULL)
            printf("  (%s: duo_canonicalize failed: %s)\n", who, err);
        snprintf(what, sizeof(what), "duo_canonicalize (param order %d)", which);
        check_bytes(who, what, rc == 0 ? duo_buf_str(&out) : NULL, out.len,
                    v->expect_canonical.p, v->expect_canonical.n);
        if (which == 0 && v->expect_headers_hash.p != NULL) {
            const char *line;
            size_t len;
            last_line(duo_buf_str(&out), out.len, &line, &len);
            check_bytes(who, "X-Duo header hash line", rc == 0 ? line : NULL, len,
                        v->expect_headers_hash.p, v->expect_headers_hash.n);
        }
        duo_params_free(&params);
        duo_buf_free(&out);
        free(order);
        if (v->nparams < 2)
            break;
    }
    free(headers);
}

static void run_sign(const vector *v, const char *who)
{
    duo_digest d = strcmp(v->digest.p, "sha1") == 0 ? DUO_DIGEST_SHA1 : DUO_DIGEST_SHA512;
    duo_hmac *key = duo_hmac_new(d, v->skey.p, v->skey.n);
    duo_header *headers = make_headers(v);
    duo_params params;
    duo_canon_request r;
    duo_buf canonical = DUO_BUF_INIT, auth = DUO_BUF_INIT;
    const char *err = NULL;
    int rc = key && headers ? fill_params(v->params, v->nparams, NULL, &params) : -1;

    fill_request(v, &r, &params, headers);
    if (rc == 0)
        rc = duo_sign(&r, key, v->ikey.p, v->ikey.n, &canonical, &auth, &err);
    if (rc != 0 && err != NULL)
        printf("  (%s: duo_sign failed: %s)\n", who, err);
    check_bytes(who, "duo_sign authorization", rc == 0 ? duo_buf_str(&auth) : NULL, auth.len,
                v->expect_authorization.p, v->expect_authorization.n);
    if (v->expect_canonical.p != NULL)
        check_bytes(who, "duo_sign canonical", rc == 0 ? duo_buf_str(&canonical) : NULL,
                    canonical.len, v->expect_canonical.p, v->expect_canonical.n);
    if (v->expect_signature.p != NULL) {
        char hex[DUO_HEX_MAX];
        size_t hex_len = 0;
        duo_buf again = DUO_BUF_INIT;
        int hrc = rc == 0 ? duo_hmac_hex(key, canonical.data, canonical.len, hex, &hex_len) : -1;

        check_bytes(who, "duo_hmac_hex of the canonical string", hrc == 0 ? hex : NULL, hex_len,
                    v->expect_signature.p, v->expect_signature.n);
        /* the Authorization value from the expected signature alone */
        hrc = duo_authorization(&again, v->ikey.p, v->ikey.n,
                                v->expect_signature.p, v->expect_signature.n);
        check_bytes(who, "duo_authorization", hrc == 0 ? duo_buf_str(&again) : NULL, again.len,
                    v->expect_authorization.p, v->expect_authorization.n);
        duo_buf_free(&again);
    }
    duo_params_free(&params);
    duo_buf_free(&canonical);
    duo_buf_free(&auth);
    duo_hmac_free(key);
    free(headers);
}

static void run_hmac(const vector *v, const char *who)
{
    duo_digest d = strcmp(v->digest.p, "sha1") == 0 ? DUO_DIGEST_SHA1 : DUO_DIGEST_SHA512;
    duo_hmac *key = duo_hmac_new(d, v->skey.p, v->skey.n);
    char hex[DUO_HEX_MAX], other[DUO_HEX_MAX];
    size_t hex_len = 0, other_len;
    int rc = key ? duo_hmac_hex(key, v->message.p, v->message.n, hex, &hex_len) : -1;

    check_bytes(who, "duo_hmac_hex", rc == 0 ? hex : NULL, hex_len,
                v->expect_signature.p, v->expect_signature.n);
    /* A context signs many messages: another message in between must not
     * change the next result. */
    if (key != NULL) {
        duo_hmac_hex(key, "something else", 14, other, &other_len);
        rc = duo_hmac_hex(key, v->message.p, v->message.n, hex, &hex_len);
        check_bytes(who, "duo_hmac_hex after another message", rc == 0 ? hex : NULL, hex_len,
                    v->expect_signature.p, v->expect_signature.n);
    }
    duo_hmac_free(key);
}

static void run_body_hash(const vector *v, const char *who)
{
    char hex[DUO_HEX_MAX];
    int rc = duo_sha512_hex(v->body.p, v->body.n, hex);

    check_bytes(who, "duo_sha512_hex", rc == 0 ? hex : NULL, rc == 0 ? strlen(hex) : 0,
                v->expect_sha512.p, v->expect_sha512.n);
}

/* Checks that the fields the kind needs are there; returns the kind index
 * or -1. */
static int validate(const vector *v, const char **why)
{
    static const char *const need[6][8] = {
        { "expect_canon_params" },
        { "version", "method", "host", "path", "expect_canonical" },
        { "version", "digest", "ikey", "skey", "method", "host", "path", "expect_authorization" },
        { "digest", "skey", "message", "expect_signature" },
        { "body", "expect_sha512" },
        { "json_input", "expect_body" },
    };
    int kind = -1;

    for (int k = 0; k < 6; k++)
        if (v->kind.p != NULL && strcmp(v->kind.p, kind_names[k]) == 0)
            kind = k;
    if (v->id.p == NULL || kind < 0) {
        *why = "record without id or with an unknown kind";
        return -1;
    }
    for (int i = 0; i < 8 && need[kind][i] != NULL; i++) {
        for (size_t f = 0; f < sizeof(scalar_fields) / sizeof(scalar_fields[0]); f++) {
            if (strcmp(scalar_fields[f].name, need[kind][i]) == 0
                && ((const bytes *)((const char *)v + scalar_fields[f].offset))->p == NULL) {
                *why = "a field its kind needs is missing";
                return -1;
            }
        }
    }
    if ((kind == 1 || kind == 2) && !v->nodate && v->date.p == NULL) {
        *why = "neither date nor nodate";
        return -1;
    }
    if (v->version.p != NULL) {
        int ver = atoi(v->version.p);
        if (ver != 1 && ver != 2 && ver != 4 && ver != 5) {
            *why = "bad version";
            return -1;
        }
        if ((ver == 1) != (v->nodate != 0)) {
            *why = "nodate goes with version 1 and only with it";
            return -1;
        }
    }
    if (v->digest.p != NULL && strcmp(v->digest.p, "sha1") != 0
        && strcmp(v->digest.p, "sha512") != 0) {
        *why = "bad digest";
        return -1;
    }
    return kind;
}

static void run_vector(const vector *v, const char *path)
{
    const char *why = NULL;
    char who[256];
    int kind = validate(v, &why);

    if (kind < 0) {
        snprintf(who, sizeof(who), "%s:%d", path, v->line);
        check(0, who, why);
        return;
    }
    snprintf(who, sizeof(who), "%s", v->id.p);
    seen.total++;
    seen.kinds[kind]++;
    if (v->version.p != NULL)
        seen.versions[atoi(v->version.p)]++;
    if (v->digest.p != NULL) {
        if (strcmp(v->digest.p, "sha1") == 0)
            seen.sha1++;
        else
            seen.sha512++;
    }
    switch (kind) {
    case 0: run_canon_params(v, who); break;
    case 1: run_canonicalize(v, who); break;
    case 2: run_sign(v, who); break;
    case 3: run_hmac(v, who); break;
    case 4: run_body_hash(v, who); break;
    case 5: seen.skipped_json++; break;   /* JSON encoding: see test_vectors.lua */
    }
}

static void run_vector_file(const char *dir)
{
    char path[4096];
    size_t len, pos = 0;
    char *data;
    vector v;
    int lineno = 0, in_record = 0;

    snprintf(path, sizeof(path), "%s/signing_vectors.txt", dir);
    data = read_file(path, &len);
    if (data == NULL) {
        check(0, path, "cannot read the vector file");
        return;
    }
    memset(&v, 0, sizeof(v));
    while (pos <= len) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;

        lineno++;
        if (n == 0) {
            if (in_record)
                run_vector(&v, path);
            free_vector(&v);
            in_record = 0;
        } else if (line[0] != '#') {
            if (!in_record) {
                in_record = 1;
                v.line = lineno;
            }
            if (parse_line(&v, line, n) != 0) {
                char who[4200];
                snprintf(who, sizeof(who), "%s:%d", path, lineno);
                check(0, who, "cannot parse this line");
            }
        }
        pos += n + 1;
    }
    if (in_record)
        run_vector(&v, path);
    free_vector(&v);
    free(data);

    /* The file must cover every kind, version and digest. */
    for (int k = 0; k < 6; k++) {
        char what[96];
        snprintf(what, sizeof(what), "the vectors include kind %s", kind_names[k]);
        check(seen.kinds[k] > 0, path, what);
    }
    check(seen.versions[1] && seen.versions[2] && seen.versions[4] && seen.versions[5],
          path, "the vectors include signature versions 1, 2, 4 and 5");
    check(seen.sha1 && seen.sha512, path, "the vectors include sha1 and sha512");
}

/* ------------------------------------------------------------------ */
/* Edge cases: parameters                                             */

typedef struct lit_pair {
    const char *k;
    size_t kn;
    const char *v;
    size_t vn;
} lit_pair;

/* Literal pairs with their sizes, so embedded NUL bytes count. */
#define P(k, v) { k, sizeof(k) - 1, v, sizeof(v) - 1 }
#define MAX_PAIRS 8

static const struct {
    const char *name;
    size_t n;
    lit_pair pairs[MAX_PAIRS];
    const char *want;
} param_cases[] = {
    { "non-ASCII keys and values sort by their encoding", 3, {
        P("z", "1"),
        P("\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87",
          "\xd0\xb7\xd0\xbd\xd0\xb0\xd1\x87\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xb5"),
        P("\xe6\x97\xa5\xe6\x9c\xac", "\xc3\xa9") },
      "%D0%BA%D0%BB%D1%8E%D1%87=%D0%B7%D0%BD%D0%B0%D1%87%D0%B5%D0%BD%D0%B8%D0%B5"
      "&%E6%97%A5%E6%9C%AC=%C3%A9&z=1" },
    { "repeated keys with unsorted values", 5, {
        P("b", "3"), P("a", "z"), P("b", "1"), P("b", "10"), P("b", "2") },
      "a=z&b=1&b=10&b=2&b=3" },
    { "values sort by encoded bytes, not raw bytes", 4, {
        P("k", "~"), P("k", "\xc3\xa9"), P("k", "a"), P("k", " ") },
      "k=%20&k=%C3%A9&k=a&k=~" },
    { "keys sort by encoded bytes, not raw bytes", 5, {
        P("a/", "1"), P("a.", "2"), P("ab", "3"), P("a{", "4"), P("a\x7f", "5") },
      "a%2F=1&a%7B=4&a%7F=5&a.=2&ab=3" },
    { "a b, a-b, a~", 3, {
        P("a~", "3"), P("a-b", "2"), P("a b", "1") },
      "a%20b=1&a-b=2&a~=3" },
    { "sorted by key then value, not by the joined pair", 4, {
        P("a-", ""), P("a", "x"), P("a=b", ""), P("a", "b") },
      "a=b&a=x&a%3Db=&a-=" },
    { "empty keys and empty values", 4, {
        P("k", ""), P("", "v"), P("", ""), P("k", "") },
      "=&=v&k=&k=" },
    { "a key sorts before the keys it is a prefix of", 3, {
        P("foo_bar", "2"), P("foo", "1"), P("fo", "0") },
      "fo=0&foo=1&foo_bar=2" },
    { "NUL bytes are encoded, not terminators", 2, {
        P("k\0ey", "v\0"), P("k", "\0") },
      "k=%00&k%00ey=v%00" },
    { "plus, space, equals and ampersand are encoded", 1, {
        P("q", "a+b c=d&e") },
      "q=a%2Bb%20c%3Dd%26e" },
    { "no parameters", 0, { P("", "") }, "" },
};

static void test_param_cases(void)
{
    for (size_t c = 0; c < sizeof(param_cases) / sizeof(param_cases[0]); c++) {
        duo_params params = DUO_PARAMS_INIT;
        duo_buf out = DUO_BUF_INIT;
        int rc = 0;

        for (size_t i = 0; i < param_cases[c].n && rc == 0; i++) {
            const lit_pair *p = &param_cases[c].pairs[i];
            rc = duo_params_add(&params, p->k, p->kn, p->v, p->vn);
        }
        if (rc == 0)
            rc = duo_params_canonical(&params, &out);
        check_str(param_cases[c].name, "duo_params_canonical",
                  rc == 0 ? duo_buf_str(&out) : NULL, param_cases[c].want);
        duo_params_free(&params);
        duo_buf_free(&out);
    }
}

/* More pairs than the sorter keeps on its stack. */
static void test_many_params(void)
{
    char keys[40][8];
    duo_params params = DUO_PARAMS_INIT;
    duo_buf out = DUO_BUF_INIT, want = DUO_BUF_INIT;
    int rc = 0;

    for (int i = 39; i >= 0 && rc == 0; i--) {
        snprintf(keys[i], sizeof(keys[i]), "k%02d", i);
        rc = duo_params_add(&params, keys[i], 3, keys[i], 3);
    }
    for (int i = 0; i < 40; i++) {
        if (i > 0)
            duo_buf_putc(&want, '&');
        duo_buf_append(&want, keys[i], 3);
        duo_buf_putc(&want, '=');
        duo_buf_append(&want, keys[i], 3);
    }
    if (rc == 0)
        rc = duo_params_canonical(&params, &out);
    check_str("40 parameters in reverse order", "duo_params_canonical",
              rc == 0 ? duo_buf_str(&out) : NULL, duo_buf_str(&want));
    duo_params_free(&params);
    duo_buf_free(&out);
    duo_buf_free(&want);
}

/* ------------------------------------------------------------------ */
/* Edge cases: percent-encoding                                       */

static void test_percent_every_byte(void)
{
    static const char keep[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    static const char hex[] = "0123456789ABCDEF";
    char all[256], want_all[3 * 256 + 1];
    size_t wn = 0;
    int bad = 0;
    duo_buf out = DUO_BUF_INIT;

    for (int b = 0; b < 256; b++) {
        char in = (char)b, want[4];
        all[b] = in;
        if (b != 0 && strchr(keep, b) != NULL) {
            want[0] = (char)b;
            want[1] = '\0';
        } else {
            want[0] = '%';
            want[1] = hex[b >> 4];
            want[2] = hex[b & 15];
            want[3] = '\0';
        }
        memcpy(want_all + wn, want, strlen(want));
        wn += strlen(want);
        duo_buf_clear(&out);
        duo_percent_encode(&out, &in, 1);
        if (!duo_buf_ok(&out) || out.len != strlen(want) || memcmp(out.data, want, out.len) != 0) {
            char who[64];
            snprintf(who, sizeof(who), "percent-encoding byte 0x%02x", b);
            check_bytes(who, "duo_percent_encode", duo_buf_ok(&out) ? out.data : NULL, out.len,
                        want, strlen(want));
            bad = 1;
        }
    }
    check(!bad, "percent-encoding", "every byte 0..255 on its own");
    duo_buf_clear(&out);
    duo_percent_encode(&out, all, sizeof(all));
    check_bytes("percent-encoding", "all 256 bytes in one string",
                duo_buf_ok(&out) ? out.data : NULL, out.len, want_all, wn);
    /* encoding appends to what is there */
    duo_buf_clear(&out);
    duo_buf_puts(&out, "x=");
    duo_percent_encode(&out, "a b", 3);
    duo_percent_encode(&out, "", 0);
    check_str("percent-encoding", "appends", duo_buf_ok(&out) ? duo_buf_str(&out) : NULL, "x=a%20b");
    duo_buf_free(&out);
}

/* ------------------------------------------------------------------ */
/* Edge cases: X-Duo headers                                          */

#define H(n, v) { n, sizeof(n) - 1, v, sizeof(v) - 1 }
#define EMPTY_SHA512 \
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce" \
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"

static const struct {
    const char *name;
    size_t n;
    duo_header headers[4];
    const char *want;   /* the hash line, or NULL: must be rejected */
} header_cases[] = {
    /* sha512("x-duo-_\0under\0x-duo-a\0" "1\0x-duo-b\0" "2\0x-duo-z\0zed"):
     * raw names would sort X-DUO-B, X-Duo-Z, x-duo-_, x-duo-a */
    { "names are lower-cased, then sorted", 4, {
        H("X-Duo-Z", "zed"), H("x-duo-a", "1"), H("X-DUO-B", "2"), H("x-duo-_", "under") },
      "7a896de552620f13bb39f5bf03e16e0dbf000dff5070dd89f11f9663dafcb235"
      "cf90124b165085ecd7633404f0bd9e906c7939ddfbce2925a30c47ac42cada91" },
    /* sha512("x-duo-only\0") */
    { "an empty value", 1, { H("X-Duo-Only", "") },
      "06d82ac8299b8e0f713b538f4265e54f94f0da4a9c7296485ba5b5b535ce1c63"
      "f6c58a57daa19fd5e8e78a6ae66916690823b33a9d07177ec21e88a572acafb4" },
    { "no headers", 0, { H("", "") }, EMPTY_SHA512 },
    { "a NUL byte in a name is rejected", 1, { H("x-duo-a\0b", "v") }, NULL },
    { "a NUL byte in a value is rejected", 2, { H("x-duo-a", "v"), H("x-duo-b", "v\0w") }, NULL },
    { "names differing only in case are duplicates", 2, { H("X-Duo-A", "1"), H("x-duo-a", "2") }, NULL },
    { "exact duplicates are rejected", 3, { H("x-duo-a", "1"), H("x-duo-b", "2"), H("x-duo-a", "1") }, NULL },
    { "Content-Type is not an X-Duo header", 2, { H("x-duo-a", "1"), H("Content-Type", "text/plain") }, NULL },
    { "'x-duo' without the dash is rejected", 1, { H("x-duo", "1") }, NULL },
    { "'x-duoa' is rejected", 1, { H("x-duoa", "1") }, NULL },
    { "'x_duo_a' is rejected", 1, { H("x_duo_a", "1") }, NULL },
    { "an empty name is rejected", 1, { H("", "1") }, NULL },
};

static int canon_with_headers(const duo_header *h, size_t n, duo_buf *out, const char **err)
{
    duo_canon_request r;

    memset(&r, 0, sizeof(r));
    r.version = 5;
    r.method = "GET";
    r.host = "api-x.duosecurity.com";
    r.path = "/admin/v1/users";
    r.date = "Tue, 21 Aug 2012 17:29:18 -0000";
    r.headers = h;
    r.header_count = n;
    return duo_canonicalize(&r, out, err);
}

static void test_header_cases(void)
{
    for (size_t c = 0; c < sizeof(header_cases) / sizeof(header_cases[0]); c++) {
        duo_buf out = DUO_BUF_INIT;
        const char *err = NULL, *line;
        size_t len;
        int rc = canon_with_headers(header_cases[c].headers, header_cases[c].n, &out, &err);

        if (header_cases[c].want == NULL) {
            check(rc != 0, header_cases[c].name, "duo_canonicalize should fail");
            check(rc == 0 || (err != NULL && err[0] != '\0'), header_cases[c].name,
                  "a failure sets err");
        } else {
            if (rc != 0)
                printf("  (%s: %s)\n", header_cases[c].name, err ? err : "?");
            last_line(duo_buf_str(&out), out.len, &line, &len);
            check_bytes(header_cases[c].name, "header hash line", rc == 0 ? line : NULL, len,
                        header_cases[c].want, strlen(header_cases[c].want));
        }
        duo_buf_free(&out);
    }
}

/* More headers than the sorter keeps on its stack; the expectation is the
 * joined string hashed here. */
static void test_many_headers(void)
{
    char names[20][16], values[20][8];
    duo_header h[20];
    duo_buf joined = DUO_BUF_INIT, out = DUO_BUF_INIT;
    char want[DUO_HEX_MAX];
    const char *err = NULL, *line;
    size_t len;
    int rc;

    for (int i = 0; i < 20; i++) {
        int j = 19 - i;   /* given in reverse order, upper-case */
        snprintf(names[j], sizeof(names[j]), "X-DUO-H%02d", j);
        snprintf(values[j], sizeof(values[j]), "v%d", j);
        h[i].name = names[j];
        h[i].name_len = strlen(names[j]);
        h[i].value = values[j];
        h[i].value_len = strlen(values[j]);
    }
    for (int i = 0; i < 20; i++) {
        char lower[16];
        snprintf(lower, sizeof(lower), "x-duo-h%02d", i);
        if (i > 0)
            duo_buf_append(&joined, "", 1);
        duo_buf_append(&joined, lower, strlen(lower) + 1);   /* with the NUL */
        duo_buf_puts(&joined, values[i]);
    }
    rc = duo_sha512_hex(joined.data, joined.len, want);
    check(rc == 0, "20 headers", "duo_sha512_hex");
    rc = canon_with_headers(h, 20, &out, &err);
    last_line(duo_buf_str(&out), out.len, &line, &len);
    check_bytes("20 headers in reverse order", "header hash line", rc == 0 ? line : NULL, len,
                want, strlen(want));
    duo_buf_free(&joined);
    duo_buf_free(&out);
}

/* ------------------------------------------------------------------ */
/* Edge cases: whole requests                                         */

#define SHA512_HELLO_BODY \
    "99da8b165957ced3b3584378d227ed8bdef32822a4c19b80253273ea0a958e9f" \
    "26b0cca90b10f8c93e50ed9a5d84be9833217779d9506834acdea49d0221ee68"
#define DATE "Tue, 21 Aug 2012 17:29:18 -0000"

static const struct {
    const char *name;
    int version;
    const char *method, *host, *date, *body, *params_canonical;
    int has_header;     /* one header "X-Duo-Only: " */
    const char *want;   /* NULL: must fail */
} request_cases[] = {
    { "host: port dropped, lower-cased", 2, "GET", "API-Example.DuoSecurity.COM:443", DATE, NULL, NULL, 0,
      DATE "\nGET\napi-example.duosecurity.com\n/p\n" },
    { "host: bracketed IPv6 with port", 2, "GET", "[::1]:8443", DATE, NULL, NULL, 0,
      DATE "\nGET\n[::1]\n/p\n" },
    { "host: bare IPv6 keeps its last group", 2, "GET", "FE80::1", DATE, NULL, NULL, 0,
      DATE "\nGET\nfe80::1\n/p\n" },
    { "method upper-cased", 2, "pAtCh", "h", DATE, NULL, NULL, 0,
      DATE "\nPATCH\nh\n/p\n" },
    { "v1 has no date line, even when given one", 1, "delete", "H:1", DATE, NULL, NULL, 0,
      "DELETE\nh\n/p\n" },
    { "v1 without a date", 1, "GET", "h", NULL, NULL, NULL, 0,
      "GET\nh\n/p\n" },
    { "v2 ignores the body", 2, "GET", "h", DATE, "hello body", NULL, 0,
      DATE "\nGET\nh\n/p\n" },
    { "v4: a body on GET is hashed, no header line", 4, "GET", "h", DATE, "hello body", NULL, 1,
      DATE "\nGET\nh\n/p\n\n" SHA512_HELLO_BODY },
    { "v5: a body on GET is hashed", 5, "get", "h", DATE, "hello body", NULL, 0,
      DATE "\nGET\nh\n/p\n\n" SHA512_HELLO_BODY "\n" EMPTY_SHA512 },
    { "v5: POST without a body hashes the empty string", 5, "POST", "h", DATE, NULL, NULL, 0,
      DATE "\nPOST\nh\n/p\n\n" EMPTY_SHA512 "\n" EMPTY_SHA512 },
    { "v5: a header", 5, "POST", "h", DATE, "", NULL, 1,
      DATE "\nPOST\nh\n/p\n\n" EMPTY_SHA512 "\n"
      "06d82ac8299b8e0f713b538f4265e54f94f0da4a9c7296485ba5b5b535ce1c63"
      "f6c58a57daa19fd5e8e78a6ae66916690823b33a9d07177ec21e88a572acafb4" },
    { "params_canonical is used as given", 2, "GET", "h", DATE, NULL, "b=2&a=1", 0,
      DATE "\nGET\nh\n/p\nb=2&a=1" },
    { "version 3 is rejected", 3, "GET", "h", DATE, NULL, NULL, 0, NULL },
    { "version 0 is rejected", 0, "GET", "h", DATE, NULL, NULL, 0, NULL },
    { "version 6 is rejected", 6, "GET", "h", DATE, NULL, NULL, 0, NULL },
};

static void test_request_cases(void)
{
    static const duo_header only = H("X-Duo-Only", "");

    for (size_t c = 0; c < sizeof(request_cases) / sizeof(request_cases[0]); c++) {
        duo_canon_request r;
        duo_buf out = DUO_BUF_INIT;
        const char *err = NULL;
        int rc;

        memset(&r, 0, sizeof(r));
        r.version = request_cases[c].version;
        r.method = request_cases[c].method;
        r.host = request_cases[c].host;
        r.path = "/p";
        r.date = request_cases[c].date;
        r.body = request_cases[c].body;
        r.body_len = r.body ? strlen(r.body) : 0;
        r.params_canonical = request_cases[c].params_canonical;
        if (request_cases[c].has_header) {
            r.headers = &only;
            r.header_count = 1;
        }
        rc = duo_canonicalize(&r, &out, &err);
        if (request_cases[c].want == NULL) {
            check(rc != 0 && err != NULL, request_cases[c].name, "duo_canonicalize should fail");
        } else {
            if (rc != 0)
                printf("  (%s: %s)\n", request_cases[c].name, err ? err : "?");
            check_str(request_cases[c].name, "duo_canonicalize",
                      rc == 0 ? duo_buf_str(&out) : NULL, request_cases[c].want);
        }
        duo_buf_free(&out);
    }
}

static void test_canon_host(void)
{
    static const char *const cases[][2] = {
        { "API-XXX.duosecurity.COM", "api-xxx.duosecurity.com" },
        { "api-xxx.duosecurity.com:443", "api-xxx.duosecurity.com" },
        { "LOCALHOST:8443", "localhost" },
        { "127.0.0.1:443", "127.0.0.1" },
        { "[::1]:443", "[::1]" },
        { "[::1]", "[::1]" },
        { "::1", "::1" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        duo_buf out = DUO_BUF_INIT;
        duo_buf_puts(&out, "<");
        duo_canon_host(&out, cases[i][0]);
        duo_buf_puts(&out, ">");
        char want[128];
        snprintf(want, sizeof(want), "<%s>", cases[i][1]);
        check_str(cases[i][0], "duo_canon_host", duo_buf_ok(&out) ? duo_buf_str(&out) : NULL, want);
        duo_buf_free(&out);
    }
}

/* ------------------------------------------------------------------ */
/* Edge cases: signing                                                */

static const unsigned char *b64_table(void)
{
    static unsigned char t[256];
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    memset(t, 0xff, sizeof(t));
    for (int i = 0; i < 64; i++)
        t[(unsigned char)alphabet[i]] = (unsigned char)i;
    return t;
}

/* A plain base64 decoder (padding required); returns the length or -1. */
static long b64_decode(const char *s, size_t n, char *out)
{
    const unsigned char *t = b64_table();
    long o = 0;

    if (n % 4 != 0)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        unsigned v = 0;
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            unsigned char c = (unsigned char)s[i + j];
            if (c == '=' && i + 4 == n && j >= 2) {
                pad++;
                v <<= 6;
            } else if (t[c] != 0xff && pad == 0) {
                v = (v << 6) | t[c];
            } else {
                return -1;
            }
        }
        out[o++] = (char)(v >> 16);
        if (pad < 2)
            out[o++] = (char)(v >> 8);
        if (pad < 1)
            out[o++] = (char)v;
    }
    return o;
}

/* Authorization is "Basic " + base64(ikey ":" hex), for ikeys short and
 * long (the long one does not fit the stack buffer). */
static void test_authorization(void)
{
    static const size_t lengths[] = { 0, 1, 2, 3, 20, 31, 200 };
    const char *hex = "0123456789abcdef0123456789abcdef01234567";

    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        char ikey[256], creds[512], decoded[512], who[64];
        duo_buf out = DUO_BUF_INIT;
        long dn = -1;
        size_t n = lengths[i];

        for (size_t j = 0; j < n; j++)
            ikey[j] = (char)('A' + j % 26);
        memcpy(creds, ikey, n);
        creds[n] = ':';
        memcpy(creds + n + 1, hex, 40);
        snprintf(who, sizeof(who), "Authorization with a %zu-byte ikey", n);
        if (duo_authorization(&out, ikey, n, hex, 40) == 0 && out.len > 6
            && memcmp(out.data, "Basic ", 6) == 0)
            dn = b64_decode(out.data + 6, out.len - 6, decoded);
        check_bytes(who, "base64-decoded credentials", dn >= 0 ? decoded : NULL,
                    dn >= 0 ? (size_t)dn : 0, creds, n + 41);
        duo_buf_free(&out);
    }
}

/* duo_sign appends: what is in the buffers stays, and the signature covers
 * only the new canonical string. */
static void test_sign_appends(void)
{
    duo_hmac *key = duo_hmac_new(DUO_DIGEST_SHA512, "test_skey", 9);
    duo_canon_request r;
    duo_buf canonical = DUO_BUF_INIT, auth = DUO_BUF_INIT, fresh_c = DUO_BUF_INIT, fresh_a = DUO_BUF_INIT;
    const char *err = NULL;
    int rc;

    memset(&r, 0, sizeof(r));
    r.version = 5;
    r.method = "GET";
    r.host = "h";
    r.path = "/p";
    r.date = DATE;
    duo_buf_puts(&canonical, "prefix|");
    duo_buf_puts(&auth, "prefix|");
    rc = key ? duo_sign(&r, key, "I", 1, &canonical, &auth, &err) : -1;
    rc |= key ? duo_sign(&r, key, "I", 1, &fresh_c, &fresh_a, &err) : -1;
    check(rc == 0, "duo_sign into non-empty buffers", "succeeds");
    if (rc == 0) {
        check(canonical.len == 7 + fresh_c.len && memcmp(canonical.data + 7, fresh_c.data, fresh_c.len) == 0,
              "duo_sign into non-empty buffers", "canonical string appended");
        check(auth.len == 7 + fresh_a.len && memcmp(auth.data + 7, fresh_a.data, fresh_a.len) == 0,
              "duo_sign into non-empty buffers", "authorization appended, signed over the new part only");
    }
    duo_hmac_free(key);
    duo_buf_free(&canonical);
    duo_buf_free(&auth);
    duo_buf_free(&fresh_c);
    duo_buf_free(&fresh_a);
}

/* ------------------------------------------------------------------ */
/* Dates                                                              */

static const struct {
    long long t;
    const char *want;   /* NULL: out of range */
} date_cases[] = {
    { 0, "Thu, 01 Jan 1970 00:00:00 -0000" },
    { -1, "Wed, 31 Dec 1969 23:59:59 -0000" },
    { 1345570158, "Tue, 21 Aug 2012 17:29:18 -0000" },   /* Duo's doc example */
    { 951868799, "Tue, 29 Feb 2000 23:59:59 -0000" },    /* leap day, century leap year */
    { 1709210096, "Thu, 29 Feb 2024 12:34:56 -0000" },   /* leap day */
    { 2147483647, "Tue, 19 Jan 2038 03:14:07 -0000" },   /* last 32-bit second */
    { 2147483648LL, "Tue, 19 Jan 2038 03:14:08 -0000" }, /* first one after */
    { 4107542400LL, "Mon, 01 Mar 2100 00:00:00 -0000" }, /* 2100 has no 29 Feb */
    { 4294967296LL, "Sun, 07 Feb 2106 06:28:16 -0000" }, /* past unsigned 32-bit */
    { 253402300799LL, "Fri, 31 Dec 9999 23:59:59 -0000" },
    { 253402300800LL, NULL },                            /* year 10000 */
};

static void test_dates(const char *who)
{
    for (size_t i = 0; i < sizeof(date_cases) / sizeof(date_cases[0]); i++) {
        char out[DUO_DATE_SIZE], what[64];
        int rc;

        memset(out, 'X', sizeof(out));
        rc = duo_date_format(date_cases[i].t, out);
        snprintf(what, sizeof(what), "duo_date_format(%lld)", date_cases[i].t);
        if (date_cases[i].want == NULL)
            check(rc != 0, who, what);
        else
            check_str(who, what, rc == 0 ? out : NULL, date_cases[i].want);
    }
}

/* The user's locale must not reach the Date line: switch LC_TIME to a
 * locale with other day and month names (one installed, or one built with
 * localedef into a temporary directory) and format again. */
static void test_dates_in_locale(void)
{
    static const char *const candidates[] = {
        "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "es_ES.UTF-8",
        "ru_RU.UTF-8", "ja_JP.UTF-8", NULL
    };
    char tmpdir[] = "/tmp/duo-test-locale-XXXXXX";
    const char *active = NULL;
    int made_dir = 0;

    unsetenv("LC_ALL");
    unsetenv("LANG");
    for (int attempt = 0; attempt < 2 && active == NULL; attempt++) {
        if (attempt == 1) {
            /* Nothing installed: build de_DE into a private LOCPATH. */
            char cmd[512];
            if (mkdtemp(tmpdir) == NULL)
                break;
            made_dir = 1;
            snprintf(cmd, sizeof(cmd),
                     "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1", tmpdir);
            if (system(cmd) != 0)
                break;
            setenv("LOCPATH", tmpdir, 1);
        }
        for (int i = 0; candidates[i] != NULL && active == NULL; i++) {
            setenv("LC_TIME", candidates[i], 1);
            if (setlocale(LC_ALL, "") != NULL) {
                const char *now = setlocale(LC_TIME, NULL);
                if (now != NULL && strcmp(now, "C") != 0 && strcmp(now, "POSIX") != 0)
                    active = candidates[i];
            }
        }
    }
    if (active == NULL) {
        printf("note: no locale other than C could be set or built; the locale check ran in C only\n");
        setlocale(LC_ALL, "");
        test_dates("dates (C locale)");
    } else {
        /* Show that the locale is really in effect: strftime's names change. */
        time_t t = 1345570158;   /* a Tuesday in August */
        struct tm tm;
        char local[64] = "", who[96];
        gmtime_r(&t, &tm);
        strftime(local, sizeof(local), "%a %b", &tm);
        printf("note: LC_TIME=%s gives strftime \"%s\" for \"Tue Aug\"\n", active, local);
        snprintf(who, sizeof(who), "dates under setlocale(LC_ALL, \"\") with LC_TIME=%s", active);
        test_dates(who);
    }
    setlocale(LC_ALL, "C");
    if (made_dir) {
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            printf("note: could not remove %s\n", tmpdir);
    }
}

/* ------------------------------------------------------------------ */

/* HMAC-SHA256 (webhook signatures) against RFC 4231's test cases 1, 2
 * and 6 (a key longer than the block, hashed first). */
static void test_hmac_sha256(void)
{
    static const struct { const char *key; size_t key_len; const char *msg; const char *hex; } cases[] = {
        { "\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b", 20, "Hi There",
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
        { "Jefe", 4, "what do ya want for nothing?",
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
        { NULL, 131, "Test Using Larger Than Block-Size Key - Hash Key First",
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
    };
    unsigned char long_key[131];
    size_t i;

    memset(long_key, 0xaa, sizeof(long_key));
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char hex[DUO_HEX_MAX];
        size_t hex_len = 0;
        duo_hmac *h = duo_hmac_new(DUO_DIGEST_SHA256, cases[i].key ? (const void *)cases[i].key : long_key,
                                   cases[i].key_len);
        int rc = h ? duo_hmac_hex(h, cases[i].msg, strlen(cases[i].msg), hex, &hex_len) : -1;

        check(rc == 0 && hex_len == 64 && strcmp(hex, cases[i].hex) == 0, "hmac-sha256 (RFC 4231)",
              cases[i].msg);
        duo_hmac_free(h);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
        return 2;
    }
    run_vector_file(argv[1]);
    if (seen.skipped_json > 0)
        printf("note: %d vectors checked, %d canon_json skipped (JSON encoding is checked by test_vectors.lua)\n",
               seen.total, seen.skipped_json);
    test_param_cases();
    test_many_params();
    test_percent_every_byte();
    test_header_cases();
    test_many_headers();
    test_request_cases();
    test_canon_host();
    test_authorization();
    test_sign_appends();
    test_hmac_sha256();
    test_dates("dates");
    test_dates_in_locale();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
