#include "backend.h"

#include <stdlib.h>

const char *duo_net_error_name(duo_net_error e)
{
    switch (e) {
    case DUO_NET_NETWORK: return "network";
    case DUO_NET_TIMEOUT: return "timeout";
    case DUO_NET_TLS: return "tls";
    case DUO_NET_CANCELLED: return "cancelled";
    case DUO_NET_TOO_LARGE: return "too large";
    default: return NULL;
    }
}

int duo_transport_options_copy(duo_transport_options *dst, const duo_transport_options *src)
{
    *dst = *src;
    dst->ca_file = duo_strdup(src->ca_file);
    dst->proxy = duo_strdup(src->proxy);
    dst->user_agent = duo_strdup(src->user_agent);
    if ((src->ca_file && !dst->ca_file) || (src->proxy && !dst->proxy)
        || (src->user_agent && !dst->user_agent)) {
        duo_transport_options_free(dst);
        return -1;
    }
    return 0;
}

void duo_transport_options_free(duo_transport_options *o)
{
    free((char *)o->ca_file);
    free((char *)o->proxy);
    free((char *)o->user_agent);
    o->ca_file = o->proxy = o->user_agent = NULL;
}

duo_transfer *duo_transfer_start(duo_backend *b, const duo_http_request *req,
                                 const duo_transport_options *opt, void *ud,
                                 char *err, size_t err_size)
{
    duo_transfer *x = b->ops->start(b, req, opt, err, err_size);

    if (x != NULL) {
        x->backend = b;
        x->ud = ud;
    }
    return x;
}

void duo_transfer_free(duo_transfer *x)
{
    if (x == NULL)
        return;
    duo_list_unlink(&x->link);
    duo_buf_free(&x->response.body);
    duo_buf_free(&x->response.headers);
    x->backend->ops->release(x);
}

void duo_backend_finish(duo_backend *b, duo_transfer *x)
{
    duo_list_push_back(&b->done, &x->link);
}

duo_transfer *duo_backend_next_done(duo_backend *b)
{
    duo_link *l = duo_list_pop(&b->done);

    return l != NULL ? DUO_ITEM(l, duo_transfer, link) : NULL;
}

int duo_backend_poll(duo_backend *b, long timeout_ms)
{
    return b->ops->poll(b, timeout_ms);
}

void duo_backend_wakeup(duo_backend *b)
{
    if (b->ops->wakeup != NULL)
        b->ops->wakeup(b);
}

void duo_backend_free(duo_backend *b)
{
    if (b != NULL)
        b->ops->destroy(b);
}
