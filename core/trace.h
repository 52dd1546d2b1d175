/* Seeing what happens: one line per request attempt, for people (--trace)
 * and as JSON (--log). Never a secret: no header, no query, no body is
 * written, only the verb, host, path (without its query), the account_id
 * parameter, the outcome and, from an error answer, Duo's error code. */
#ifndef DUO_TRACE_H
#define DUO_TRACE_H

#include <stddef.h>
#include <stdio.h>

#include "backend.h"
#include "buf.h"

typedef struct duo_trace_attempt {
    const char *method, *host, *path, *account_id;
    long status;                 /* 0: no answer (see error) */
    duo_net_error error;
    int attempt;                 /* 1-based */
    long long ms;                /* how long the attempt took */
    long long unix_time;
    const char *body;            /* the answer, only read for Duo's error code */
    size_t body_len;
} duo_trace_attempt;

/* Writes the attempt to trace (a line for people) and log (a JSON line);
 * either may be NULL. */
void duo_trace_write(FILE *trace, FILE *log, const duo_trace_attempt *a);

/* Appends to out the masked form of a secret-ish value key[0..len) (a
 * directory key), as tables show it: its first two and last four bytes
 * around "…" ("DD…WXYZ"), or "••••" when it has 8 bytes or fewer; an empty
 * key stays empty. key is only read; out is the caller's. Returns 0, or -1
 * when out could not grow. */
int duo_trace_mask(duo_buf *out, const char *key, size_t len);

/* Appends path to out with every segment that follows a "directorysync"
 * segment (where Duo's directory sync endpoints carry the directory key)
 * masked by duo_trace_mask. path is only read; out is the caller's.
 * Returns 0, or -1 when out could not grow. */
int duo_trace_path(duo_buf *out, const char *path);

/* Duo's error code in an error answer's body ({"code": 40002, ...}), or 0. */
long duo_trace_error_code(const char *body, size_t len);

#endif
