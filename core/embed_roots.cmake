# Turns the pinned roots PEM into a C source file (a byte array), so the
# binary carries its trust anchors and needs no file at run time.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n" bytes "${bytes}")
file(READ "${INPUT}" text)
string(REGEX MATCHALL "BEGIN CERTIFICATE" certs "${text}")
list(LENGTH certs count)
file(WRITE "${OUTPUT}"
"/* Generated from core/pinned_roots.pem by core/embed_roots.cmake. */
#include <stddef.h>
const char duo_pinned_roots_pem[] = {
${bytes}0 };
const size_t duo_pinned_roots_pem_len = ${len};
const int duo_pinned_roots_count = ${count};
")
