#include "termtext.h"

#include <stdio.h>

/* The length of the well-formed UTF-8 sequence of two or more bytes at
 * s[0..n) (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF), storing its code point in *cp; 0 when it is not one. */
static size_t utf8_sequence(const unsigned char *s, size_t n, unsigned long *cp)
{
    unsigned char c = s[0];
    size_t len;
    unsigned long v, min;

    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, v = c & 0x1fu, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, v = c & 0x0fu, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, v = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0u) != 0x80u)
            return 0;
        v = (v << 6) | (s[i] & 0x3fu);
    }
    if (v < min || v > 0x10ffffUL || (v >= 0xd800UL && v <= 0xdfffUL))
        return 0;
    *cp = v;
    return len;
}

int duo_utf8_valid(const char *in, size_t len)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0, step;
    unsigned long cp;

    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        step = utf8_sequence(s + i, len - i, &cp);
        if (step == 0)
            return 0;
        i += step;
    }
    return 1;
}

/* Whether code point cp (of a multi-byte sequence) acts on a terminal. */
static int is_hostile_code_point(unsigned long cp)
{
    return cp <= 0x9fUL                               /* C1 controls */
           || cp == 0x200eUL || cp == 0x200fUL        /* LRM, RLM */
           || (cp >= 0x202aUL && cp <= 0x202eUL)      /* embeddings, overrides */
           || (cp >= 0x2066UL && cp <= 0x2069UL);     /* isolates */
}

/* What to do with the byte or sequence at s[0..n): how many bytes it
 * spans (*len), and whether it is copied (1) or escaped (0). *cp is the
 * code point of an escaped multi-byte sequence, or ~0 for one byte. */
static int classify(const unsigned char *s, size_t n, unsigned flags, size_t *len, unsigned long *cp)
{
    unsigned char c = s[0];

    *len = 1;
    *cp = ~0UL;
    if (c < 0x80) {
        if (c == '\n' || c == '\t')
            return (flags & DUO_TERMTEXT_CELL) == 0;
        return c >= 0x20 && c != 0x7f;
    }
    *len = utf8_sequence(s, n, cp);
    if (*len == 0) {
        *len = 1;
        *cp = ~0UL;
        return 0;
    }
    return !is_hostile_code_point(*cp);
}

int duo_termtext_is_clean(const char *in, size_t len, unsigned flags)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0, step;
    unsigned long cp;

    while (i < len) {
        if (!classify(s + i, len - i, flags, &step, &cp))
            return 0;
        i += step;
    }
    return 1;
}

int duo_termtext_clean(duo_buf *out, const char *in, size_t len, unsigned flags)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0, run = 0, step;
    unsigned long cp;
    char esc[16];

    while (i < len) {
        if (classify(s + i, len - i, flags, &step, &cp)) {
            i += step;
            continue;
        }
        duo_buf_append(out, in + run, i - run);
        if (s[i] == '\n' || s[i] == '\t')
            duo_buf_putc(out, ' ');
        else if (cp == ~0UL)
            duo_buf_append(out, esc, (size_t)snprintf(esc, sizeof(esc), "\\x%02x", s[i]));
        else if (flags & DUO_TERMTEXT_LUA)
            duo_buf_append(out, esc, (size_t)snprintf(esc, sizeof(esc), "\\u{%04lx}", cp));
        else
            duo_buf_append(out, esc, (size_t)snprintf(esc, sizeof(esc), "\\u%04lx", cp));
        i += step;
        run = i;
    }
    duo_buf_append(out, in + run, len - run);
    return duo_buf_ok(out) ? 0 : -1;
}
