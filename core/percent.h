/* Percent-encoding as Duo's canonical form wants it: every byte except the
 * unreserved A-Z a-z 0-9 - . _ ~ becomes %XX with upper-case hex (so a space
 * is %20, never +). Works on bytes; UTF-8 text is encoded byte by byte. */
#ifndef DUO_PERCENT_H
#define DUO_PERCENT_H

#include <stddef.h>

#include "buf.h"

/* Appends the encoding of s[0..n) to out. */
void duo_percent_encode(duo_buf *out, const char *s, size_t n);

#endif
