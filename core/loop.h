/* The event loop: signed requests with retries, timers, and the limits on
 * how many transfers run at once, over one transport. Pure C: the Lua
 * scheduler drives it through run_once and collects finished operations.
 *
 * Everything the loop tracks is an operation (duo_op): a request or a
 * timer. Operations are owned by their creator and freed with duo_op_free,
 * which also cancels them; a finished operation is handed out once by
 * duo_loop_next_done.
 *
 * A request can also be answered by the program itself instead of the
 * network (the sandbox): each built and signed attempt of an outbox request
 * is handed out by duo_loop_next_outgoing and completed with
 * duo_request_respond. */
#ifndef DUO_LOOP_H
#define DUO_LOOP_H

#include <stddef.h>

#include "buf.h"
#include "canon.h"
#include "crypto.h"
#include "date.h"
#include "params.h"
#include "transport.h"

typedef struct duo_loop duo_loop;
typedef struct duo_op duo_op;

/* An integration's keys, shared by every request made with them. The
 * secret key is absorbed into an HMAC context at once and not kept. */
typedef struct duo_credentials duo_credentials;

duo_credentials *duo_credentials_new(const char *ikey, const char *skey,
                                     size_t skey_len, duo_digest digest);
duo_credentials *duo_credentials_ref(duo_credentials *c);
void duo_credentials_unref(duo_credentials *c);
const char *duo_credentials_ikey(const duo_credentials *c);
duo_hmac *duo_credentials_hmac(duo_credentials *c);

typedef struct duo_request_spec {
    const char *method;          /* upper case */
    const char *host;            /* may carry ":port" */
    const char *path;            /* already percent-encoded */
    const duo_params *params;    /* signed; in the query for GET/DELETE, or
                                    when a body is given; else form-encoded
                                    into the body (v2 POST) */
    const char *body;            /* JSON body (v4/v5) or NULL */
    size_t body_len;
    const duo_header *headers;   /* extra X-Duo headers, signed under v5 */
    size_t header_count;
    int sig_version;             /* 2, 4 or 5 */
    int unsigned_request;        /* no Date/Authorization (GET /auth/v2/ping) */
    int outbox;                  /* answered by duo_request_respond, not the network */
} duo_request_spec;

typedef struct duo_retry_policy {
    int max_retries;             /* retries after a 429 */
    long max_backoff_ms;         /* cap of the exponential wait */
} duo_retry_policy;

typedef struct duo_request_result {
    long status;                 /* HTTP status of the last attempt, 0 if none */
    duo_buf body;
    long retry_after;            /* seconds, -1 if absent */
    duo_net_error error;
    char message[256];
    int attempts;
    long long elapsed_ms;
} duo_request_result;

duo_loop *duo_loop_new(char *err, size_t err_size);
/* Cancels every operation still known to the loop (their owners may free
 * them later) and frees the loop. */
void duo_loop_free(duo_loop *loop);
/* concurrency: transfers at once overall; per_host: at once per host
 * (0: no separate limit). */
void duo_loop_set_limits(duo_loop *loop, int concurrency, int per_host);
/* Virtual time: the loop never sleeps; when only timers remain it jumps to
 * the next one. Dates are taken from the virtual clock, which starts at
 * start_unix seconds. */
void duo_loop_set_virtual_time(duo_loop *loop, int on, long long start_unix);
/* Seconds added to the clock when dating requests (skew correction). */
void duo_loop_set_clock_offset(duo_loop *loop, long long seconds);
long long duo_loop_clock_offset(const duo_loop *loop);
long long duo_loop_now_ms(duo_loop *loop);
/* Unix seconds as used for Date headers. */
long long duo_loop_unix_time(duo_loop *loop);

/* Creates and queues a request. Everything in spec and opt is copied.
 * Returns NULL with a reason in err. */
duo_op *duo_request_new(duo_loop *loop, const duo_request_spec *spec,
                        duo_credentials *cred, const duo_transport_options *opt,
                        const duo_retry_policy *retry,
                        char *err, size_t err_size);
duo_op *duo_timer_new(duo_loop *loop, long long delay_ms);
/* Cancels (if still pending) and frees. */
void duo_op_free(duo_op *op);
/* Cancels a pending operation: it finishes at once as cancelled. */
void duo_op_cancel(duo_op *op);
int duo_op_is_done(const duo_op *op);
int duo_op_is_request(const duo_op *op);
/* Valid for a finished request. */
duo_request_result *duo_request_result_of(duo_op *op);

/* The request of an attempt as built for the wire, for the outbox backend
 * and for dry runs: method, URL, header lines, body. */
typedef struct duo_wire_request {
    const char *method;
    const char *url;
    const char *const *headers;   /* NULL-terminated */
    const char *body;
    size_t body_len;
} duo_wire_request;

/* The current attempt of a request waiting in the outbox (or NULL). */
const duo_wire_request *duo_request_wire(duo_op *op);
/* Answers the waiting attempt; a 429 goes through the retry policy. */
int duo_request_respond(duo_op *op, long status, const char *body,
                        size_t body_len, long retry_after);

/* Starts what can start, waits at most max_wait_ms (-1: until something
 * finishes) for activity, then finishes what completed and fires due
 * timers. Returns the number of operations not yet finished, or -1 on an
 * internal error. */
int duo_loop_run_once(duo_loop *loop, long max_wait_ms);
duo_op *duo_loop_next_done(duo_loop *loop);
duo_op *duo_loop_next_outgoing(duo_loop *loop);
/* Makes a waiting run_once return early (for a SIGINT handler). */
void duo_loop_wakeup(duo_loop *loop);
/* Operations not yet finished. */
int duo_loop_pending(const duo_loop *loop);

#endif
