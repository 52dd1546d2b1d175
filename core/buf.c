#include "buf.h"

#include <stdlib.h>
#include <string.h>

void duo_buf_init(duo_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
    b->borrowed = 0;
}

void duo_buf_use(duo_buf *b, char *storage, size_t size)
{
    duo_buf_init(b);
    if (size > 0) {
        b->data = storage;
        b->cap = size;
        b->borrowed = 1;
        storage[0] = '\0';
    }
}

void duo_buf_free(duo_buf *b)
{
    if (!b->borrowed)
        free(b->data);
    duo_buf_init(b);
}

void duo_buf_clear(duo_buf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

/* Grows b to hold need bytes, doubling but never past max_cap. */
static int grow_to(duo_buf *b, size_t need, size_t max_cap)
{
    size_t cap;
    char *p;

    if (need <= b->cap)
        return 0;
    if (need > max_cap) {
        b->failed = 1;
        return -1;
    }
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > max_cap / 2 ? max_cap : cap * 2;
    if (b->borrowed) {
        p = malloc(cap);
        if (p != NULL && b->len > 0)
            memcpy(p, b->data, b->len + 1);
    } else {
        p = realloc(b->data, cap);
    }
    if (p == NULL) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    b->borrowed = 0;
    return 0;
}

int duo_buf_reserve(duo_buf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (extra > (size_t)-1 - b->len - 1) {
        b->failed = 1;
        return -1;
    }
    return grow_to(b, b->len + extra + 1, (size_t)-1);
}

int duo_buf_reserve_within(duo_buf *b, size_t extra, size_t max_len)
{
    if (b->failed)
        return -1;
    if (extra > max_len || b->len > max_len - extra)
        return -1;   /* over the limit: not an allocation failure */
    return grow_to(b, b->len + extra + 1, max_len + 1);
}

void duo_buf_append(duo_buf *b, const void *p, size_t n)
{
    if (duo_buf_reserve(b, n) != 0)
        return;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void duo_buf_puts(duo_buf *b, const char *s)
{
    duo_buf_append(b, s, strlen(s));
}

void duo_buf_putc(duo_buf *b, char c)
{
    duo_buf_append(b, &c, 1);
}

int duo_buf_ok(const duo_buf *b)
{
    return !b->failed;
}

const char *duo_buf_str(const duo_buf *b)
{
    return b->data != NULL ? b->data : "";
}

char *duo_strdup(const char *s)
{
    char *p;

    if (s == NULL)
        return NULL;
    p = malloc(strlen(s) + 1);
    if (p != NULL)
        strcpy(p, s);
    return p;
}
