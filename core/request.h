/* Requests: one call's data, each attempt built and signed afresh, and the
 * retry policy that judges every answer. Pure data and decisions: this
 * file knows neither the loop nor how a backend works. The loop (loop.h)
 * queues requests, runs their attempts on a backend and keeps time. */
#ifndef DUO_REQUEST_H
#define DUO_REQUEST_H

#include <stddef.h>

#include "backend.h"
#include "buf.h"
#include "canon.h"
#include "crypto.h"
#include "params.h"

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
    int outbox;                  /* answered by the program, not the network */
    int idempotent;              /* safe to send twice (a read); GET always is */
    const char *url;             /* non-NULL: a plain HTTPS request (duo.http) to
                                    this whole URL, sent as given: no signing, no
                                    params, no Content-Type of its own; host and
                                    path are then taken from it for traces */
    int secret_path;             /* with url: its path holds a token (a chat
                                    webhook's), so traces show "/..." instead */
} duo_request_spec;

typedef struct duo_retry_policy {
    int max_retries;             /* retries after a 429 or a transient failure */
    long max_backoff_ms;         /* cap of every wait, Retry-After included */
    long deadline_ms;            /* the whole call, retries included; 0: none */
} duo_retry_policy;

typedef struct duo_request_result {
    long status;                 /* HTTP status of the last attempt, 0 if none */
    duo_buf body;
    duo_buf headers;             /* its header block, "Name: value\r\n" lines */
    long retry_after;            /* seconds, -1 if absent */
    duo_net_error error;
    char message[256];           /* the error, or where a redirect pointed */
    char note[160];              /* why the last failure was not retried, or "" */
    int attempts;
    long long elapsed_ms;
} duo_request_result;

/* ---- private to the core (loop.c) from here on ---- */

typedef struct duo_request duo_request;

/* Copies everything in spec, opt and retry. now_ms starts the deadline.
 * Returns NULL with a reason in err. */
duo_request *request_new(const duo_request_spec *spec, duo_credentials *cred,
                         const duo_transport_options *opt, const duo_retry_policy *retry,
                         long long now_ms, char *err, size_t err_size);
void request_free(duo_request *r);

const char *request_method(const duo_request *r);
const char *request_host(const duo_request *r);
const char *request_path(const duo_request *r);     /* without the query */
const char *request_account_id(const duo_request *r); /* "" when none */
int request_uses_outbox(const duo_request *r);
int request_attempts(const duo_request *r);
long long request_max_backoff(const duo_request *r);

/* Builds the next attempt, dated unix_time and signed, and the options
 * for it (the timeout shortened to what is left of the deadline). The
 * request and options stay valid until the next build or free. Returns
 * NULL with a reason in err. */
const duo_http_request *request_build(duo_request *r, long long unix_time, long long now_ms,
                                      const duo_transport_options **opt,
                                      char *err, size_t err_size);

typedef struct request_verdict {
    int finished;                /* the result is final */
    long long wait_ms;           /* otherwise: wait this long, then try again */
    int throttled;               /* the answer was a 429 */
} request_verdict;

/* Judges the answer of the attempt just made (taking its body). random
 * spreads backoffs. */
request_verdict request_judge(duo_request *r, duo_http_response *resp, long long now_ms,
                              unsigned long long random);
/* When the call's deadline passes (ms on the loop's clock), or -1: none. */
long long request_deadline(const duo_request *r);
/* Whether the deadline has passed at now_ms. */
int request_expired(const duo_request *r, long long now_ms);
/* Ends the request without an answer (cancelled, could not start, out of
 * time). */
void request_fail(duo_request *r, duo_net_error error, const char *message, long long now_ms);
duo_request_result *request_result(duo_request *r);

#endif
