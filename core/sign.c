#include "sign.h"

#include <string.h>

int duo_authorization(duo_buf *out, const char *ikey, size_t ikey_len,
                      const char *hex, size_t hex_len)
{
    char stack_creds[160];
    duo_buf heap = DUO_BUF_INIT;
    const char *creds = stack_creds;
    size_t n = ikey_len + 1 + hex_len;
    int rc;

    if (n > sizeof(stack_creds)) {
        duo_buf_append(&heap, ikey, ikey_len);
        duo_buf_putc(&heap, ':');
        duo_buf_append(&heap, hex, hex_len);
        if (!duo_buf_ok(&heap))
            return -1;
        creds = heap.data;
    } else {
        memcpy(stack_creds, ikey, ikey_len);
        stack_creds[ikey_len] = ':';
        memcpy(stack_creds + ikey_len + 1, hex, hex_len);
    }
    duo_buf_puts(out, "Basic ");
    rc = duo_buf_ok(out) ? duo_base64_append(out, creds, n) : -1;
    duo_buf_free(&heap);
    return rc;
}

int duo_sign(const duo_canon_request *r, duo_hmac *key,
             const char *ikey, size_t ikey_len,
             duo_buf *canonical, duo_buf *authorization, const char **err)
{
    char hex[DUO_HEX_MAX];
    size_t hex_len;
    size_t start = canonical->len;

    if (duo_canonicalize(r, canonical, err) != 0)
        return -1;
    if (duo_hmac_hex(key, canonical->data + start, canonical->len - start,
                     hex, &hex_len) != 0
        || duo_authorization(authorization, ikey, ikey_len, hex, hex_len) != 0) {
        *err = "out of memory";
        return -1;
    }
    return 0;
}
