/* The backend interface: where the attempts of requests go. Two
 * implementations: libcurl over the network (transport.c) and the outbox,
 * answered by the program itself (outbox.c, for the sandbox).
 *
 * A backend starts transfers and, when one finishes, queues it on its done
 * list; the loop takes finished transfers with duo_backend_next_done. A
 * transfer is freed (stopped first if needed) with duo_transfer_free,
 * whether or not it finished. Nothing here knows about the loop or
 * requests: data flows from the loop down to a backend, never back. */
#ifndef DUO_BACKEND_H
#define DUO_BACKEND_H

#include <stddef.h>

#include "buf.h"
#include "list.h"

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
    long max_response_bytes;  /* after decompression; 0: DUO_DEFAULT_RESPONSE_BYTES */
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
    DUO_NET_TLS,              /* certificate verification or TLS itself */
    DUO_NET_CANCELLED,
    DUO_NET_TOO_LARGE         /* the response passed max_response_bytes */
} duo_net_error;

/* The name of a failure as traces, logs and Lua errors say it ("network",
 * "timeout", "tls", "cancelled", "too large"); NULL for DUO_NET_OK. A
 * static string. */
const char *duo_net_error_name(duo_net_error e);

typedef struct duo_http_request {
    const char *method;                /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *url;                   /* https://[user@]host[:port]/path?query */
    const char *const *headers;        /* "Name: value" lines, NULL-terminated */
    const char *body;                  /* NULL: no body */
    size_t body_len;
} duo_http_request;

typedef struct duo_http_response {
    long status;                       /* HTTP status, 0 when none arrived */
    duo_buf body;
    duo_buf headers;                   /* the final answer's header block,
                                          "Name: value\r\n" lines */
    long retry_after;                  /* seconds from Retry-After, -1 if absent */
    duo_net_error error;
    int unsent;                        /* the request certainly never reached the
                                          server (no connection, handshake failed) */
    int permanent;                     /* trying again cannot help: the host name
                                          does not resolve */
    char message[256];                 /* one line when error != DUO_NET_OK, or
                                          the target of a redirect */
} duo_http_response;

typedef struct duo_backend duo_backend;

/* The common head of every backend's transfer. */
typedef struct duo_transfer {
    duo_backend *backend;
    void *ud;                          /* the starter's, handed back when done */
    duo_http_response response;        /* valid once handed out as done */
    duo_link link;                     /* in a list of the backend's */
} duo_transfer;

typedef struct duo_backend_ops {
    /* Starts a transfer (its ud and backend are set by the caller). The
     * request's strings must stay valid until the transfer is freed.
     * Returns NULL with a reason in err. */
    duo_transfer *(*start)(duo_backend *b, const duo_http_request *req,
                           const duo_transport_options *opt, char *err, size_t err_size);
    /* Stops a transfer if needed and frees it (it is unlinked already). */
    void (*release)(duo_transfer *x);
    /* Drives transfers, waiting at most timeout_ms (0: do not wait) for
     * activity. Returns the transfers this backend is waiting on (and could
     * wait for), or -1 on an internal error. */
    int (*poll)(duo_backend *b, long timeout_ms);
    /* Makes a waiting poll return at once (called from a signal handler). */
    void (*wakeup)(duo_backend *b);
    void (*destroy)(duo_backend *b);
} duo_backend_ops;

struct duo_backend {
    const duo_backend_ops *ops;
    duo_list done;                     /* finished, not yet handed out */
};

duo_transfer *duo_transfer_start(duo_backend *b, const duo_http_request *req,
                                 const duo_transport_options *opt, void *ud,
                                 char *err, size_t err_size);
void duo_transfer_free(duo_transfer *x);
/* For implementations: queues a finished transfer for next_done. */
void duo_backend_finish(duo_backend *b, duo_transfer *x);
/* Returns a finished transfer (once each), or NULL. */
duo_transfer *duo_backend_next_done(duo_backend *b);
int duo_backend_poll(duo_backend *b, long timeout_ms);
void duo_backend_wakeup(duo_backend *b);
/* Frees the backend; every transfer must have been freed before. */
void duo_backend_free(duo_backend *b);

#endif
