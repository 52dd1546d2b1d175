/* The event loop: timers and requests (operations), the limits on how many
 * transfers run at once, per host and overall, the pacing of hosts that
 * answer 429, and the clock (real or virtual). Pure C: the Lua scheduler
 * drives it through run_once and collects finished operations.
 *
 * The engine is one-way: the loop calls requests (request.h: signing,
 * retry policy) and backends (backend.h: libcurl, or the outbox answered
 * by the program itself, for the sandbox); neither calls back. The loop
 * alone counts what is in flight.
 *
 * Operations are owned by their creator and freed with duo_op_free, which
 * also cancels them; a finished operation is handed out once by
 * duo_loop_next_done. Each attempt of an outbox request is handed out by
 * duo_loop_next_outgoing and answered with duo_request_respond. */
#ifndef DUO_LOOP_H
#define DUO_LOOP_H

#include <stddef.h>
#include <stdio.h>

#include "date.h"
#include "request.h"
#include "transport.h"

typedef struct duo_loop duo_loop;
typedef struct duo_op duo_op;

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
/* Where to write one line per finished attempt: trace for people, log as
 * JSON lines (either may be NULL). The streams stay the caller's. */
void duo_loop_set_trace(duo_loop *loop, FILE *trace, FILE *log);

/* Creates and queues a request. Everything in spec, opt and retry is
 * copied. Returns NULL with a reason in err. */
duo_op *duo_request_new(duo_loop *loop, const duo_request_spec *spec,
                        duo_credentials *cred, const duo_transport_options *opt,
                        const duo_retry_policy *retry,
                        char *err, size_t err_size);
duo_op *duo_timer_new(duo_loop *loop, long long delay_ms);
/* Cancels (if still pending) and frees. */
void duo_op_free(duo_op *op);
/* Cancels a pending operation: it finishes at once as cancelled, and no
 * attempt of it starts afterwards. */
void duo_op_cancel(duo_op *op);
int duo_op_is_done(const duo_op *op);
int duo_op_is_request(const duo_op *op);
/* "queued", "running", "waiting" (a timer, or a request backing off) or
 * "done". */
const char *duo_op_state(const duo_op *op);
/* Valid for a finished request. */
duo_request_result *duo_request_result_of(duo_op *op);

/* The current attempt of a request waiting in the outbox, as built for
 * the wire (or NULL). */
const duo_http_request *duo_request_wire(duo_op *op);
/* Answers the waiting attempt; the retry policy judges it at once. */
int duo_request_respond(duo_op *op, long status, const char *body,
                        size_t body_len, long retry_after);

/* Starts what can start, waits at most max_wait_ms (-1: until something
 * finishes) for activity, then finishes what completed and fires due
 * timers. Returns the number of operations not yet finished, or -1 on an
 * internal error. */
int duo_loop_run_once(duo_loop *loop, long max_wait_ms);
/* Whether the last run_once returned without waiting because nothing it
 * could wait for would finish a pending operation: only the program can
 * (outbox transfers handed out and not answered). Its caller must answer
 * them or give up, never call run_once to wait. */
int duo_loop_stalled(const duo_loop *loop);
duo_op *duo_loop_next_done(duo_loop *loop);
duo_op *duo_loop_next_outgoing(duo_loop *loop);
/* Makes a waiting run_once return early (for a SIGINT handler). */
void duo_loop_wakeup(duo_loop *loop);
/* Operations not yet finished. */
int duo_loop_pending(const duo_loop *loop);
/* Transfers in flight, to host (NULL: overall). */
int duo_loop_in_flight(const duo_loop *loop, const char *host);
/* Whether host is paced (it answered 429 and has not recovered yet). */
int duo_loop_host_paced(const duo_loop *loop, const char *host);

#endif
