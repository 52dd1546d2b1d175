/* Private to loop.c and request.c: the layout of operations and the loop. */
#ifndef DUO_LOOP_INTERNAL_H
#define DUO_LOOP_INTERNAL_H

#include "loop.h"

typedef enum op_state {
    OP_QUEUED,     /* waiting for a free transfer slot */
    OP_RUNNING,    /* a transfer is in flight */
    OP_OUTBOX,     /* an attempt waits for duo_request_respond */
    OP_WAITING,    /* in the timer heap: a timer, or a request backing off */
    OP_DONE
} op_state;

typedef enum op_list { LIST_NONE, LIST_QUEUED, LIST_OUTBOX, LIST_DONE } op_list;

typedef struct host_slot {
    char *host;
    int active;
} host_slot;

struct duo_op {
    duo_loop *loop;              /* NULL once the loop was freed */
    int is_request;
    op_state state;
    long long due_ms;            /* OP_WAITING: when to wake */
    size_t heap_index;           /* position in the timer heap, or NO_HEAP */
    op_list list;
    duo_op *prev, *next;

    /* requests only */
    char *method, *host, *path, *query;
    duo_buf body;
    int has_body, form_body;
    duo_header *headers;         /* owned copies */
    size_t header_count;
    int sig_version, unsigned_request, outbox;
    duo_credentials *cred;
    duo_transport_options opt;   /* strings owned */
    duo_retry_policy retry;
    duo_transfer *transfer;
    size_t host_slot;            /* index into loop->hosts */
    long long start_ms;
    duo_request_result result;

    /* the attempt as built for the wire */
    duo_buf url, lines_buf;
    char **lines;                /* header_count + 5 slots */
    duo_wire_request wire;
};

#define NO_HEAP ((size_t)-1)

struct duo_loop {
    duo_transport *transport;    /* created on the first network request */
    int concurrency, per_host;
    int active;                  /* requests RUNNING or in the OUTBOX */
    int pending;                 /* operations not DONE */

    duo_op *queued_head, *queued_tail;
    duo_op *outbox_head, *outbox_tail;
    duo_op *done_head, *done_tail;
    duo_op **heap;
    size_t heap_len, heap_cap;
    duo_op **all;                /* every attached operation, to detach on free */
    size_t all_len, all_cap;

    host_slot *hosts;
    size_t host_count;

    int virtual_time;
    long long virtual_ms, virtual_start_unix;
    long long clock_offset;
    unsigned long long rng;
};

/* loop.c */
void loop_list_push(duo_loop *loop, duo_op *op, op_list which);
void loop_list_remove(duo_loop *loop, duo_op *op);
void loop_heap_push(duo_loop *loop, duo_op *op);
void loop_heap_remove(duo_loop *loop, duo_op *op);
int loop_attach(duo_loop *loop, duo_op *op);
void loop_finish(duo_loop *loop, duo_op *op);
unsigned long long loop_random(duo_loop *loop);

/* request.c */
int request_start_attempt(duo_op *op);
void request_complete_attempt(duo_op *op, long status, duo_buf *body,
                              long retry_after, duo_net_error error,
                              const char *message);
void request_release(duo_op *op);
void request_cancel(duo_op *op);

#endif
