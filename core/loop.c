#include "loop.h"

#include <stdlib.h>
#include <string.h>

#include "outbox.h"
#include "trace.h"

typedef enum op_state {
    OP_QUEUED,     /* waiting for a free transfer slot (with a deadline: in the heap too) */
    OP_RUNNING,    /* an attempt is on a backend (the network or the outbox) */
    OP_WAITING,    /* in the timer heap: a timer, or a request backing off */
    OP_DONE
} op_state;

/* Pacing, AIMD-like: after a 429 a host gets fewer transfers at once
 * (halved, at least one), its starts are spaced, and nothing more starts
 * there for a while: the throttled retry's wait, or the host's own hold,
 * doubled at each 429 in a row (up to max_backoff), so that a limited host
 * sees one probe per hold rather than one per waiting request. Each normal
 * answer to an attempt started since gives one slot back and halves the
 * spacing, until the host is back to its full share and is no longer
 * paced. Answers to attempts started before the last decrease count
 * neither way (they tell of the old rate), as in TCP's one decrease per
 * window. */
#define PACE_FIRST_GAP_MS 250
#define PACE_MAX_GAP_MS 1000

typedef struct host_slot {
    char *host;
    int active;                  /* transfers in flight */
    int limit;                   /* paced: at most this many at once; 0: not paced */
    long long gap_ms;            /* paced: between two starts */
    long long next_start_ms;     /* paced: no start before */
    long long hold_ms;           /* paced: the host's own backoff, doubled at each
                                    429 in a row, so that probes are few */
    unsigned epoch;              /* bumped at each decrease */
} host_slot;

struct duo_op {
    duo_loop *loop;              /* NULL once detached or the loop was freed */
    op_state state;
    duo_request *req;            /* NULL for a timer */
    long long due_ms;            /* OP_WAITING: when to wake; OP_QUEUED: the deadline */
    size_t heap_index;           /* position in the timer heap, or NO_HEAP */
    duo_link link;               /* in the queued or the done list */
    duo_transfer *transfer;      /* OP_RUNNING */
    size_t host;                 /* index into loop->hosts */
    long long attempt_start_ms;
    unsigned epoch;              /* the host's epoch when the attempt started */
};

#define NO_HEAP ((size_t)-1)

struct duo_loop {
    duo_backend *network;        /* created on the first network request */
    duo_backend *outbox;         /* created on the first outbox request */
    int concurrency, per_host;
    int active;                  /* requests OP_RUNNING: changed in set_state only */
    int pending;                 /* operations not OP_DONE: likewise */

    duo_list queued, done;
    duo_op **heap;
    size_t heap_len, heap_cap;
    duo_op **all;                /* every attached operation, to detach on free */
    size_t all_len, all_cap;

    host_slot *hosts;
    size_t host_count;
    long long pace_wake_ms;      /* a paced host may start again then; -1: none */
    int stalled;                 /* the last run_once found nothing to wait for */

    int virtual_time;
    long long virtual_ms, virtual_start_unix;
    long long clock_offset;
    unsigned long long rng;
    FILE *trace, *log;
};

duo_loop *duo_loop_new(char *err, size_t err_size)
{
    duo_loop *loop = calloc(1, sizeof(*loop));

    if (loop == NULL) {
        if (err_size > 0)
            strncpy(err, "out of memory", err_size - 1), err[err_size - 1] = '\0';
        return NULL;
    }
    loop->concurrency = 8;
    loop->pace_wake_ms = -1;
    if (duo_random_bytes(&loop->rng, sizeof(loop->rng)) != 0 || loop->rng == 0)
        loop->rng = 0x9e3779b97f4a7c15ULL ^ (unsigned long long)duo_monotonic_ms();
    return loop;
}

static void release_transfer(duo_op *op)
{
    duo_transfer_free(op->transfer);
    op->transfer = NULL;
}

void duo_loop_free(duo_loop *loop)
{
    size_t i;

    if (loop == NULL)
        return;
    /* Owners may still hold operations: cancel them and cut them loose so
     * a later duo_op_free only releases their own memory. */
    for (i = 0; i < loop->all_len; i++) {
        duo_op *op = loop->all[i];
        release_transfer(op);
        if (op->req != NULL && op->state != OP_DONE)
            request_fail(op->req, DUO_NET_CANCELLED, "cancelled", duo_loop_now_ms(loop));
        duo_list_unlink(&op->link);
        op->heap_index = NO_HEAP;
        op->state = OP_DONE;
        op->loop = NULL;
    }
    duo_backend_free(loop->network);
    duo_backend_free(loop->outbox);
    for (i = 0; i < loop->host_count; i++)
        free(loop->hosts[i].host);
    free(loop->hosts);
    free(loop->heap);
    free(loop->all);
    free(loop);
}

void duo_loop_set_limits(duo_loop *loop, int concurrency, int per_host)
{
    loop->concurrency = concurrency > 0 ? concurrency : 1;
    loop->per_host = per_host > 0 ? per_host : 0;
}

void duo_loop_set_virtual_time(duo_loop *loop, int on, long long start_unix)
{
    loop->virtual_time = on;
    loop->virtual_ms = 0;
    loop->virtual_start_unix = start_unix;
    if (on)
        loop->rng = 0x2545f4914f6cdd1dULL;   /* reproducible jitter */
}

void duo_loop_set_clock_offset(duo_loop *loop, long long seconds)
{
    loop->clock_offset = seconds;
}

long long duo_loop_clock_offset(const duo_loop *loop)
{
    return loop->clock_offset;
}

long long duo_loop_now_ms(duo_loop *loop)
{
    return loop->virtual_time ? loop->virtual_ms : duo_monotonic_ms();
}

long long duo_loop_unix_time(duo_loop *loop)
{
    long long t = loop->virtual_time
        ? loop->virtual_start_unix + loop->virtual_ms / 1000
        : duo_clock_system();
    return t + loop->clock_offset;
}

void duo_loop_set_trace(duo_loop *loop, FILE *trace, FILE *log)
{
    loop->trace = trace;
    loop->log = log;
}

static unsigned long long loop_random(duo_loop *loop)
{
    /* xorshift64*: jitter needs spread, not secrecy */
    unsigned long long x = loop->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    loop->rng = x;
    return x * 0x2545f4914f6cdd1dULL;
}

int duo_loop_stalled(const duo_loop *loop)
{
    return loop->stalled;
}

int duo_loop_pending(const duo_loop *loop)
{
    return loop->pending;
}

/* ---- the timer heap, ordered by due time ---- */

static void heap_set(duo_loop *loop, size_t i, duo_op *op)
{
    loop->heap[i] = op;
    op->heap_index = i;
}

static void heap_up(duo_loop *loop, size_t i)
{
    duo_op *op = loop->heap[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (loop->heap[parent]->due_ms <= op->due_ms)
            break;
        heap_set(loop, i, loop->heap[parent]);
        i = parent;
    }
    heap_set(loop, i, op);
}

static void heap_down(duo_loop *loop, size_t i)
{
    duo_op *op = loop->heap[i];

    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= loop->heap_len)
            break;
        if (child + 1 < loop->heap_len
            && loop->heap[child + 1]->due_ms < loop->heap[child]->due_ms)
            child++;
        if (op->due_ms <= loop->heap[child]->due_ms)
            break;
        heap_set(loop, i, loop->heap[child]);
        i = child;
    }
    heap_set(loop, i, op);
}

static int grow(void **array, size_t *cap, size_t len, size_t item)
{
    size_t n = *cap ? *cap * 2 : 16;
    void *p;

    if (len < *cap)
        return 0;
    if (n > ((size_t)-1) / item)
        return -1;
    p = realloc(*array, n * item);
    if (p == NULL)
        return -1;
    *array = p;
    *cap = n;
    return 0;
}

static void heap_push(duo_loop *loop, duo_op *op)
{
    /* Room was reserved when the operation was attached: cannot fail. */
    loop->heap[loop->heap_len] = op;
    op->heap_index = loop->heap_len++;
    heap_up(loop, op->heap_index);
}

static void heap_remove(duo_loop *loop, duo_op *op)
{
    size_t i = op->heap_index;

    if (i == NO_HEAP)
        return;
    op->heap_index = NO_HEAP;
    loop->heap_len--;
    if (i == loop->heap_len)
        return;
    heap_set(loop, i, loop->heap[loop->heap_len]);
    heap_up(loop, i);
    heap_down(loop, loop->heap[i]->heap_index);
}

/* ---- operation states: the one place where counts change ---- */

static host_slot *host_of(duo_loop *loop, const duo_op *op)
{
    return &loop->hosts[op->host];
}

/* Moves op to state s: out of whatever list or heap it was in, into the
 * one of s, with the in-flight and pending counts following. */
static void set_state(duo_op *op, op_state s)
{
    duo_loop *loop = op->loop;

    if (op->state == OP_RUNNING) {
        loop->active--;
        host_of(loop, op)->active--;
    }
    if (s == OP_RUNNING) {
        loop->active++;
        host_of(loop, op)->active++;
    }
    if (op->state != OP_DONE && s == OP_DONE)
        loop->pending--;
    duo_list_unlink(&op->link);
    heap_remove(loop, op);
    op->state = s;
    switch (s) {
    case OP_QUEUED:
        duo_list_push_back(&loop->queued, &op->link);
        /* a call with a deadline fails then if it is still waiting for a slot */
        if (op->req != NULL && request_deadline(op->req) >= 0) {
            op->due_ms = request_deadline(op->req);
            heap_push(loop, op);
        }
        break;
    case OP_WAITING:
        heap_push(loop, op);
        break;
    case OP_DONE:
        duo_list_push_back(&loop->done, &op->link);
        break;
    case OP_RUNNING:
        break;
    }
}

/* Registers a new operation in state s, reserving its heap slot up front
 * so that later state changes never need to allocate. */
static int attach(duo_loop *loop, duo_op *op, op_state s)
{
    if (grow((void **)&loop->all, &loop->all_cap, loop->all_len, sizeof(*loop->all)) != 0
        || grow((void **)&loop->heap, &loop->heap_cap, loop->all_len, sizeof(*loop->heap)) != 0)
        return -1;
    loop->all[loop->all_len++] = op;
    op->loop = loop;
    op->heap_index = NO_HEAP;
    op->state = OP_QUEUED;   /* not yet in the list: set_state links it */
    loop->pending++;
    set_state(op, s);
    return 0;
}

static void detach(duo_loop *loop, duo_op *op)
{
    size_t i;

    for (i = loop->all_len; i-- > 0;) {
        if (loop->all[i] == op) {
            loop->all[i] = loop->all[--loop->all_len];
            break;
        }
    }
    set_state(op, OP_DONE);
    duo_list_unlink(&op->link);
    op->loop = NULL;
}

static int find_host(duo_loop *loop, const char *host, size_t *index)
{
    size_t i;
    host_slot *hosts;

    for (i = 0; i < loop->host_count; i++) {
        if (strcmp(loop->hosts[i].host, host) == 0) {
            *index = i;
            return 0;
        }
    }
    hosts = realloc(loop->hosts, (loop->host_count + 1) * sizeof(*hosts));
    if (hosts == NULL)
        return -1;
    loop->hosts = hosts;
    memset(&hosts[i], 0, sizeof(hosts[i]));
    hosts[i].host = duo_strdup(host);
    if (hosts[i].host == NULL)
        return -1;
    loop->host_count++;
    *index = i;
    return 0;
}

static const host_slot *find_host_const(const duo_loop *loop, const char *host)
{
    size_t i;

    for (i = 0; i < loop->host_count; i++)
        if (strcmp(loop->hosts[i].host, host) == 0)
            return &loop->hosts[i];
    return NULL;
}

int duo_loop_in_flight(const duo_loop *loop, const char *host)
{
    const host_slot *h;

    if (host == NULL)
        return loop->active;
    h = find_host_const(loop, host);
    return h != NULL ? h->active : 0;
}

int duo_loop_host_paced(const duo_loop *loop, const char *host)
{
    const host_slot *h = find_host_const(loop, host);

    return h != NULL && h->limit > 0;
}

/* ---- operations ---- */

duo_op *duo_request_new(duo_loop *loop, const duo_request_spec *spec,
                        duo_credentials *cred, const duo_transport_options *opt,
                        const duo_retry_policy *retry,
                        char *err, size_t err_size)
{
    duo_op *op = calloc(1, sizeof(*op));

    if (op == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    op->req = request_new(spec, cred, opt, retry, duo_loop_now_ms(loop), err, err_size);
    if (op->req == NULL) {
        free(op);
        return NULL;
    }
    if (find_host(loop, request_host(op->req), &op->host) != 0
        || attach(loop, op, OP_QUEUED) != 0) {
        snprintf(err, err_size, "out of memory");
        request_free(op->req);
        free(op);
        return NULL;
    }
    return op;
}

duo_op *duo_timer_new(duo_loop *loop, long long delay_ms)
{
    duo_op *op = calloc(1, sizeof(*op));

    if (op == NULL)
        return NULL;
    op->due_ms = duo_loop_now_ms(loop) + (delay_ms > 0 ? delay_ms : 0);
    if (attach(loop, op, OP_WAITING) != 0) {
        free(op);
        return NULL;
    }
    return op;
}

void duo_op_cancel(duo_op *op)
{
    if (op->loop == NULL || op->state == OP_DONE)
        return;
    release_transfer(op);
    if (op->req != NULL)
        request_fail(op->req, DUO_NET_CANCELLED, "cancelled", duo_loop_now_ms(op->loop));
    set_state(op, OP_DONE);
}

void duo_op_free(duo_op *op)
{
    if (op == NULL)
        return;
    release_transfer(op);
    if (op->loop != NULL)
        detach(op->loop, op);
    request_free(op->req);
    free(op);
}

int duo_op_is_done(const duo_op *op)
{
    return op->state == OP_DONE;
}

int duo_op_is_request(const duo_op *op)
{
    return op->req != NULL;
}

const char *duo_op_state(const duo_op *op)
{
    static const char *const names[] = { "queued", "running", "waiting", "done" };

    return names[op->state];
}

duo_request_result *duo_request_result_of(duo_op *op)
{
    return request_result(op->req);
}

duo_op *duo_loop_next_done(duo_loop *loop)
{
    duo_link *l = duo_list_pop(&loop->done);

    return l != NULL ? DUO_ITEM(l, duo_op, link) : NULL;
}

void duo_loop_wakeup(duo_loop *loop)
{
    if (loop->network != NULL)
        duo_backend_wakeup(loop->network);
}

/* ---- pacing ---- */

static int host_cap(const duo_loop *loop)
{
    return loop->per_host > 0 && loop->per_host < loop->concurrency ? loop->per_host
                                                                    : loop->concurrency;
}

/* h->active still counts the attempt being judged; max_wait_ms is its
 * max_backoff. */
static void pace(duo_loop *loop, host_slot *h, unsigned epoch, const request_verdict *v,
                 long long max_wait_ms, long long now)
{
    long long hold;

    if (v->throttled) {
        if (epoch == h->epoch) {
            int base = h->limit > 0 ? h->limit : h->active;
            h->limit = base / 2 > 1 ? base / 2 : 1;
            h->gap_ms = h->gap_ms > 0 ? h->gap_ms * 2 : PACE_FIRST_GAP_MS;
            if (h->gap_ms > PACE_MAX_GAP_MS)
                h->gap_ms = PACE_MAX_GAP_MS;
            h->hold_ms = h->hold_ms > 0 ? h->hold_ms * 2 : 1000;
            if (h->hold_ms > max_wait_ms)
                h->hold_ms = max_wait_ms;
            h->epoch++;
        }
        hold = v->wait_ms > h->hold_ms ? v->wait_ms : h->hold_ms;
        if (h->next_start_ms < now + hold)
            h->next_start_ms = now + hold;
    } else if (h->limit > 0 && epoch == h->epoch) {
        h->limit++;
        h->gap_ms /= 2;
        h->hold_ms = 0;
        if (h->limit >= host_cap(loop)) {
            h->limit = 0;
            h->gap_ms = 0;
            h->next_start_ms = 0;
        }
    }
}

/* Whether a transfer for op may start now; notes when a paced host opens. */
static int can_start(duo_loop *loop, duo_op *op, long long now)
{
    host_slot *h = host_of(loop, op);

    if (loop->per_host > 0 && h->active >= loop->per_host)
        return 0;
    if (h->limit == 0)
        return 1;
    if (h->active >= h->limit)
        return 0;
    if (now < h->next_start_ms) {
        if (loop->pace_wake_ms < 0 || h->next_start_ms < loop->pace_wake_ms)
            loop->pace_wake_ms = h->next_start_ms;
        return 0;
    }
    return 1;
}

/* ---- running ---- */

static duo_backend *backend_for(duo_loop *loop, duo_op *op, char *err, size_t err_size)
{
    if (request_uses_outbox(op->req)) {
        if (loop->outbox == NULL)
            loop->outbox = duo_outbox_new(err, err_size);
        return loop->outbox;
    }
    if (loop->network == NULL)
        loop->network = duo_transport_new(err, err_size);
    return loop->network;
}

static void fail_now(duo_op *op, duo_net_error error, const char *message)
{
    request_fail(op->req, error, message, duo_loop_now_ms(op->loop));
    set_state(op, OP_DONE);
}

/* Starts the next attempt of a queued request. */
static void start_attempt(duo_loop *loop, duo_op *op, long long now)
{
    const duo_transport_options *opt;
    const duo_http_request *wire;
    duo_backend *backend;
    host_slot *h = host_of(loop, op);
    char err[256];

    if (request_expired(op->req, now)) {
        fail_now(op, DUO_NET_TIMEOUT, "the call's deadline passed before the request could be sent");
        return;
    }
    wire = request_build(op->req, duo_loop_unix_time(loop), now, &opt, err, sizeof(err));
    backend = wire != NULL ? backend_for(loop, op, err, sizeof(err)) : NULL;
    op->transfer = backend != NULL ? duo_transfer_start(backend, wire, opt, op, err, sizeof(err)) : NULL;
    if (op->transfer == NULL) {
        fail_now(op, DUO_NET_NETWORK, err);
        return;
    }
    op->attempt_start_ms = now;
    op->epoch = h->epoch;
    if (h->limit > 0)
        h->next_start_ms = now + h->gap_ms;
    set_state(op, OP_RUNNING);
}

static void start_ready(duo_loop *loop)
{
    duo_link *l = loop->queued.head;
    long long now = duo_loop_now_ms(loop);

    loop->pace_wake_ms = -1;
    while (l != NULL && loop->active < loop->concurrency) {
        duo_link *next = l->next;
        duo_op *op = DUO_ITEM(l, duo_op, link);
        if (can_start(loop, op, now))
            start_attempt(loop, op, now);
        l = next;
    }
}

/* An attempt ended: the request's policy says finish or wait and retry. */
static void complete_attempt(duo_loop *loop, duo_op *op)
{
    duo_transfer *x = op->transfer;
    long long now = duo_loop_now_ms(loop);
    request_verdict v;

    if (loop->trace != NULL || loop->log != NULL) {
        duo_trace_attempt t;
        t.method = request_method(op->req);
        t.host = request_host(op->req);
        t.path = request_path(op->req);
        t.account_id = request_account_id(op->req);
        t.status = x->response.status;
        t.error = x->response.error;
        t.attempt = request_attempts(op->req);
        t.ms = now - op->attempt_start_ms;
        t.unix_time = duo_loop_unix_time(loop);
        t.body = duo_buf_str(&x->response.body);
        t.body_len = x->response.body.len;
        duo_trace_write(loop->trace, loop->log, &t);
    }
    v = request_judge(op->req, &x->response, now, loop_random(loop));
    release_transfer(op);
    pace(loop, host_of(loop, op), op->epoch, &v, request_max_backoff(op->req), now);
    if (v.finished) {
        set_state(op, OP_DONE);
    } else {
        op->due_ms = now + v.wait_ms;
        set_state(op, OP_WAITING);
    }
}

static void drain(duo_loop *loop, duo_backend *b)
{
    duo_transfer *x;

    while (b != NULL && (x = duo_backend_next_done(b)) != NULL)
        complete_attempt(loop, x->ud);
}

static void fire_due(duo_loop *loop)
{
    long long now = duo_loop_now_ms(loop);

    while (loop->heap_len > 0 && loop->heap[0]->due_ms <= now) {
        duo_op *op = loop->heap[0];
        if (op->state == OP_QUEUED) {
            fail_now(op, DUO_NET_TIMEOUT, "the call's deadline passed while it waited for a free slot");
        } else if (op->req != NULL) {
            /* a backoff is over: retry ahead of requests not yet begun */
            set_state(op, OP_QUEUED);
            duo_list_push_front(&loop->queued, &op->link);
        } else {
            set_state(op, OP_DONE);
        }
    }
}

/* Drives the network, waiting at most wait_ms; returns transfers still
 * running there, or -1. */
static int pump(duo_loop *loop, long wait_ms)
{
    int running = 0;

    if (loop->network != NULL) {
        running = duo_backend_poll(loop->network, wait_ms);
        drain(loop, loop->network);
    }
    drain(loop, loop->outbox);
    return running;
}

/* When the loop must act next by itself (a timer, a paced host), or -1. */
static long long next_wake(const duo_loop *loop)
{
    long long t = loop->heap_len > 0 ? loop->heap[0]->due_ms : -1;

    if (loop->pace_wake_ms >= 0 && (t < 0 || loop->pace_wake_ms < t))
        t = loop->pace_wake_ms;
    return t;
}

int duo_loop_run_once(duo_loop *loop, long max_wait_ms)
{
    int running;
    long long wait, wake;

    start_ready(loop);
    running = pump(loop, 0);
    if (running < 0)
        return -1;
    wake = next_wake(loop);
    /* Pending operations with nothing running on the network and no timer
     * are outbox transfers the program holds: only it can finish them, so
     * waiting here would never end. Say so instead of sleeping. */
    loop->stalled = running == 0 && wake < 0 && loop->done.head == NULL && loop->pending > 0
                    && (loop->outbox == NULL || duo_outbox_waiting(loop->outbox) == 0);
    if (loop->done.head != NULL || (loop->outbox != NULL && duo_outbox_waiting(loop->outbox) > 0)
        || loop->pending == 0 || loop->stalled)
        wait = 0;
    else
        wait = max_wait_ms < 0 ? 24LL * 3600 * 1000 : max_wait_ms;
    if (wake >= 0) {
        long long until = wake - duo_loop_now_ms(loop);
        if (until < wait)
            wait = until < 0 ? 0 : until;
    }
    if (running > 0 && wait > 0) {
        if (pump(loop, (long)wait) < 0)
            return -1;
    } else if (wait > 0 && loop->virtual_time) {
        /* Nothing real to wait for: jump the clock to the next event. */
        if (wake >= 0)
            loop->virtual_ms = wake;
    } else if (wait > 0) {
        duo_sleep_ms(wait);
    }
    fire_due(loop);
    start_ready(loop);
    return loop->pending;
}

/* ---- the outbox ---- */

duo_op *duo_loop_next_outgoing(duo_loop *loop)
{
    duo_transfer *x = loop->outbox != NULL ? duo_outbox_next(loop->outbox) : NULL;

    return x != NULL ? x->ud : NULL;
}

static int in_outbox(const duo_op *op)
{
    return op->loop != NULL && op->transfer != NULL && op->transfer->backend == op->loop->outbox;
}

const duo_http_request *duo_request_wire(duo_op *op)
{
    return in_outbox(op) ? duo_outbox_request(op->transfer) : NULL;
}

int duo_request_respond(duo_op *op, long status, const char *body,
                        size_t body_len, long retry_after)
{
    if (!in_outbox(op)
        || duo_outbox_respond(op->transfer, status, body, body_len, retry_after) != 0)
        return -1;
    drain(op->loop, op->loop->outbox);
    return 0;
}
