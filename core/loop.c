#include "loop_internal.h"

#include <stdlib.h>
#include <string.h>

duo_loop *duo_loop_new(char *err, size_t err_size)
{
    duo_loop *loop = calloc(1, sizeof(*loop));

    if (loop == NULL) {
        if (err_size > 0)
            strncpy(err, "out of memory", err_size - 1), err[err_size - 1] = '\0';
        return NULL;
    }
    loop->concurrency = 8;
    if (duo_random_bytes(&loop->rng, sizeof(loop->rng)) != 0 || loop->rng == 0)
        loop->rng = 0x9e3779b97f4a7c15ULL ^ (unsigned long long)duo_monotonic_ms();
    return loop;
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
        if (op->is_request)
            request_cancel(op);
        op->loop = NULL;
        op->list = LIST_NONE;
        op->heap_index = NO_HEAP;
        if (op->state != OP_DONE)
            op->state = OP_DONE;
    }
    duo_transport_free(loop->transport);
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

unsigned long long loop_random(duo_loop *loop)
{
    /* xorshift64*: jitter needs spread, not secrecy */
    unsigned long long x = loop->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    loop->rng = x;
    return x * 0x2545f4914f6cdd1dULL;
}

int duo_loop_pending(const duo_loop *loop)
{
    return loop->pending;
}

/* ---- lists: every operation is in at most one of them ---- */

static duo_op **list_head(duo_loop *loop, op_list which, duo_op ***tail)
{
    switch (which) {
    case LIST_QUEUED:
        *tail = &loop->queued_tail;
        return &loop->queued_head;
    case LIST_OUTBOX:
        *tail = &loop->outbox_tail;
        return &loop->outbox_head;
    case LIST_DONE:
        *tail = &loop->done_tail;
        return &loop->done_head;
    default:
        *tail = NULL;
        return NULL;
    }
}

void loop_list_push(duo_loop *loop, duo_op *op, op_list which)
{
    duo_op **tail, **head = list_head(loop, which, &tail);

    op->list = which;
    op->next = NULL;
    op->prev = *tail;
    if (*tail != NULL)
        (*tail)->next = op;
    else
        *head = op;
    *tail = op;
}

void loop_list_remove(duo_loop *loop, duo_op *op)
{
    duo_op **tail, **head = list_head(loop, op->list, &tail);

    if (head == NULL)
        return;
    if (op->prev != NULL)
        op->prev->next = op->next;
    else
        *head = op->next;
    if (op->next != NULL)
        op->next->prev = op->prev;
    else
        *tail = op->prev;
    op->prev = op->next = NULL;
    op->list = LIST_NONE;
}

static duo_op *list_pop(duo_loop *loop, op_list which)
{
    duo_op **tail, **head = list_head(loop, which, &tail);
    duo_op *op = *head;

    if (op != NULL)
        loop_list_remove(loop, op);
    return op;
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

void loop_heap_push(duo_loop *loop, duo_op *op)
{
    /* Room was reserved when the operation was attached: cannot fail. */
    loop->heap[loop->heap_len] = op;
    op->heap_index = loop->heap_len++;
    heap_up(loop, op->heap_index);
}

void loop_heap_remove(duo_loop *loop, duo_op *op)
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

/* Registers a new operation, reserving its heap slot up front so that
 * later state changes never need to allocate. */
int loop_attach(duo_loop *loop, duo_op *op)
{
    if (grow((void **)&loop->all, &loop->all_cap, loop->all_len, sizeof(*loop->all)) != 0
        || grow((void **)&loop->heap, &loop->heap_cap, loop->all_len, sizeof(*loop->heap)) != 0)
        return -1;
    loop->all[loop->all_len++] = op;
    op->loop = loop;
    op->heap_index = NO_HEAP;
    op->list = LIST_NONE;
    loop->pending++;
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
    loop_list_remove(loop, op);
    loop_heap_remove(loop, op);
    if (op->state != OP_DONE)
        loop->pending--;
    op->loop = NULL;
}

void loop_finish(duo_loop *loop, duo_op *op)
{
    loop_list_remove(loop, op);
    loop_heap_remove(loop, op);
    op->state = OP_DONE;
    loop->pending--;
    loop_list_push(loop, op, LIST_DONE);
}

/* ---- operations ---- */

duo_op *duo_timer_new(duo_loop *loop, long long delay_ms)
{
    duo_op *op = calloc(1, sizeof(*op));

    if (op == NULL)
        return NULL;
    if (loop_attach(loop, op) != 0) {
        free(op);
        return NULL;
    }
    op->state = OP_WAITING;
    op->due_ms = duo_loop_now_ms(loop) + (delay_ms > 0 ? delay_ms : 0);
    loop_heap_push(loop, op);
    return op;
}

void duo_op_cancel(duo_op *op)
{
    if (op->loop == NULL || op->state == OP_DONE)
        return;
    if (op->is_request)
        request_cancel(op);
    loop_finish(op->loop, op);
}

void duo_op_free(duo_op *op)
{
    if (op == NULL)
        return;
    if (op->loop != NULL) {
        if (op->is_request)
            request_cancel(op);
        detach(op->loop, op);
    }
    if (op->is_request)
        request_release(op);
    free(op);
}

int duo_op_is_done(const duo_op *op)
{
    return op->state == OP_DONE;
}

int duo_op_is_request(const duo_op *op)
{
    return op->is_request;
}

duo_op *duo_loop_next_done(duo_loop *loop)
{
    return list_pop(loop, LIST_DONE);
}

duo_op *duo_loop_next_outgoing(duo_loop *loop)
{
    /* Handed out once; it stays OP_OUTBOX until answered or cancelled. */
    duo_op *op = loop->outbox_head;

    if (op != NULL)
        loop_list_remove(loop, op);
    return op;
}

void duo_loop_wakeup(duo_loop *loop)
{
    if (loop->transport != NULL)
        duo_transport_wakeup(loop->transport);
}

/* ---- running ---- */

static host_slot *slot_of(duo_loop *loop, duo_op *op)
{
    return &loop->hosts[op->host_slot];
}

static int can_start(duo_loop *loop, duo_op *op)
{
    return loop->per_host == 0 || slot_of(loop, op)->active < loop->per_host;
}

static void start_ready(duo_loop *loop)
{
    duo_op *op = loop->queued_head;

    while (op != NULL && loop->active < loop->concurrency) {
        duo_op *next = op->next;
        if (can_start(loop, op)) {
            loop_list_remove(loop, op);
            loop->active++;
            slot_of(loop, op)->active++;
            /* A failure to start finishes the request with its error. */
            (void)request_start_attempt(op);
        }
        op = next;
    }
}

static void fire_due(duo_loop *loop)
{
    long long now = duo_loop_now_ms(loop);

    while (loop->heap_len > 0 && loop->heap[0]->due_ms <= now) {
        duo_op *op = loop->heap[0];
        loop_heap_remove(loop, op);
        if (op->is_request) {
            /* a backoff is over: retry ahead of requests not yet begun */
            op->state = OP_QUEUED;
            if (loop->queued_head != NULL) {
                op->list = LIST_QUEUED;
                op->prev = NULL;
                op->next = loop->queued_head;
                loop->queued_head->prev = op;
                loop->queued_head = op;
            } else {
                loop_list_push(loop, op, LIST_QUEUED);
            }
        } else {
            loop_finish(loop, op);
        }
    }
}

static void drain_transport(duo_loop *loop)
{
    duo_transfer *x;

    while ((x = duo_transport_next_done(loop->transport)) != NULL) {
        duo_op *op = duo_transfer_userdata(x);
        duo_http_response *r = duo_transfer_response(x);
        op->transfer = NULL;
        request_complete_attempt(op, r->status, &r->body, r->retry_after,
                                 r->error, r->message);
        duo_transfer_free(x);
    }
}

/* Drives the transport without waiting; returns transfers still running. */
static int pump(duo_loop *loop, long wait_ms)
{
    int running;

    if (loop->transport == NULL)
        return 0;
    running = duo_transport_poll(loop->transport, wait_ms);
    drain_transport(loop);
    return running;
}

int duo_loop_run_once(duo_loop *loop, long max_wait_ms)
{
    int running;
    long long wait;

    start_ready(loop);
    running = pump(loop, 0);
    if (running < 0)
        return -1;
    if (loop->done_head != NULL || loop->outbox_head != NULL || loop->pending == 0)
        wait = 0;
    else
        wait = max_wait_ms < 0 ? 24LL * 3600 * 1000 : max_wait_ms;
    if (loop->heap_len > 0) {
        long long until = loop->heap[0]->due_ms - duo_loop_now_ms(loop);
        if (until < wait)
            wait = until < 0 ? 0 : until;
    }
    if (running > 0 && wait > 0) {
        if (pump(loop, (long)wait) < 0)
            return -1;
    } else if (wait > 0 && loop->virtual_time) {
        /* Nothing real to wait for: jump the clock to the next timer. */
        if (loop->heap_len > 0)
            loop->virtual_ms = loop->heap[0]->due_ms;
    } else if (wait > 0) {
        duo_sleep_ms(wait);
    }
    fire_due(loop);
    start_ready(loop);
    return loop->pending;
}
