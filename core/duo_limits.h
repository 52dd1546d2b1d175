/* Limits shared by the core and the bindings, defined once. */
#ifndef DUO_DUO_LIMITS_H
#define DUO_DUO_LIMITS_H

/* Extra X-Duo headers of one request. */
#define DUO_MAX_HEADERS 64

/* Transfers at once, overall or per host. */
#define DUO_MAX_CONCURRENCY 100000

/* Retries of one request (max_retries). */
#define DUO_MAX_RETRIES 100
#define DUO_DEFAULT_RETRIES 6

/* Seconds: the cap of one backoff (max_backoff), the longest timeout or
 * deadline. */
#define DUO_MAX_BACKOFF_S 3600
#define DUO_DEFAULT_BACKOFF_S 32
#define DUO_MAX_TIMEOUT_S 86400

/* Bytes of one response, counted after decompression. No Duo answer comes
 * near the default; a hostile or broken peer must not exhaust memory. */
#define DUO_DEFAULT_RESPONSE_BYTES (64L * 1024 * 1024)
#define DUO_MAX_RESPONSE_BYTES (1024L * 1024 * 1024)

#endif
