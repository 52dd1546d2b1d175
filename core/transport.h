/* The libcurl backend: HTTPS transfers on one curl multi handle.
 * transport.c is the only file of the project that includes curl.
 *
 * Many transfers run at once; nothing blocks except a poll, which waits
 * for network activity for at most the time it is given. TLS peer and host
 * verification are always on; redirects are never followed. */
#ifndef DUO_TRANSPORT_H
#define DUO_TRANSPORT_H

#include <stddef.h>

#include "backend.h"

/* Returns NULL (with a reason in err) when curl cannot be set up. */
duo_backend *duo_transport_new(char *err, size_t err_size);

/* "libcurl/7.88.1 OpenSSL/3.0.x ..." */
const char *duo_transport_version(void);
/* The TLS library libcurl sends with ("OpenSSL/3.0.17", "Schannel", "mbedTLS/2.28.3"). */
const char *duo_transport_tls(void);
/* The pinned roots as one PEM text, and how many certificates it holds. */
const char *duo_pinned_roots(size_t *len, int *count);

#endif
