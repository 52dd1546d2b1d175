/* A growable byte buffer with a sticky failure flag.
 *
 * Appends after an allocation failure are no-ops, so a sequence of appends
 * needs one check at the end (duo_buf_ok) instead of one per call. The buffer
 * always keeps a NUL byte after its contents once anything was appended, so
 * data can be handed to functions that want a C string. */
#ifndef DUO_BUF_H
#define DUO_BUF_H

#include <stddef.h>

typedef struct duo_buf {
    char *data;   /* NULL until the first append */
    size_t len;   /* bytes used, not counting the trailing NUL */
    size_t cap;   /* bytes available at data */
    int failed;   /* non-zero once an allocation failed */
    int borrowed; /* data is the caller's storage (duo_buf_use), not malloc'd */
} duo_buf;

#define DUO_BUF_INIT { NULL, 0, 0, 0, 0 }

void duo_buf_init(duo_buf *b);
/* Starts b on caller-owned storage (a stack array, say), so short
 * contents need no allocation; it moves to the heap if it outgrows it.
 * duo_buf_free is still required. */
void duo_buf_use(duo_buf *b, char *storage, size_t size);
/* Releases the storage and resets b to empty. */
void duo_buf_free(duo_buf *b);
/* Forgets the contents but keeps the storage (and clears the failure flag). */
void duo_buf_clear(duo_buf *b);
/* Makes room for `extra` more bytes (plus the NUL). Returns 0 or -1. */
int duo_buf_reserve(duo_buf *b, size_t extra);
/* Like duo_buf_reserve, but the contents may never exceed max_len bytes
 * and the storage never grows past max_len + 1 (no doubling beyond the
 * limit). Returns -1 without marking b failed when max_len would be
 * exceeded, and -1 marking it failed when out of memory. */
int duo_buf_reserve_within(duo_buf *b, size_t extra, size_t max_len);
void duo_buf_append(duo_buf *b, const void *p, size_t n);
void duo_buf_puts(duo_buf *b, const char *s);
void duo_buf_putc(duo_buf *b, char c);
/* Returns 1 when every operation so far succeeded. */
int duo_buf_ok(const duo_buf *b);
/* The contents as a C string ("" when empty); valid until the next change. */
const char *duo_buf_str(const duo_buf *b);

/* A malloc'd copy of s, or NULL (also when s is NULL). */
char *duo_strdup(const char *s);

#endif
