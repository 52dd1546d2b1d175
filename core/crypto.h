/* Hashes, HMAC and base64 for request signing. crypto.c is the only file of
 * the project that includes Mbed TLS. Hex output is lower-case and
 * NUL-terminated; callers own every buffer they pass in. */
#ifndef DUO_CRYPTO_H
#define DUO_CRYPTO_H

#include <stddef.h>

#include "buf.h"

typedef enum duo_digest {
    DUO_DIGEST_SHA1,
    DUO_DIGEST_SHA256,   /* webhook signatures (X-Duo-Lua-Signature) */
    DUO_DIGEST_SHA512
} duo_digest;

/* Longest hex digest plus its NUL (SHA-512: 128 hex digits). */
#define DUO_HEX_MAX 129

/* Lower-case hex SHA-512 of data[0..n) into out (129 bytes). Returns 0 or -1. */
int duo_sha512_hex(const void *data, size_t n, char out[DUO_HEX_MAX]);

/* A keyed HMAC context: the key is processed once and can sign many
 * messages. It holds key material; duo_hmac_free wipes it. */
typedef struct duo_hmac duo_hmac;

/* Returns NULL when out of memory. The key bytes are copied into Mbed TLS's
 * own state; the caller keeps ownership of `key`. */
duo_hmac *duo_hmac_new(duo_digest digest, const void *key, size_t key_len);
void duo_hmac_free(duo_hmac *h);
/* Lower-case hex HMAC of msg[0..n) into out; *hex_len gets its length
 * (40 for SHA-1, 64 for SHA-256, 128 for SHA-512). Returns 0 or -1. */
int duo_hmac_hex(duo_hmac *h, const void *msg, size_t n,
                 char out[DUO_HEX_MAX], size_t *hex_len);

/* The one base64 of the project: standard (RFC 4648), with padding. */
#define DUO_BASE64_SIZE(n) (4 * (((n) + 2) / 3))
/* Writes the base64 of data[0..n) to out (DUO_BASE64_SIZE(n) bytes, no
 * NUL); returns that length. */
size_t duo_base64_encode(char *out, const void *data, size_t n);
/* Appends the base64 of data[0..n) to out. Returns 0 or -1. */
int duo_base64_append(duo_buf *out, const void *data, size_t n);
/* Decodes base64 text[0..n) into out (room for n * 3 / 4 + 3 bytes):
 * whitespace ignored, padding optional but only at the end. Returns the
 * number of bytes, or -1 when text is not base64. */
long duo_base64_decode(char *out, const char *text, size_t n);

/* Writes n random bytes from the operating system into out (used for retry
 * jitter). Returns 0 or -1. */
int duo_random_bytes(void *out, size_t n);

/* The Mbed TLS version string, e.g. "2.28.3". */
const char *duo_crypto_version(void);

#endif
