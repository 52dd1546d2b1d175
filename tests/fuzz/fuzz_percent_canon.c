/* Percent-encoding, the canonical parameter string and the canonical host
 * (core/percent.c, params.c, canon.c) against a reference written here
 * from duo-api.md section 2, independently and as plainly as possible.
 *
 * Input: fields separated by 0xFF bytes. Field 0 is a host; then key,
 * value, key, value... (a missing last value is empty). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "params.h"
#include "percent.h"

#define MAX_FIELDS 64

static void fail(const char *what, const char *got, const char *want)
{
    fprintf(stderr, "fuzz: %s\n  got:  %s\n  want: %s\n", what, got, want);
    abort();
}

/* Reference percent-encoding: RFC 3986 unreserved bytes stay, the rest
 * become %XX in upper-case hex. Returns a malloc'd C string. */
static char *ref_encode(const uint8_t *s, size_t n)
{
    char *out = malloc(3 * n + 1), *w = out;
    if (out == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        int c = s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
            || c == '-' || c == '.' || c == '_' || c == '~')
            *w++ = (char)c;
        else
            w += sprintf(w, "%%%02X", c);
    }
    *w = '\0';
    return out;
}

typedef struct pair {
    char *k, *v;
} pair;

static int pair_cmp(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    int c = strcmp(x->k, y->k);   /* encoded text has no NUL */
    return c != 0 ? c : strcmp(x->v, y->v);
}

/* Reference host: lower-case; drop ":digits" at the end when the host has
 * no other colon, or when it is "[v6]:digits". */
static char *ref_host(const char *h)
{
    size_t n = strlen(h), cut = n;
    char *out;
    size_t colons = 0, last = 0;
    for (size_t i = 0; i < n; i++)
        if (h[i] == ':') {
            colons++;
            last = i;
        }
    if (colons > 0 && last + 1 < n) {
        int digits = 1;
        for (size_t i = last + 1; i < n; i++)
            if (h[i] < '0' || h[i] > '9')
                digits = 0;
        if (digits && (colons == 1 || (h[0] == '[' && last > 0 && h[last - 1] == ']')))
            cut = last;
    }
    out = malloc(cut + 1);
    if (out == NULL)
        abort();
    for (size_t i = 0; i < cut; i++)
        out[i] = (h[i] >= 'A' && h[i] <= 'Z') ? (char)(h[i] + 32) : h[i];
    out[cut] = '\0';
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *start[MAX_FIELDS];
    size_t len[MAX_FIELDS], nf = 0, np;
    pair pairs[MAX_FIELDS / 2];
    duo_params params = DUO_PARAMS_INIT;
    duo_buf got = DUO_BUF_INIT;
    char *want, *host;
    size_t want_len = 0;

    /* Whole input through the encoder. */
    want = ref_encode(data, size);
    duo_percent_encode(&got, (const char *)data, size);
    if (!duo_buf_ok(&got) || strcmp(duo_buf_str(&got), want) != 0)
        fail("percent-encoding", duo_buf_str(&got), want);
    free(want);
    duo_buf_clear(&got);

    /* Split into fields. */
    start[0] = data;
    for (size_t i = 0; i < size && nf < MAX_FIELDS - 1; i++)
        if (data[i] == 0xFF) {
            len[nf] = (size_t)(data + i - start[nf]);
            start[++nf] = data + i + 1;
        }
    len[nf] = (size_t)(data + size - start[nf]);
    if (memchr(start[nf], 0xFF, len[nf]) != NULL)   /* too many fields: ignore the rest */
        len[nf] = (size_t)((const uint8_t *)memchr(start[nf], 0xFF, len[nf]) - start[nf]);
    nf++;

    /* The host (a C string: cut at the first NUL). */
    host = malloc(len[0] + 1);
    if (host == NULL)
        abort();
    memcpy(host, start[0], len[0]);
    host[len[0]] = '\0';
    want = ref_host(host);
    duo_canon_host(&got, host);
    if (!duo_buf_ok(&got) || strcmp(duo_buf_str(&got), want) != 0)
        fail("canonical host", duo_buf_str(&got), want);
    free(want);
    free(host);
    duo_buf_clear(&got);

    /* Parameters: encode each, sort by key then value, join. */
    np = (nf - 1 + 1) / 2;
    for (size_t i = 0; i < np; i++) {
        size_t kf = 1 + 2 * i, vf = kf + 1;
        const uint8_t *v = vf < nf ? start[vf] : (const uint8_t *)"";
        size_t vn = vf < nf ? len[vf] : 0;
        if (duo_params_add(&params, (const char *)start[kf], len[kf], (const char *)v, vn) != 0)
            abort();
        pairs[i].k = ref_encode(start[kf], len[kf]);
        pairs[i].v = ref_encode(v, vn);
        want_len += strlen(pairs[i].k) + strlen(pairs[i].v) + 2;
    }
    qsort(pairs, np, sizeof pairs[0], pair_cmp);
    want = malloc(want_len + 1);
    if (want == NULL)
        abort();
    want[0] = '\0';
    for (size_t i = 0; i < np; i++) {
        if (i > 0)
            strcat(want, "&");
        strcat(want, pairs[i].k);
        strcat(want, "=");
        strcat(want, pairs[i].v);
        free(pairs[i].k);
        free(pairs[i].v);
    }
    if (duo_params_canonical(&params, &got) != 0 || strcmp(duo_buf_str(&got), want) != 0)
        fail("canonical parameters", duo_buf_str(&got), want);
    free(want);
    duo_buf_free(&got);
    duo_params_free(&params);
    return 0;
}
