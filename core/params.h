/* Request parameters: an ordered list of key/value byte strings where a key
 * may repeat (Duo's list parameters), and their canonical form. */
#ifndef DUO_PARAMS_H
#define DUO_PARAMS_H

#include <stddef.h>

#include "buf.h"

typedef struct duo_param {
    const char *key;   /* borrowed: must outlive the list */
    size_t key_len;
    const char *value; /* borrowed */
    size_t value_len;
} duo_param;

typedef struct duo_params {
    duo_param *items;  /* owned array, or the caller's (duo_params_use) */
    size_t count;
    size_t cap;
    int borrowed;      /* items is caller-owned storage */
} duo_params;

#define DUO_PARAMS_INIT { NULL, 0, 0, 0 }

void duo_params_init(duo_params *p);
/* Starts p on caller-owned storage for n pairs; more pairs move it to the
 * heap. duo_params_free is still required. */
void duo_params_use(duo_params *p, duo_param *storage, size_t n);
void duo_params_free(duo_params *p);
/* Adds one pair; the bytes are borrowed, not copied. Returns 0 or -1 (ENOMEM). */
int duo_params_add(duo_params *p, const char *key, size_t key_len,
                   const char *value, size_t value_len);

/* Appends the canonical parameter string to out: each key and value
 * percent-encoded, pairs sorted by encoded key then encoded value, joined
 * as k=v with '&'. Nothing is appended for an empty list. Returns 0 or -1. */
int duo_params_canonical(const duo_params *p, duo_buf *out);

#endif
