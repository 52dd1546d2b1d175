/* The canonical request string that Duo signs (see duo-api.md, section 2).
 *
 *   v1: METHOD, host, path, params                (legacy, no date)
 *   v2: date, METHOD, host, path, params
 *   v4: the v2 lines, then hex SHA-512 of the body
 *   v5: the v4 lines, then hex SHA-512 of the X-Duo header string
 *
 * Lines are joined with '\n' and there is no trailing newline. */
#ifndef DUO_CANON_H
#define DUO_CANON_H

#include <stddef.h>

#include "buf.h"
#include "params.h"

typedef struct duo_header {
    const char *name;    /* borrowed; must start with "x-duo-" in any case */
    size_t name_len;
    const char *value;   /* borrowed */
    size_t value_len;
} duo_header;

typedef struct duo_canon_request {
    int version;                 /* 1, 2, 4 or 5 */
    const char *method;          /* any case; upper-cased */
    const char *host;            /* any case; lower-cased, a ":port" dropped */
    const char *path;            /* as sent on the request line, no query */
    const char *date;            /* RFC 2822 date; ignored by v1 */
    const duo_params *params;    /* may be NULL: no params */
    const char *params_canonical; /* if set, used instead of params: the
                                    output of duo_params_canonical */
    const char *body;            /* v4/v5: exact body bytes; NULL = empty */
    size_t body_len;
    const duo_header *headers;   /* v5 only; may be NULL */
    size_t header_count;
} duo_canon_request;

/* Appends the canonical string of r to out. Returns 0, or -1 with *err set
 * to a static one-line reason (bad version, bad header, out of memory). */
int duo_canonicalize(const duo_canon_request *r, duo_buf *out, const char **err);

/* Appends host lower-cased and without a trailing ":port" to out. */
void duo_canon_host(duo_buf *out, const char *host);

#endif
