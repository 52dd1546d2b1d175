#include "crypto.h"

#include <stdio.h>
#include <stdlib.h>

#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/version.h>

struct duo_hmac {
    mbedtls_md_context_t ctx;
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

duo_hmac *duo_hmac_new(duo_digest digest, const void *key, size_t key_len)
{
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(
        digest == DUO_DIGEST_SHA1 ? MBEDTLS_MD_SHA1 : MBEDTLS_MD_SHA512);
    duo_hmac *h;

    if (info == NULL)
        return NULL;
    h = malloc(sizeof(*h));
    if (h == NULL)
        return NULL;
    mbedtls_md_init(&h->ctx);
    if (mbedtls_md_setup(&h->ctx, info, 1) != 0
        || mbedtls_md_hmac_starts(&h->ctx, key, key_len) != 0) {
        mbedtls_md_free(&h->ctx);
        free(h);
        return NULL;
    }
    h->size = mbedtls_md_get_size(info);
    return h;
}

void duo_hmac_free(duo_hmac *h)
{
    if (h == NULL)
        return;
    mbedtls_md_free(&h->ctx);   /* zeroizes the key pads */
    mbedtls_platform_zeroize(h, sizeof(*h));
    free(h);
}

int duo_hmac_hex(duo_hmac *h, const void *msg, size_t n,
                 char out[DUO_HEX_MAX], size_t *hex_len)
{
    unsigned char mac[MBEDTLS_MD_MAX_SIZE];

    /* reset rewinds to the state right after the key was absorbed. */
    if (mbedtls_md_hmac_reset(&h->ctx) != 0
        || mbedtls_md_hmac_update(&h->ctx, msg, n) != 0
        || mbedtls_md_hmac_finish(&h->ctx, mac) != 0)
        return -1;
    to_hex(mac, h->size, out);
    *hex_len = 2 * h->size;
    mbedtls_platform_zeroize(mac, sizeof(mac));
    return 0;
}

int duo_base64_append(duo_buf *out, const void *data, size_t n)
{
    size_t need = 4 * ((n + 2) / 3), written = 0;

    if (duo_buf_reserve(out, need) != 0)
        return -1;
    /* Mbed TLS writes a terminating NUL too, hence need + 1 (reserved). */
    if (mbedtls_base64_encode((unsigned char *)out->data + out->len, need + 1,
                              &written, data, n) != 0)
        return -1;
    out->len += written;
    out->data[out->len] = '\0';
    return 0;
}

int duo_random_bytes(void *out, size_t n)
{
    FILE *f = fopen("/dev/urandom", "rb");
    size_t got;

    if (f == NULL)
        return -1;
    got = fread(out, 1, n, f);
    fclose(f);
    return got == n ? 0 : -1;
}

const char *duo_crypto_version(void)
{
    return MBEDTLS_VERSION_STRING;
}
