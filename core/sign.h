/* Signing a canonical request: the HMAC of the canonical string under the
 * secret key, presented as "Basic base64(ikey:hex)". */
#ifndef DUO_SIGN_H
#define DUO_SIGN_H

#include <stddef.h>

#include "buf.h"
#include "canon.h"
#include "crypto.h"

/* Appends the canonical string of r to `canonical` and the Authorization
 * header value to `authorization`. `key` is the HMAC context of the secret
 * key (SHA-512, or SHA-1 for the legacy form). Returns 0, or -1 with *err
 * set to a static one-line reason. */
int duo_sign(const duo_canon_request *r, duo_hmac *key,
             const char *ikey, size_t ikey_len,
             duo_buf *canonical, duo_buf *authorization, const char **err);

/* Appends "Basic base64(ikey:hex)" to out. Returns 0 or -1. */
int duo_authorization(duo_buf *out, const char *ikey, size_t ikey_len,
                      const char *hex, size_t hex_len);

#endif
