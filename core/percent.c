#include "percent.h"

#include <string.h>

/* 1 for the bytes kept as they are. */
static const unsigned char unreserved[256] = {
    ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
    ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

void duo_percent_encode(duo_buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s;
    char *w;
    size_t i;

    /* Worst case every byte triples; reserving once keeps the loop tight. */
    if (n > ((size_t)-1) / 3 || duo_buf_reserve(out, 3 * n) != 0) {
        out->failed = 1;
        return;
    }
    w = out->data + out->len;
    /* Most names and values need no escaping: copy the clean prefix. */
    for (i = 0; i < n && unreserved[p[i]]; i++)
        ;
    memcpy(w, s, i);
    w += i;
    for (; i < n; i++) {
        if (unreserved[p[i]]) {
            *w++ = (char)p[i];
        } else {
            *w++ = '%';
            *w++ = hex[p[i] >> 4];
            *w++ = hex[p[i] & 15];
        }
    }
    out->len = (size_t)(w - out->data);
    out->data[out->len] = '\0';
}
