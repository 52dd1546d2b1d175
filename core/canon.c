#include "canon.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"

/* SHA-512 of the empty string: the body line of every GET and the header
 * line of every request without X-Duo headers, so worth not recomputing. */
static const char empty_sha512[] =
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static char upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

void duo_canon_host(duo_buf *out, const char *host)
{
    size_t n = strlen(host);
    const char *colon = strrchr(host, ':');

    /* A single colon followed only by digits is a port. IPv6 literals have
     * more colons and keep theirs unless bracketed ("[::1]:443"). */
    if (colon != NULL && colon[1] != '\0'
        && strspn(colon + 1, "0123456789") == strlen(colon + 1)
        && (memchr(host, ':', (size_t)(colon - host)) == NULL
            || (host[0] == '[' && colon > host && colon[-1] == ']')))
        n = (size_t)(colon - host);
    if (duo_buf_reserve(out, n) != 0)
        return;
    for (size_t i = 0; i < n; i++)
        out->data[out->len + i] = lower(host[i]);
    out->len += n;
    out->data[out->len] = '\0';
}

static int names_equal_nocase(const duo_header *a, const duo_header *b)
{
    if (a->name_len != b->name_len)
        return 0;
    for (size_t i = 0; i < a->name_len; i++)
        if (lower(a->name[i]) != lower(b->name[i]))
            return 0;
    return 1;
}

static int compare_lower_names(const void *pa, const void *pb)
{
    const duo_header *a = *(const duo_header *const *)pa;
    const duo_header *b = *(const duo_header *const *)pb;
    size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;

    for (size_t i = 0; i < n; i++) {
        unsigned char ca = (unsigned char)lower(a->name[i]);
        unsigned char cb = (unsigned char)lower(b->name[i]);
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    return a->name_len < b->name_len ? -1 : a->name_len > b->name_len;
}

static int check_header(const duo_header *h, const char **err)
{
    static const char prefix[] = "x-duo-";

    if (h->name_len < sizeof(prefix) - 1) {
        *err = "header names must start with 'x-duo-'";
        return -1;
    }
    for (size_t i = 0; i < sizeof(prefix) - 1; i++) {
        if (lower(h->name[i]) != prefix[i]) {
            *err = "header names must start with 'x-duo-'";
            return -1;
        }
    }
    if (memchr(h->name, '\0', h->name_len) != NULL
        || memchr(h->value, '\0', h->value_len) != NULL) {
        *err = "header names and values must not contain NUL bytes";
        return -1;
    }
    return 0;
}

/* Hex SHA-512 of "name\0value\0name\0value..." over the lower-cased,
 * sorted names. */
static int headers_hash(const duo_header *headers, size_t n,
                        char out[DUO_HEX_MAX], const char **err)
{
    const duo_header *stack_sorted[16], **sorted = stack_sorted;
    duo_buf joined = DUO_BUF_INIT;
    int rc = -1;

    if (n == 0) {
        memcpy(out, empty_sha512, sizeof(empty_sha512));
        return 0;
    }
    if (n > sizeof(stack_sorted) / sizeof(stack_sorted[0])) {
        sorted = malloc(n * sizeof(*sorted));
        if (sorted == NULL) {
            *err = "out of memory";
            return -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (check_header(&headers[i], err) != 0)
            goto done;
        sorted[i] = &headers[i];
    }
    qsort(sorted, n, sizeof(*sorted), compare_lower_names);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && names_equal_nocase(sorted[i - 1], sorted[i])) {
            *err = "duplicate header name";
            goto done;
        }
        if (i > 0)
            duo_buf_putc(&joined, '\0');
        for (size_t j = 0; j < sorted[i]->name_len; j++)
            duo_buf_putc(&joined, lower(sorted[i]->name[j]));
        duo_buf_putc(&joined, '\0');
        duo_buf_append(&joined, sorted[i]->value, sorted[i]->value_len);
    }
    if (!duo_buf_ok(&joined) || duo_sha512_hex(joined.data, joined.len, out) != 0) {
        *err = "out of memory";
        goto done;
    }
    rc = 0;
done:
    duo_buf_free(&joined);
    if (sorted != stack_sorted)
        free(sorted);
    return rc;
}

/* An upper bound of the canonical string's length, reserved at once so
 * the appends below never reallocate. */
static size_t size_bound(const duo_canon_request *r)
{
    size_t n = strlen(r->method) + strlen(r->host) + strlen(r->path) + 2 * 129 + 8
               + (r->date != NULL ? strlen(r->date) : 0);

    if (r->params_canonical != NULL)
        n += strlen(r->params_canonical);
    else if (r->params != NULL)
        for (size_t i = 0; i < r->params->count; i++)
            n += 3 * (r->params->items[i].key_len + r->params->items[i].value_len) + 2;
    return n;
}

int duo_canonicalize(const duo_canon_request *r, duo_buf *out, const char **err)
{
    char hex[DUO_HEX_MAX];

    if (r->version != 1 && r->version != 2 && r->version != 4 && r->version != 5) {
        *err = "signature version must be 1, 2, 4 or 5";
        return -1;
    }
    if (duo_buf_reserve(out, size_bound(r)) != 0) {
        *err = "out of memory";
        return -1;
    }
    if (r->version != 1) {
        duo_buf_puts(out, r->date != NULL ? r->date : "");
        duo_buf_putc(out, '\n');
    }
    for (const char *m = r->method; *m != '\0'; m++)
        duo_buf_putc(out, upper(*m));
    duo_buf_putc(out, '\n');
    duo_canon_host(out, r->host);
    duo_buf_putc(out, '\n');
    duo_buf_puts(out, r->path);
    duo_buf_putc(out, '\n');
    if (r->params_canonical != NULL)
        duo_buf_puts(out, r->params_canonical);
    else if (r->params != NULL && duo_params_canonical(r->params, out) != 0) {
        *err = "out of memory";
        return -1;
    }
    if (r->version >= 4) {
        duo_buf_putc(out, '\n');
        if (r->body == NULL || r->body_len == 0) {
            duo_buf_append(out, empty_sha512, sizeof(empty_sha512) - 1);
        } else if (duo_sha512_hex(r->body, r->body_len, hex) == 0) {
            duo_buf_append(out, hex, 128);
        } else {
            *err = "out of memory";
            return -1;
        }
    }
    if (r->version == 5) {
        if (headers_hash(r->headers, r->headers ? r->header_count : 0, hex, err) != 0)
            return -1;
        duo_buf_putc(out, '\n');
        duo_buf_append(out, hex, 128);
    }
    if (!duo_buf_ok(out)) {
        *err = "out of memory";
        return -1;
    }
    return 0;
}
