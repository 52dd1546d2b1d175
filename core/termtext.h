/* Text bound for a terminal, made inert: data from outside (account,
 * user and company names, server messages) may hold escape sequences
 * that write the clipboard (ESC ] 52), clear or hide lines (ESC [ 2J,
 * ESC [ 8m), move the cursor (CR) or reverse the text (U+202E). Every
 * such byte or code point is shown as a visible escape instead:
 *
 *   C0 controls and DEL      \x1b  \x07  \x0d  \x7f
 *   C1 controls (U+0080–U+009F, as UTF-8), the bidi marks, embeddings,
 *   overrides and isolates (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069)
 *                            \u009b  \u202e      (\u{202e} with DUO_TERMTEXT_LUA)
 *   bytes that are not UTF-8 \xNN, one escape per byte
 *
 * Everything else, the backslash included, is copied as it is. Without
 * DUO_TERMTEXT_CELL, newline and tab are copied too (messages keep their
 * lines); with it they become a space (a table cell stays on its line). */
#ifndef DUO_TERMTEXT_H
#define DUO_TERMTEXT_H

#include <stddef.h>

#include "buf.h"

/* A table cell or plan line: newline and tab become a space. */
#define DUO_TERMTEXT_CELL 0x1u
/* Code points escaped in Lua's syntax (\u{202e}), for text inside a Lua
 * string literal; \xNN is the same in both. */
#define DUO_TERMTEXT_LUA 0x2u

/* Returns 1 when in[0..len) would be copied unchanged by
 * duo_termtext_clean with these flags, else 0. in is only read. */
int duo_termtext_is_clean(const char *in, size_t len, unsigned flags);

/* Returns 1 when in[0..len) is well-formed UTF-8 (RFC 3629), else 0. */
int duo_utf8_valid(const char *in, size_t len);

/* Appends the inert form of in[0..len) to out (the caller's buffer, which
 * the caller frees with duo_buf_free; in is only read and may hold NUL
 * bytes, shown as \x00). Returns 0, or -1 when out could not grow (its
 * failure flag is then set and its contents are incomplete). */
int duo_termtext_clean(duo_buf *out, const char *in, size_t len, unsigned flags);

#endif
