/* Requests: building and signing each attempt, and judging every answer:
 * finish, or wait and try again (429, and transient failures of requests
 * that are safe to repeat). */
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "duo_limits.h"
#include "sign.h"

struct duo_request {
    char *method, *host, *path, *query, *account_id;
    char *url_given;             /* a plain request's whole URL, or NULL */
    duo_buf body;
    int has_body, form_body;
    duo_header *headers;         /* owned copies */
    size_t header_count;
    int sig_version, unsigned_request, outbox, idempotent;
    duo_credentials *cred;
    duo_transport_options opt;   /* strings owned */
    duo_transport_options attempt_opt;   /* opt with this attempt's timeout */
    duo_retry_policy retry;
    long long start_ms;
    duo_request_result result;

    /* the attempt as built for the wire */
    duo_buf url, lines_buf;
    char **lines;                /* header_count + 5 slots */
    duo_http_request wire;
};

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

void request_free(duo_request *op)
{
    size_t i;

    if (op == NULL)
        return;
    free(op->method);
    free(op->host);
    free(op->path);
    free(op->query);
    free(op->account_id);
    free(op->url_given);
    duo_buf_free(&op->body);
    for (i = 0; i < op->header_count; i++) {
        free((char *)op->headers[i].name);
        free((char *)op->headers[i].value);
    }
    free(op->headers);
    duo_transport_options_free(&op->opt);
    duo_credentials_unref(op->cred);
    duo_buf_free(&op->result.body);
    duo_buf_free(&op->result.headers);
    duo_buf_free(&op->url);
    duo_buf_free(&op->lines_buf);
    free(op->lines);
    free(op);
}

/* The account_id parameter, for traces and logs: from the parameters, or
 * the top level of a JSON body written by our own encoder. */
static char *find_account_id(const duo_request_spec *spec)
{
    static const char key[] = "\"account_id\":\"";
    const char *p, *end;
    size_t i;

    if (spec->params != NULL) {
        for (i = 0; i < spec->params->count; i++) {
            const duo_param *pr = &spec->params->items[i];
            if (pr->key_len == 10 && memcmp(pr->key, "account_id", 10) == 0)
                return copy_bytes(pr->value, pr->value_len);
        }
    }
    if (spec->body == NULL || spec->body_len < sizeof(key))
        return duo_strdup("");
    for (p = spec->body; p + sizeof(key) - 1 <= spec->body + spec->body_len; p++) {
        if (memcmp(p, key, sizeof(key) - 1) != 0)
            continue;
        p += sizeof(key) - 1;
        for (end = p; end < spec->body + spec->body_len && *end != '"' && *end != '\\'; end++)
            ;
        return copy_bytes(p, (size_t)(end - p));
    }
    return duo_strdup("");
}

/* A plain request's URL, kept whole, and its host (without any user@)
 * and path (without the query) for traces and logs, which must never show
 * a query value. */
static int split_url(duo_request *op, const char *url, int secret_path)
{
    const char *host = strstr(url, "://"), *end, *at, *q;

    host = host != NULL ? host + 3 : url;
    end = host + strcspn(host, "/?#");
    for (at = host; at < end && *at != '@'; at++)
        ;
    if (at < end)
        host = at + 1;
    q = end + strcspn(end, "?#");
    op->url_given = duo_strdup(url);
    op->host = copy_bytes(host, (size_t)(end - host));
    if (secret_path)
        op->path = duo_strdup("/...");
    else
        op->path = *end == '/' ? copy_bytes(end, (size_t)(q - end)) : duo_strdup("/");
    return op->url_given != NULL && op->host != NULL && op->path != NULL ? 0 : -1;
}

static int copy_spec(duo_request *op, const duo_request_spec *spec,
                     const duo_transport_options *opt)
{
    duo_buf query = DUO_BUF_INIT;
    size_t i;

    op->method = duo_strdup(spec->method);
    if (spec->url != NULL) {
        if (split_url(op, spec->url, spec->secret_path) != 0)
            return -1;
    } else {
        op->host = duo_strdup(spec->host);
        op->path = duo_strdup(spec->path);
    }
    op->account_id = find_account_id(spec);
    if (spec->params != NULL && duo_params_canonical(spec->params, &query) != 0) {
        duo_buf_free(&query);
        return -1;
    }
    op->query = duo_strdup(duo_buf_str(&query));
    duo_buf_free(&query);
    op->has_body = spec->body != NULL;
    if (op->has_body) {
        duo_buf_append(&op->body, spec->body, spec->body_len);
    } else if (spec->url == NULL && !is_query_method(spec->method)) {
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
        || op->account_id == NULL || op->lines == NULL || !duo_buf_ok(&op->body))
        return -1;
    return 0;
}

duo_request *request_new(const duo_request_spec *spec, duo_credentials *cred,
                         const duo_transport_options *opt, const duo_retry_policy *retry,
                         long long now_ms, char *err, size_t err_size)
{
    duo_request *op = calloc(1, sizeof(*op));

    if (op == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    op->sig_version = spec->sig_version;
    op->unsigned_request = spec->unsigned_request;
    op->outbox = spec->outbox;
    op->idempotent = spec->idempotent || strcmp(spec->method, "GET") == 0;
    op->retry = *retry;
    op->cred = cred != NULL ? duo_credentials_ref(cred) : NULL;
    op->result.retry_after = -1;
    op->start_ms = now_ms;
    if (spec->header_count > DUO_MAX_HEADERS) {
        snprintf(err, err_size, "too many X-Duo headers (%d at most)", DUO_MAX_HEADERS);
        request_free(op);
        return NULL;
    }
    if (spec->url != NULL)
        op->unsigned_request = 1;
    if (op->cred == NULL && !op->unsigned_request) {
        snprintf(err, err_size, "a signed request needs credentials");
        request_free(op);
        return NULL;
    }
    if (copy_spec(op, spec, opt) != 0) {
        snprintf(err, err_size, "out of memory");
        request_free(op);
        return NULL;
    }
    return op;
}

const char *request_method(const duo_request *r) { return r->method; }
const char *request_host(const duo_request *r) { return r->host; }
const char *request_path(const duo_request *r) { return r->path; }
const char *request_account_id(const duo_request *r) { return r->account_id; }
int request_uses_outbox(const duo_request *r) { return r->outbox; }
int request_attempts(const duo_request *r) { return r->result.attempts; }
long long request_max_backoff(const duo_request *r) { return r->retry.max_backoff_ms; }
duo_request_result *request_result(duo_request *r) { return &r->result; }

long long request_deadline(const duo_request *r)
{
    return r->retry.deadline_ms > 0 ? r->start_ms + r->retry.deadline_ms : -1;
}

int request_expired(const duo_request *r, long long now_ms)
{
    return request_deadline(r) >= 0 && now_ms >= request_deadline(r);
}

/* Builds URL and header lines of one attempt, with a fresh date and
 * signature. Returns 0, or -1 with the reason in err. */
static int build_attempt(duo_request *op, long long unix_time, char *err, size_t err_size)
{
    char date[DUO_DATE_SIZE];
    duo_buf canonical = DUO_BUF_INIT, auth = DUO_BUF_INIT;
    duo_canon_request cr;
    const char *why = "out of memory";
    size_t offsets[4 + DUO_MAX_HEADERS], nlines = 0, i;
    int in_query = !op->form_body && op->query[0] != '\0';

    duo_buf_clear(&op->url);
    duo_buf_clear(&op->lines_buf);
    if (op->url_given != NULL) {
        duo_buf_puts(&op->url, op->url_given);
    } else {
        duo_buf_puts(&op->url, "https://");
        duo_buf_puts(&op->url, op->host);
        duo_buf_puts(&op->url, op->path);
    }
    if (in_query && op->url_given == NULL) {
        duo_buf_putc(&op->url, '?');
        duo_buf_puts(&op->url, op->query);
    }

#define ADD_LINE(stmt) do { offsets[nlines++] = op->lines_buf.len; stmt; \
                            duo_buf_putc(&op->lines_buf, '\0'); } while (0)
    if (!op->unsigned_request) {
        if (duo_date_format(unix_time, date) != 0) {
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
    if (op->url_given != NULL)
        ;   /* a plain request's caller names its own Content-Type */
    else if (op->has_body)
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

const duo_http_request *request_build(duo_request *r, long long unix_time, long long now_ms,
                                      const duo_transport_options **opt,
                                      char *err, size_t err_size)
{
    long long left = request_deadline(r) >= 0 ? request_deadline(r) - now_ms : -1;

    r->result.attempts++;
    if (build_attempt(r, unix_time, err, err_size) != 0)
        return NULL;
    r->attempt_opt = r->opt;
    if (left >= 0) {
        if (left < 1)
            left = 1;
        if (left < r->attempt_opt.timeout_ms)
            r->attempt_opt.timeout_ms = (long)left;
        if (left < r->attempt_opt.connect_timeout_ms)
            r->attempt_opt.connect_timeout_ms = (long)left;
    }
    *opt = &r->attempt_opt;
    return &r->wire;
}

static void swap_buf(duo_buf *a, duo_buf *b)
{
    duo_buf t = *a;

    *a = *b;
    *b = t;
}

static void finish(duo_request *r, long status, duo_buf *body, duo_buf *headers, long retry_after,
                   duo_net_error error, const char *message, long long now_ms)
{
    duo_request_result *res = &r->result;

    res->status = status;
    res->retry_after = retry_after;
    res->error = error;
    snprintf(res->message, sizeof(res->message), "%s", message ? message : "");
    if (body != NULL)
        swap_buf(&res->body, body);
    if (headers != NULL)
        swap_buf(&res->headers, headers);
    res->elapsed_ms = now_ms - r->start_ms;
}

void request_fail(duo_request *r, duo_net_error error, const char *message, long long now_ms)
{
    finish(r, 0, NULL, NULL, -1, error, message, now_ms);
}

/* Answers that say "try again later" whatever the request. */
static int throttled(const duo_http_response *a)
{
    return a->error == DUO_NET_OK && a->status == 429;
}

/* Failures that may pass: a server error, a reset, a timeout. (A host
 * name that does not resolve is a typo far more often than an outage:
 * retrying it would only delay the error by a minute.) */
static int transient(const duo_http_response *a)
{
    if (a->permanent)
        return 0;
    if (a->error == DUO_NET_NETWORK || a->error == DUO_NET_TIMEOUT)
        return 1;
    return a->error == DUO_NET_OK
           && (a->status == 500 || a->status == 502 || a->status == 503 || a->status == 504);
}

/* The wait before the next attempt: Retry-After when the server gave one,
 * else 1 s, 2 s, 4 s... with up to 1 s of spread; max_backoff caps both. */
static long long backoff_ms(const duo_request *r, long retry_after, unsigned long long random)
{
    long long ms, cap = r->retry.max_backoff_ms;
    int n = r->result.attempts;

    if (retry_after >= 0) {
        ms = retry_after > cap / 1000 + 1 ? cap : retry_after * 1000LL;
    } else {
        ms = 1000LL << (n - 1 < 20 ? n - 1 : 20);
        ms += (long long)(random % 1000);
    }
    return ms < cap ? ms : cap;
}

request_verdict request_judge(duo_request *r, duo_http_response *a, long long now_ms,
                              unsigned long long random)
{
    request_verdict v = { 1, 0, 0 };
    int retryable;

    v.throttled = throttled(a);
    r->result.note[0] = '\0';
    retryable = v.throttled || (transient(a) && (r->idempotent || a->unsent));
    if (!retryable && transient(a))
        snprintf(r->result.note, sizeof(r->result.note),
                 "not retried: the request may have reached Duo");
    if (retryable && r->result.attempts <= r->retry.max_retries) {
        long long wait = backoff_ms(r, a->retry_after, random);
        long long deadline = request_deadline(r);
        if (deadline < 0 || now_ms + wait < deadline) {
            v.finished = 0;
            v.wait_ms = wait;
            return v;
        }
        snprintf(r->result.note, sizeof(r->result.note),
                 "gave up after %d attempts: the deadline of %.3g s would pass before the next",
                 r->result.attempts, r->retry.deadline_ms / 1000.0);
    } else if (retryable && !v.throttled) {
        snprintf(r->result.note, sizeof(r->result.note), "gave up after %d attempts, max_retries + 1",
                 r->result.attempts);
    }
    if (a->error == DUO_NET_TIMEOUT && request_expired(r, now_ms))
        snprintf(r->result.note, sizeof(r->result.note), "the deadline of %.3g s passed",
                 r->retry.deadline_ms / 1000.0);
    finish(r, a->status, &a->body, &a->headers, a->retry_after, a->error, a->message, now_ms);
    return v;
}
