/* Requests: building and signing each attempt, and deciding after each
 * answer whether to retry (HTTP 429) or finish. */
#include "loop_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sign.h"

#define MAX_EXTRA_HEADERS 64

struct duo_credentials {
    int refs;
    char *ikey;
    duo_hmac *hmac;
};

duo_credentials *duo_credentials_new(const char *ikey, const char *skey,
                                     size_t skey_len, duo_digest digest)
{
    duo_credentials *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->refs = 1;
    c->ikey = malloc(strlen(ikey) + 1);
    c->hmac = duo_hmac_new(digest, skey, skey_len);
    if (c->ikey == NULL || c->hmac == NULL) {
        free(c->ikey);
        duo_hmac_free(c->hmac);
        free(c);
        return NULL;
    }
    strcpy(c->ikey, ikey);
    return c;
}

duo_credentials *duo_credentials_ref(duo_credentials *c)
{
    c->refs++;
    return c;
}

void duo_credentials_unref(duo_credentials *c)
{
    if (c == NULL || --c->refs > 0)
        return;
    duo_hmac_free(c->hmac);
    free(c->ikey);
    free(c);
}

const char *duo_credentials_ikey(const duo_credentials *c)
{
    return c->ikey;
}

duo_hmac *duo_credentials_hmac(duo_credentials *c)
{
    return c->hmac;
}

static char *copy_bytes(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (p != NULL) {
        if (n > 0)
            memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static int is_query_method(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "DELETE") == 0;
}

static int find_host_slot(duo_loop *loop, const char *host, size_t *index)
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
    hosts[i].host = duo_strdup(host);
    if (hosts[i].host == NULL)
        return -1;
    hosts[i].active = 0;
    loop->host_count++;
    *index = i;
    return 0;
}

void request_release(duo_op *op)
{
    size_t i;

    free(op->method);
    free(op->host);
    free(op->path);
    free(op->query);
    duo_buf_free(&op->body);
    for (i = 0; i < op->header_count; i++) {
        free((char *)op->headers[i].name);
        free((char *)op->headers[i].value);
    }
    free(op->headers);
    duo_transport_options_free(&op->opt);
    duo_credentials_unref(op->cred);
    duo_buf_free(&op->result.body);
    duo_buf_free(&op->url);
    duo_buf_free(&op->lines_buf);
    free(op->lines);
}

static int copy_spec(duo_op *op, const duo_request_spec *spec,
                     const duo_transport_options *opt)
{
    duo_buf query = DUO_BUF_INIT;
    size_t i;

    op->method = duo_strdup(spec->method);
    op->host = duo_strdup(spec->host);
    op->path = duo_strdup(spec->path);
    if (spec->params != NULL && duo_params_canonical(spec->params, &query) != 0) {
        duo_buf_free(&query);
        return -1;
    }
    op->query = duo_strdup(duo_buf_str(&query));
    duo_buf_free(&query);
    op->has_body = spec->body != NULL;
    if (op->has_body) {
        duo_buf_append(&op->body, spec->body, spec->body_len);
    } else if (!is_query_method(spec->method)) {
        op->form_body = 1;
    }
    if (spec->header_count > 0) {
        op->headers = calloc(spec->header_count, sizeof(*op->headers));
        if (op->headers == NULL)
            return -1;
        op->header_count = spec->header_count;
        for (i = 0; i < spec->header_count; i++) {
            op->headers[i].name = copy_bytes(spec->headers[i].name, spec->headers[i].name_len);
            op->headers[i].name_len = spec->headers[i].name_len;
            op->headers[i].value = copy_bytes(spec->headers[i].value, spec->headers[i].value_len);
            op->headers[i].value_len = spec->headers[i].value_len;
            if (op->headers[i].name == NULL || op->headers[i].value == NULL)
                return -1;
        }
    }
    op->lines = calloc(op->header_count + 5, sizeof(*op->lines));
    if (duo_transport_options_copy(&op->opt, opt) != 0)
        return -1;
    if (op->method == NULL || op->host == NULL || op->path == NULL || op->query == NULL
        || op->lines == NULL || !duo_buf_ok(&op->body))
        return -1;
    return 0;
}

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
    op->is_request = 1;
    op->sig_version = spec->sig_version;
    op->unsigned_request = spec->unsigned_request;
    op->outbox = spec->outbox;
    op->retry = *retry;
    op->cred = cred != NULL ? duo_credentials_ref(cred) : NULL;
    op->result.retry_after = -1;
    if (spec->header_count > MAX_EXTRA_HEADERS) {
        snprintf(err, err_size, "too many X-Duo headers (%d at most)", MAX_EXTRA_HEADERS);
        request_release(op);
        free(op);
        return NULL;
    }
    if (op->cred == NULL && !op->unsigned_request) {
        snprintf(err, err_size, "a signed request needs credentials");
        request_release(op);
        free(op);
        return NULL;
    }
    if (copy_spec(op, spec, opt) != 0
        || find_host_slot(loop, op->host, &op->host_slot) != 0
        || loop_attach(loop, op) != 0) {
        snprintf(err, err_size, "out of memory");
        request_release(op);
        free(op);
        return NULL;
    }
    op->start_ms = duo_loop_now_ms(loop);
    op->state = OP_QUEUED;
    loop_list_push(loop, op, LIST_QUEUED);
    return op;
}

/* Builds URL and header lines of one attempt, with a fresh date and
 * signature. Returns 0, or -1 with the reason in err. */
static int build_attempt(duo_op *op, char *err, size_t err_size)
{
    char date[DUO_DATE_SIZE];
    duo_buf canonical = DUO_BUF_INIT, auth = DUO_BUF_INIT;
    duo_canon_request cr;
    const char *why = "out of memory";
    size_t offsets[4 + MAX_EXTRA_HEADERS], nlines = 0, i;
    int in_query = !op->form_body && op->query[0] != '\0';

    duo_buf_clear(&op->url);
    duo_buf_clear(&op->lines_buf);
    duo_buf_puts(&op->url, "https://");
    duo_buf_puts(&op->url, op->host);
    duo_buf_puts(&op->url, op->path);
    if (in_query) {
        duo_buf_putc(&op->url, '?');
        duo_buf_puts(&op->url, op->query);
    }

#define ADD_LINE(stmt) do { offsets[nlines++] = op->lines_buf.len; stmt; \
                            duo_buf_putc(&op->lines_buf, '\0'); } while (0)
    if (!op->unsigned_request) {
        if (duo_date_format(duo_loop_unix_time(op->loop), date) != 0) {
            snprintf(err, err_size, "the system clock is out of range");
            return -1;
        }
        memset(&cr, 0, sizeof(cr));
        cr.version = op->sig_version;
        cr.method = op->method;
        cr.host = op->host;
        cr.path = op->path;
        cr.date = date;
        cr.params_canonical = op->query;
        cr.body = op->has_body ? op->body.data : NULL;
        cr.body_len = op->has_body ? op->body.len : 0;
        cr.headers = op->headers;
        cr.header_count = op->header_count;
        if (duo_sign(&cr, duo_credentials_hmac(op->cred), op->cred->ikey,
                     strlen(op->cred->ikey), &canonical, &auth, &why) != 0) {
            snprintf(err, err_size, "cannot sign the request: %s", why);
            duo_buf_free(&canonical);
            duo_buf_free(&auth);
            return -1;
        }
        ADD_LINE((duo_buf_puts(&op->lines_buf, "Date: "), duo_buf_puts(&op->lines_buf, date)));
        ADD_LINE((duo_buf_puts(&op->lines_buf, "Authorization: "),
                  duo_buf_append(&op->lines_buf, auth.data, auth.len)));
        duo_buf_free(&canonical);
        duo_buf_free(&auth);
    }
    if (op->has_body)
        ADD_LINE(duo_buf_puts(&op->lines_buf, "Content-Type: application/json"));
    else if (op->form_body)
        ADD_LINE(duo_buf_puts(&op->lines_buf, "Content-Type: application/x-www-form-urlencoded"));
    for (i = 0; i < op->header_count; i++)
        ADD_LINE((duo_buf_append(&op->lines_buf, op->headers[i].name, op->headers[i].name_len),
                  duo_buf_puts(&op->lines_buf, ": "),
                  duo_buf_append(&op->lines_buf, op->headers[i].value, op->headers[i].value_len)));
#undef ADD_LINE
    if (!duo_buf_ok(&op->url) || !duo_buf_ok(&op->lines_buf)) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    for (i = 0; i < nlines; i++)
        op->lines[i] = op->lines_buf.data + offsets[i];
    op->lines[nlines] = NULL;

    op->wire.method = op->method;
    op->wire.url = op->url.data;
    op->wire.headers = (const char *const *)op->lines;
    if (op->has_body) {
        op->wire.body = op->body.data != NULL ? op->body.data : "";
        op->wire.body_len = op->body.len;
    } else if (op->form_body) {
        op->wire.body = op->query;
        op->wire.body_len = strlen(op->query);
    } else {
        op->wire.body = NULL;
        op->wire.body_len = 0;
    }
    return 0;
}

static void finish_with(duo_op *op, long status, duo_buf *body, long retry_after,
                        duo_net_error error, const char *message)
{
    duo_request_result *r = &op->result;
    duo_buf swap;

    r->status = status;
    r->retry_after = retry_after;
    r->error = error;
    snprintf(r->message, sizeof(r->message), "%s", message ? message : "");
    if (body != NULL) {
        swap = r->body;
        r->body = *body;
        *body = swap;
    }
    r->elapsed_ms = duo_loop_now_ms(op->loop) - op->start_ms;
    loop_finish(op->loop, op);
}

int request_start_attempt(duo_op *op)
{
    duo_loop *loop = op->loop;
    duo_http_request req;
    char err[256];

    op->result.attempts++;
    if (build_attempt(op, err, sizeof(err)) != 0) {
        loop->active--;
        loop->hosts[op->host_slot].active--;
        finish_with(op, 0, NULL, -1, DUO_NET_NETWORK, err);
        return -1;
    }
    if (op->outbox) {
        op->state = OP_OUTBOX;
        loop_list_push(loop, op, LIST_OUTBOX);
        return 0;
    }
    if (loop->transport == NULL) {
        loop->transport = duo_transport_new(err, sizeof(err));
        if (loop->transport == NULL) {
            loop->active--;
            loop->hosts[op->host_slot].active--;
            finish_with(op, 0, NULL, -1, DUO_NET_NETWORK, err);
            return -1;
        }
    }
    req.method = op->wire.method;
    req.url = op->wire.url;
    req.headers = op->wire.headers;
    req.body = op->wire.body;
    req.body_len = op->wire.body_len;
    op->transfer = duo_transfer_start(loop->transport, &req, &op->opt, op, err, sizeof(err));
    if (op->transfer == NULL) {
        loop->active--;
        loop->hosts[op->host_slot].active--;
        finish_with(op, 0, NULL, -1, DUO_NET_NETWORK, err);
        return -1;
    }
    op->state = OP_RUNNING;
    return 0;
}

/* Milliseconds to wait before retry number n (1-based) after a 429. */
static long long backoff_ms(duo_op *op, long retry_after)
{
    long long ms;
    int n = op->result.attempts;

    if (retry_after >= 0)
        return (retry_after > 3600 ? 3600 : retry_after) * 1000LL;
    ms = 1000LL << (n - 1 < 20 ? n - 1 : 20);
    if (ms > op->retry.max_backoff_ms)
        ms = op->retry.max_backoff_ms;
    return ms + (long long)(loop_random(op->loop) % 1000);
}

void request_complete_attempt(duo_op *op, long status, duo_buf *body,
                              long retry_after, duo_net_error error,
                              const char *message)
{
    duo_loop *loop = op->loop;

    loop->active--;
    loop->hosts[op->host_slot].active--;
    if (error == DUO_NET_OK && status == 429
        && op->result.attempts <= op->retry.max_retries) {
        op->state = OP_WAITING;
        op->due_ms = duo_loop_now_ms(loop) + backoff_ms(op, retry_after);
        loop_heap_push(loop, op);
        return;
    }
    finish_with(op, status, body, retry_after, error, message);
}

void request_cancel(duo_op *op)
{
    if (op->transfer != NULL) {
        duo_transfer_free(op->transfer);
        op->transfer = NULL;
    }
    if (op->loop != NULL && (op->state == OP_RUNNING || op->state == OP_OUTBOX)) {
        op->loop->active--;
        op->loop->hosts[op->host_slot].active--;
    }
    op->result.error = DUO_NET_CANCELLED;
    snprintf(op->result.message, sizeof(op->result.message), "cancelled");
}

duo_request_result *duo_request_result_of(duo_op *op)
{
    return &op->result;
}

const duo_wire_request *duo_request_wire(duo_op *op)
{
    return op->state == OP_OUTBOX ? &op->wire : NULL;
}

int duo_request_respond(duo_op *op, long status, const char *body,
                        size_t body_len, long retry_after)
{
    duo_buf b = DUO_BUF_INIT;

    if (op->loop == NULL || op->state != OP_OUTBOX)
        return -1;
    duo_buf_append(&b, body, body_len);
    if (!duo_buf_ok(&b))
        return -1;
    loop_list_remove(op->loop, op);
    request_complete_attempt(op, status, &b, retry_after, DUO_NET_OK, NULL);
    duo_buf_free(&b);
    return 0;
}
