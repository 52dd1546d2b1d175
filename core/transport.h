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

/* Blocking sends for the notification channels that are not HTTPS (SPEC
 * section 10): mail over SMTP and a syslog stream over TCP or TLS. They
 * run outside the event loop, each on its own easy handle, for at most
 * opt->timeout_ms (connect included): a channel sends a few messages per
 * run, and waiting for them in place keeps the loop's backend a pure HTTPS
 * one. TLS is verified as for HTTPS (opt->ca). Certificates, proxies and
 * timeouts come from opt; every string stays the caller's. */
typedef struct duo_send_result {
    duo_net_error error;     /* DUO_NET_OK when the server took everything */
    long code;               /* the SMTP server's last reply code, 0 if none */
    int refused;             /* the server answered and said no (login, sender, recipient) */
    char message[256];       /* one line when error != DUO_NET_OK */
} duo_send_result;

typedef struct duo_mail {
    const char *url;             /* smtps://host[:port] (implicit TLS) or smtp://host[:port]
                                    (STARTTLS, required: never sent in the clear) */
    const char *from;            /* the envelope sender, an address without <> */
    const char *const *to;       /* envelope recipients, NULL-terminated, at least one */
    const char *username;        /* NULL: no login */
    const char *password;
    const char *message;         /* the whole RFC 5322 message, CRLF line ends */
    size_t message_len;
} duo_mail;

/* Sends one message; 0, or -1 with res filled in. */
int duo_mail_send(const duo_mail *m, const duo_transport_options *opt, duo_send_result *res);

/* Connects to url (tcp://host:port, or tls://host:port for TLS), writes
 * data[0..len) and closes; 0, or -1 with res filled in. A proxy, when
 * opt->proxy names one, is asked to tunnel (CONNECT); the environment's
 * proxies are not used for such streams. */
int duo_stream_send(const char *url, const char *data, size_t len,
                    const duo_transport_options *opt, duo_send_result *res);

/* "libcurl/7.88.1 OpenSSL/3.0.x ..." */
const char *duo_transport_version(void);
/* The TLS library libcurl sends with ("OpenSSL/3.0.17", "Schannel", "mbedTLS/2.28.3"). */
const char *duo_transport_tls(void);
/* The pinned roots as one PEM text, and how many certificates it holds. */
const char *duo_pinned_roots(size_t *len, int *count);

#endif
