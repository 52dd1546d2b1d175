#include "crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/version.h>

#include "platform.h"

/* The key is absorbed once: inner and outer hold the hash states right
 * after H(key ^ ipad) and H(key ^ opad), so each message costs only its own
 * blocks plus one block for the outer hash (RFC 2104's precomputation). */
struct duo_hmac {
    mbedtls_md_context_t inner, outer, work;
    size_t size;   /* digest bytes */
};

static void to_hex(const unsigned char *d, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[2 * n] = '\0';
}

int duo_sha512_hex(const void *data, size_t n, char out[DUO_HEX_MAX])
{
    unsigned char digest[64];
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA512);

    if (info == NULL || mbedtls_md(info, data, n, digest) != 0)
        return -1;
    to_hex(digest, sizeof(digest), out);
    return 0;
}

void duo_hmac_free(duo_hmac *h)
{
    if (h == NULL)
        return;
    mbedtls_md_free(&h->inner);
    mbedtls_md_free(&h->outer);
    mbedtls_md_free(&h->work);
    mbedtls_platform_zeroize(h, sizeof(*h));
    free(h);
}

duo_hmac *duo_hmac_new(duo_digest digest, const void *key, size_t key_len)
{
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(
        digest == DUO_DIGEST_SHA1 ? MBEDTLS_MD_SHA1
        : digest == DUO_DIGEST_SHA256 ? MBEDTLS_MD_SHA256 : MBEDTLS_MD_SHA512);
    unsigned char pad[128], hashed[64];
    size_t block, i;
    duo_hmac *h;
    int ok;

    if (info == NULL)
        return NULL;
    h = malloc(sizeof(*h));
    if (h == NULL)
        return NULL;
    mbedtls_md_init(&h->inner);
    mbedtls_md_init(&h->outer);
    mbedtls_md_init(&h->work);
    h->size = mbedtls_md_get_size(info);
    block = digest == DUO_DIGEST_SHA512 ? 128 : 64;
    ok = mbedtls_md_setup(&h->inner, info, 0) == 0 && mbedtls_md_setup(&h->outer, info, 0) == 0
         && mbedtls_md_setup(&h->work, info, 0) == 0;
    if (ok && key_len > block) {
        ok = mbedtls_md(info, key, key_len, hashed) == 0;
        key = hashed;
        key_len = h->size;
    }
    if (ok) {
        memset(pad, 0x36, block);
        for (i = 0; i < key_len; i++)
            pad[i] ^= ((const unsigned char *)key)[i];
        ok = mbedtls_md_starts(&h->inner) == 0 && mbedtls_md_update(&h->inner, pad, block) == 0;
        memset(pad, 0x5c, block);
        for (i = 0; i < key_len; i++)
            pad[i] ^= ((const unsigned char *)key)[i];
        ok = ok && mbedtls_md_starts(&h->outer) == 0 && mbedtls_md_update(&h->outer, pad, block) == 0;
    }
    mbedtls_platform_zeroize(pad, sizeof(pad));
    mbedtls_platform_zeroize(hashed, sizeof(hashed));
    if (!ok) {
        duo_hmac_free(h);
        return NULL;
    }
    return h;
}

int duo_hmac_hex(duo_hmac *h, const void *msg, size_t n,
                 char out[DUO_HEX_MAX], size_t *hex_len)
{
    unsigned char mac[MBEDTLS_MD_MAX_SIZE];
    int rc = mbedtls_md_clone(&h->work, &h->inner) == 0
             && mbedtls_md_update(&h->work, msg, n) == 0
             && mbedtls_md_finish(&h->work, mac) == 0
             && mbedtls_md_clone(&h->work, &h->outer) == 0
             && mbedtls_md_update(&h->work, mac, h->size) == 0
             && mbedtls_md_finish(&h->work, mac) == 0 ? 0 : -1;

    if (rc == 0) {
        to_hex(mac, h->size, out);
        *hex_len = 2 * h->size;
    }
    mbedtls_platform_zeroize(mac, sizeof(mac));
    return rc;
}

static const char b64_tab[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t duo_base64_encode(char *out, const void *data, size_t n)
{
    const unsigned char *p = data;
    char *w = out;
    size_t i;

    for (i = 0; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        *w++ = b64_tab[v >> 18];
        *w++ = b64_tab[(v >> 12) & 63];
        *w++ = b64_tab[(v >> 6) & 63];
        *w++ = b64_tab[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
        *w++ = b64_tab[v >> 18];
        *w++ = b64_tab[(v >> 12) & 63];
        *w++ = i + 1 < n ? b64_tab[(v >> 6) & 63] : '=';
        *w++ = '=';
    }
    return (size_t)(w - out);
}

int duo_base64_append(duo_buf *out, const void *data, size_t n)
{
    if (duo_buf_reserve(out, DUO_BASE64_SIZE(n)) != 0)
        return -1;
    out->len += duo_base64_encode(out->data + out->len, data, n);
    out->data[out->len] = '\0';
    return 0;
}

long duo_base64_decode(char *out, const char *text, size_t n)
{
    unsigned long bits = 0;
    int nbits = 0, padding = 0;
    long len = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        const char *at;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            padding++;
            continue;
        }
        at = c != '\0' ? strchr(b64_tab, c) : NULL;
        if (at == NULL || padding > 0)
            return -1;
        bits = (bits << 6 | (unsigned long)(at - b64_tab)) & 0xFFFFFF;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out[len++] = (char)(bits >> nbits & 0xFF);
        }
    }
    return len;
}

int duo_random_bytes(void *out, size_t n)
{
    return platform_random(out, n);
}

const char *duo_crypto_version(void)
{
    return MBEDTLS_VERSION_STRING;
}

/* Mbed TLS's entropy source where it has none of its own: the static
 * (musl) build's Mbed TLS is configured with MBEDTLS_ENTROPY_HARDWARE_ALT
 * and MBEDTLS_NO_PLATFORM_ENTROPY (.ci/build-deps), and every entropy
 * context libcurl makes for a TLS connection gathers from here: the
 * platform layer's random bytes (getrandom, else /dev/urandom), which work
 * in an empty root. Builds with another Mbed TLS never call it. */
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen);

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen)
{
    (void)data;
    if (platform_random(output, len) != 0) {
        *olen = 0;
        return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    }
    *olen = len;
    return 0;
}
