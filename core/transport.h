/* HTTPS transfers on one curl multi handle. transport.c is the only file of
 * the project that includes curl.
 *
 * Many transfers run at once; nothing here blocks except duo_transport_poll,
 * which waits for network activity for at most the time it is given. A
 * finished transfer is queued and handed out by duo_transport_next_done.
 * TLS peer and host verification are always on. */
#ifndef DUO_TRANSPORT_H
#define DUO_TRANSPORT_H

#include <stddef.h>

#include "buf.h"

typedef enum duo_ca_kind {
    DUO_CA_PINNED,   /* Duo's pinned roots, embedded in the binary */
    DUO_CA_SYSTEM,   /* the operating system's trust store */
    DUO_CA_FILE      /* a PEM file */
} duo_ca_kind;

typedef struct duo_transport_options {
    long timeout_ms;          /* one attempt, connect included */
    long connect_timeout_ms;
    duo_ca_kind ca;
    const char *ca_file;      /* DUO_CA_FILE: path of a PEM bundle */
    const char *proxy;        /* NULL: https_proxy/no_proxy from the environment */
    const char *user_agent;   /* NULL: "duo-lua/<version>" */
} duo_transport_options;

/* Copies src into dst with dst owning copies of the strings. Returns 0, or
 * -1 when out of memory (dst is then empty). */
int duo_transport_options_copy(duo_transport_options *dst, const duo_transport_options *src);
/* Frees the strings of options made by duo_transport_options_copy. */
void duo_transport_options_free(duo_transport_options *o);

typedef enum duo_net_error {
    DUO_NET_OK = 0,
    DUO_NET_NETWORK,          /* resolve, connect, reset, truncated reply */
    DUO_NET_TIMEOUT,
    DUO_NET_TLS,              /* handshake or certificate verification */
    DUO_NET_CANCELLED
} duo_net_error;

typedef struct duo_http_request {
    const char *method;                /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *url;                   /* https://host[:port]/path?query */
    const char *const *headers;        /* "Name: value" lines, NULL-terminated; copied */
    const char *body;                  /* copied; NULL: no body */
    size_t body_len;
} duo_http_request;

typedef struct duo_http_response {
    long status;                       /* HTTP status, 0 when none arrived */
    duo_buf body;
    long retry_after;                  /* seconds from Retry-After, -1 if absent */
    duo_net_error error;
    char message[256];                 /* one line when error != DUO_NET_OK */
} duo_http_response;

typedef struct duo_transport duo_transport;
typedef struct duo_transfer duo_transfer;

/* Returns NULL (with a reason in err) when curl cannot be set up. */
duo_transport *duo_transport_new(char *err, size_t err_size);
/* Frees the transport; every transfer must have been freed before. */
void duo_transport_free(duo_transport *t);

/* Starts a transfer; ud is handed back with it when done. Returns NULL
 * (with a reason in err) when it cannot even be started. */
duo_transfer *duo_transfer_start(duo_transport *t, const duo_http_request *req,
                                 const duo_transport_options *opt, void *ud,
                                 char *err, size_t err_size);
/* Stops a running transfer if needed and frees it, whether or not it was
 * handed out by duo_transport_next_done yet. */
void duo_transfer_free(duo_transfer *x);
void *duo_transfer_userdata(const duo_transfer *x);
/* The outcome; valid once the transfer was handed out as done. */
duo_http_response *duo_transfer_response(duo_transfer *x);

/* Drives the transfers, waiting at most timeout_ms (0: do not wait) for
 * network activity. Returns the number of transfers still running, or -1 on
 * an internal curl error. */
int duo_transport_poll(duo_transport *t, long timeout_ms);
/* Returns a finished transfer (once each), or NULL. */
duo_transfer *duo_transport_next_done(duo_transport *t);
/* Makes a poll that is waiting return at once (async-signal safe enough for
 * a SIGINT handler: curl_multi_wakeup writes to a pipe). */
void duo_transport_wakeup(duo_transport *t);

/* "libcurl/7.88.1 OpenSSL/3.0.x ..." */
const char *duo_transport_version(void);
/* The pinned roots as one PEM text, and how many certificates it holds. */
const char *duo_pinned_roots(size_t *len, int *count);

#endif
