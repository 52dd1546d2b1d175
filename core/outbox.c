#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct outbox_transfer {
    duo_transfer base;             /* first */
    const duo_http_request *req;   /* the starter's, valid while the transfer lives */
    int answered;
} outbox_transfer;

typedef struct outbox {
    duo_backend base;              /* first */
    duo_list waiting;              /* started, not yet handed out */
} outbox;

static duo_transfer *outbox_start(duo_backend *b, const duo_http_request *req,
                                  const duo_transport_options *opt, char *err, size_t err_size)
{
    outbox_transfer *x = calloc(1, sizeof(*x));

    (void)opt;
    if (x == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    x->req = req;
    x->base.response.retry_after = -1;
    duo_list_push_back(&((outbox *)b)->waiting, &x->base.link);
    return &x->base;
}

static void outbox_release(duo_transfer *x)
{
    free(x);
}

static int outbox_poll(duo_backend *b, long timeout_ms)
{
    /* Nothing to wait for here: answers come from the program between
     * runs of the loop. */
    (void)b;
    (void)timeout_ms;
    return 0;
}

static void outbox_destroy(duo_backend *b)
{
    free(b);
}

static const duo_backend_ops outbox_ops = {
    outbox_start, outbox_release, outbox_poll, NULL, outbox_destroy
};

duo_backend *duo_outbox_new(char *err, size_t err_size)
{
    outbox *o = calloc(1, sizeof(*o));

    if (o == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    o->base.ops = &outbox_ops;
    return &o->base;
}

size_t duo_outbox_waiting(const duo_backend *b)
{
    return ((const outbox *)b)->waiting.len;
}

duo_transfer *duo_outbox_next(duo_backend *b)
{
    duo_link *l = duo_list_pop(&((outbox *)b)->waiting);

    return l != NULL ? DUO_ITEM(l, duo_transfer, link) : NULL;
}

const duo_http_request *duo_outbox_request(const duo_transfer *x)
{
    const outbox_transfer *o = (const outbox_transfer *)x;

    return o->answered ? NULL : o->req;
}

int duo_outbox_respond(duo_transfer *x, long status, const char *body,
                       size_t body_len, long retry_after)
{
    outbox_transfer *o = (outbox_transfer *)x;
    duo_http_response *r = &x->response;

    if (o->answered)
        return -1;
    duo_buf_clear(&r->body);
    duo_buf_append(&r->body, body, body_len);
    if (!duo_buf_ok(&r->body))
        return -1;
    o->answered = 1;
    r->status = status;
    r->retry_after = retry_after;
    duo_backend_finish(x->backend, x);
    return 0;
}
