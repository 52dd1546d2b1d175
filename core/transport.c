#include "transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "duo_limits.h"
#include "platform.h"
#include "version.h"

typedef struct curl_transfer {
    duo_transfer base;           /* first: a duo_transfer * points here */
    CURL *easy;
    struct curl_slist *headers;
    int running;                 /* added to the multi handle */
    int too_large;               /* the body passed max_response_bytes */
    size_t max_body;
    char errbuf[CURL_ERROR_SIZE];
} curl_transfer;

typedef struct curl_backend {
    duo_backend base;            /* first */
    CURLM *multi;
    int running;
} curl_backend;

extern const char duo_pinned_roots_pem[];
extern const size_t duo_pinned_roots_pem_len;
extern const int duo_pinned_roots_count;

const char *duo_pinned_roots(size_t *len, int *count)
{
    if (len != NULL)
        *len = duo_pinned_roots_pem_len;
    if (count != NULL)
        *count = duo_pinned_roots_count;
    return duo_pinned_roots_pem;
}

static const duo_backend_ops curl_ops;
static int global_ready = 0;

/* Done on first use rather than at start-up: scripts that never touch the
 * network do not pay for TLS library initialisation. */
static int global_init(char *err, size_t err_size)
{
    if (!global_ready) {
        CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
        if (rc != CURLE_OK) {
            snprintf(err, err_size, "cannot initialise libcurl: %s", curl_easy_strerror(rc));
            return -1;
        }
        global_ready = 1;
    }
    return 0;
}

duo_backend *duo_transport_new(char *err, size_t err_size)
{
    curl_backend *t;

    if (global_init(err, err_size) != 0)
        return NULL;
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    t->base.ops = &curl_ops;
    t->multi = curl_multi_init();
    if (t->multi == NULL) {
        free(t);
        snprintf(err, err_size, "cannot create a curl multi handle");
        return NULL;
    }
    /* Enough idle connections to keep one per child-account host warm. */
    curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, 256L);
    return &t->base;
}

static void curl_release(duo_transfer *base)
{
    curl_transfer *x = (curl_transfer *)base;
    curl_backend *t = (curl_backend *)base->backend;

    if (x->running) {
        curl_multi_remove_handle(t->multi, x->easy);
        t->running--;
    }
    curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    free(x);
}

static void curl_destroy(duo_backend *b)
{
    curl_backend *t = (curl_backend *)b;

    curl_multi_cleanup(t->multi);
    free(t);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    curl_transfer *x = ud;
    duo_buf *body = &x->base.response.body;
    size_t n = size * nmemb;

    /* The bytes arrive inflated (Content-Encoding is undone before this
     * callback), so the cap holds against compression bombs; the buffer
     * never grows past it. */
    if (duo_buf_reserve_within(body, n, x->max_body) != 0) {
        x->too_large = duo_buf_ok(body);
        return 0;   /* makes curl fail the transfer with CURLE_WRITE_ERROR */
    }
    duo_buf_append(body, data, n);
    return duo_buf_ok(body) ? n : 0;
}

/* The header block of the final answer (duo.http hands it to callers): a
 * new status line, after a 100 Continue or a proxy's CONNECT answer,
 * starts it again. Capped at a tenth of the body's cap. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    curl_transfer *x = ud;
    duo_buf *h = &x->base.response.headers;
    size_t n = size * nmemb;

    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0)
        duo_buf_clear(h);
    if (duo_buf_reserve_within(h, n, x->max_body / 10 + 1024) != 0)
        return 0;
    duo_buf_append(h, data, n);
    return duo_buf_ok(h) ? n : 0;
}

static int add_header(curl_transfer *x, const char *line)
{
    struct curl_slist *l = curl_slist_append(x->headers, line);

    if (l == NULL)
        return -1;
    x->headers = l;
    return 0;
}

/* Only the roots given: no folder of further ones. A TLS backend that
 * never reads such a folder (Schannel, which takes roots from a file, a
 * blob or the Windows store) has no CA-path option and answers
 * CURLE_NOT_BUILT_IN: there is nothing to turn off, and that is no error. */
static CURLcode no_ca_path(CURL *e)
{
    CURLcode rc = curl_easy_setopt(e, CURLOPT_CAPATH, NULL);

    return rc == CURLE_NOT_BUILT_IN ? CURLE_OK : rc;
}

static int configure_tls(CURL *e, const duo_transport_options *opt)
{
    struct curl_blob blob;
    CURLcode rc = CURLE_OK;

    /* Schannel also asks whether a certificate was revoked: a revoked one
     * is refused, but a CRL or OCSP server that this network cannot reach
     * does not stop every request (REVOKE_BEST_EFFORT; the other backends
     * check no revocation and ignore the flag). */
    if (curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK
        || curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK
        || curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK
        || curl_easy_setopt(e, CURLOPT_SSL_OPTIONS, (long)CURLSSLOPT_REVOKE_BEST_EFFORT) != CURLE_OK)
        return -1;
    switch (opt->ca) {
    case DUO_CA_PINNED:
        /* In memory: every backend the builds use takes a PEM blob
         * (OpenSSL and Mbed TLS on Linux, Schannel on Windows, where it
         * trusts the blob's roots only, not the Windows store). */
        blob.data = (void *)duo_pinned_roots_pem;
        blob.len = duo_pinned_roots_pem_len;
        blob.flags = CURL_BLOB_NOCOPY;   /* static data outlives every transfer */
        rc = curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
        if (rc == CURLE_OK)
            rc = no_ca_path(e);
        break;
    case DUO_CA_FILE:
        rc = curl_easy_setopt(e, CURLOPT_CAINFO, opt->ca_file);
        if (rc == CURLE_OK)
            rc = no_ca_path(e);
        break;
    case DUO_CA_SYSTEM:
        break;   /* libcurl's built-in default is the system store (Windows': Schannel's) */
    }
    return rc == CURLE_OK ? 0 : -1;
}

static duo_transfer *curl_start(duo_backend *b, const duo_http_request *req,
                                const duo_transport_options *opt, char *err, size_t err_size)
{
    curl_backend *t = (curl_backend *)b;
    curl_transfer *x = calloc(1, sizeof(*x));
    CURL *e;
    size_t i;
    int bad = 0;

    if (x == NULL || (x->easy = curl_easy_init()) == NULL) {
        free(x);
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    e = x->easy;
    x->base.backend = b;
    x->base.response.retry_after = -1;
    x->max_body = opt->max_response_bytes > 0 ? (size_t)opt->max_response_bytes
                                              : (size_t)DUO_DEFAULT_RESPONSE_BYTES;
    for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
        bad |= add_header(x, req->headers[i]);
    /* curl would otherwise add "Expect: 100-continue" to larger bodies,
     * costing a round trip per request. */
    bad |= add_header(x, "Expect:");

    bad |= curl_easy_setopt(e, CURLOPT_URL, req->url) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK;
    /* A redirect is reported, never followed: the Authorization header
     * must not go anywhere else. */
    bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, x) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_HEADERDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, opt->timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, opt->connect_timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_USERAGENT,
                            opt->user_agent ? opt->user_agent : "duo-lua/" DUO_LUA_VERSION) != CURLE_OK;
    if (opt->proxy != NULL)
        bad |= curl_easy_setopt(e, CURLOPT_PROXY, opt->proxy) != CURLE_OK;
    bad |= configure_tls(e, opt);

    if (strcmp(req->method, "GET") == 0) {
        bad |= curl_easy_setopt(e, CURLOPT_HTTPGET, 1L) != CURLE_OK;
    } else {
        if (strcmp(req->method, "POST") != 0)
            bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method) != CURLE_OK;
        if (req->body != NULL) {
            bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len) != CURLE_OK;
            bad |= curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body) != CURLE_OK;
        } else if (strcmp(req->method, "POST") == 0) {
            bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L) != CURLE_OK;
            bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, "") != CURLE_OK;
        }
    }
    if (bad) {
        snprintf(err, err_size, "cannot set up the transfer (%s)",
                 opt->ca == DUO_CA_PINNED ? "libcurl lacks CA blob support?" : "bad option");
        curl_release(&x->base);
        return NULL;
    }
    if (curl_multi_add_handle(t->multi, e) != CURLM_OK) {
        snprintf(err, err_size, "cannot start the transfer");
        curl_release(&x->base);
        return NULL;
    }
    x->running = 1;
    t->running++;
    return &x->base;
}

/* A handshake the peer cut short is a network fault, not a question of
 * trust: saying "TLS" would send users to weaken verification. */
static int handshake_cut(CURL *easy, const char *m)
{
    long os_errno = 0;

    if (curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno != 0)
        return 1;
    /* OpenSSL's words; Schannel's and Mbed TLS's for a peer that closed
     * mid-handshake */
    return strstr(m, "SSL_ERROR_SYSCALL") != NULL || strstr(m, "unexpected eof") != NULL
           || strstr(m, "Connection reset") != NULL || strstr(m, "connection closed") != NULL
           || strstr(m, "failed to receive handshake") != NULL
           || strstr(m, "connection indicated an EOF") != NULL;
}

static duo_net_error classify(CURL *easy, const char *errbuf, CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return DUO_NET_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
        return handshake_cut(easy, errbuf) ? DUO_NET_NETWORK : DUO_NET_TLS;
    case CURLE_USE_SSL_FAILED:           /* an SMTP server without STARTTLS */
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_INITFAILED:
        return DUO_NET_TLS;
    default:
        return DUO_NET_NETWORK;
    }
}

/* Whether the request certainly never reached the server. */
static int unsent(curl_transfer *x, CURLcode rc)
{
    long sent = 0;

    if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY
        || rc == CURLE_COULDNT_CONNECT)
        return 1;
    return x->base.response.status == 0
           && curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &sent) == CURLE_OK && sent == 0;
}

/* The printable ASCII of s (at most n bytes), other bytes as '?'. */
static void printable(char *out, size_t size, const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0' && i + 1 < size; i++)
        out[i] = s[i] > 0x20 && s[i] < 0x7f ? s[i] : '?';
    out[i] = '\0';
}

/* curl's own words for a failure (its error buffer, else the code's
 * text) as one line. */
static void failure_message(char *out, size_t size, const char *errbuf, CURLcode rc)
{
    size_t n;

    snprintf(out, size, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    n = strlen(out);
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
}

static void finish(curl_backend *t, curl_transfer *x, CURLcode rc)
{
    duo_http_response *r = &x->base.response;
    curl_off_t retry_after = -1;
    long status = 0;
    char *location = NULL;

    curl_multi_remove_handle(t->multi, x->easy);
    x->running = 0;
    t->running--;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    r->status = status;
    if (curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK
        && retry_after > 0)
        r->retry_after = retry_after > 0x7fffffffL ? 0x7fffffffL : (long)retry_after;
    if (rc == CURLE_OK && status >= 300 && status < 400) {
        char where[200];
        if (curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &location) != CURLE_OK
            || location == NULL)
            location = "(no Location)";
        printable(where, sizeof(where), location);
        snprintf(r->message, sizeof(r->message), "%s", where);
    } else if (rc != CURLE_OK) {
        r->error = classify(x->easy, x->errbuf, rc);
        r->unsent = unsent(x, rc);
        r->permanent = rc == CURLE_COULDNT_RESOLVE_HOST;
        if (rc == CURLE_WRITE_ERROR && x->too_large) {
            r->error = DUO_NET_TOO_LARGE;
            snprintf(r->message, sizeof(r->message),
                     "response larger than %lu bytes (max_response_bytes)", (unsigned long)x->max_body);
        } else if (rc == CURLE_WRITE_ERROR && !duo_buf_ok(&r->body)) {
            snprintf(r->message, sizeof(r->message), "out of memory reading the response");
        } else {
            failure_message(r->message, sizeof(r->message), x->errbuf, rc);
        }
    }
    duo_backend_finish(&t->base, &x->base);
}

static int curl_poll(duo_backend *b, long timeout_ms)
{
    curl_backend *t = (curl_backend *)b;
    CURLMsg *msg;
    int still = 0, left = 0;

    if (timeout_ms > 0 && t->base.done.head == NULL) {
        if (timeout_ms > 0x7fffffffL)
            timeout_ms = 0x7fffffffL;
        if (curl_multi_poll(t->multi, NULL, 0, (int)timeout_ms, NULL) != CURLM_OK)
            return -1;
    }
    if (curl_multi_perform(t->multi, &still) != CURLM_OK)
        return -1;
    while ((msg = curl_multi_info_read(t->multi, &left)) != NULL) {
        curl_transfer *x = NULL;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        if (x != NULL)
            finish(t, x, msg->data.result);
    }
    return t->running;
}

static void curl_wakeup(duo_backend *b)
{
    curl_multi_wakeup(((curl_backend *)b)->multi);
}

static const duo_backend_ops curl_ops = {
    curl_start, curl_release, curl_poll, curl_wakeup, curl_destroy
};

/* The blocking sends (transport.h): one easy handle each, outside the
 * multi handle. The event loop waits meanwhile; a channel sends a handful
 * of messages per run, so this step keeps them simple. */

typedef struct mail_reader {
    const char *data;
    size_t len, pos;
} mail_reader;

static size_t on_mail_read(char *out, size_t size, size_t nmemb, void *ud)
{
    mail_reader *r = ud;
    size_t n = size * nmemb;

    if (n > r->len - r->pos)
        n = r->len - r->pos;
    memcpy(out, r->data + r->pos, n);
    r->pos += n;
    return n;
}

/* A new easy handle with what every blocking send shares: no signals,
 * an error buffer, the timeouts, verified TLS. NULL when out of memory or
 * an option is refused (res says which). */
static CURL *blocking_easy(const duo_transport_options *opt, char *errbuf, duo_send_result *res)
{
    CURL *e;
    int bad = 0;

    memset(res, 0, sizeof(*res));
    if (global_init(res->message, sizeof(res->message)) != 0) {
        res->error = DUO_NET_NETWORK;
        return NULL;
    }
    e = curl_easy_init();
    if (e == NULL) {
        res->error = DUO_NET_NETWORK;
        snprintf(res->message, sizeof(res->message), "out of memory");
        return NULL;
    }
    errbuf[0] = '\0';
    bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, opt->timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, opt->connect_timeout_ms) != CURLE_OK;
    bad |= configure_tls(e, opt);
    if (bad) {
        curl_easy_cleanup(e);
        res->error = DUO_NET_NETWORK;
        snprintf(res->message, sizeof(res->message), "cannot set up the connection (bad option)");
        return NULL;
    }
    return e;
}

static int blocking_failure(CURL *e, const char *errbuf, CURLcode rc, duo_send_result *res)
{
    long code = 0;

    if (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK)
        res->code = code;
    res->error = classify(e, errbuf, rc);
    res->refused = res->error == DUO_NET_NETWORK && code >= 400;
    failure_message(res->message, sizeof(res->message), errbuf, rc);
    return -1;
}

/* Writes all of data on a connected CONNECT_ONLY handle before the
 * deadline (a monotonic time in ms). */
static CURLcode send_all(CURL *e, const char *data, size_t len, long long deadline);

/* Runs the transfer set up on e unless a setup step failed (bad); with
 * data, e only connected and data then goes out on the connection before
 * the deadline. Cleans e up; 0, or -1 with res filled in. */
static int run_blocking(CURL *e, int bad, const char *errbuf, const char *data, size_t len,
                        long long deadline, duo_send_result *res)
{
    CURLcode rc = CURLE_OK;

    if (bad) {
        res->error = DUO_NET_NETWORK;
        snprintf(res->message, sizeof(res->message), "cannot set up the connection (out of memory or bad option)");
    } else {
        rc = curl_easy_perform(e);
        if (rc == CURLE_OK && data != NULL)
            rc = send_all(e, data, len, deadline);
        if (rc != CURLE_OK)
            blocking_failure(e, errbuf, rc, res);
    }
    curl_easy_cleanup(e);
    return bad || rc != CURLE_OK ? -1 : 0;
}

int duo_mail_send(const duo_mail *m, const duo_transport_options *opt, duo_send_result *res)
{
    char errbuf[CURL_ERROR_SIZE], *from = NULL;
    struct curl_slist *rcpt = NULL;
    mail_reader reader;
    CURL *e;
    size_t i;
    int bad = 0, rc;

    e = blocking_easy(opt, errbuf, res);
    if (e == NULL)
        return -1;
    from = malloc(strlen(m->from) + 3);
    if (from != NULL)
        sprintf(from, "<%s>", m->from);
    bad |= from == NULL;
    for (i = 0; !bad && m->to[i] != NULL; i++) {
        char *addr = malloc(strlen(m->to[i]) + 3);
        struct curl_slist *l = NULL;
        if (addr != NULL) {
            sprintf(addr, "<%s>", m->to[i]);
            l = curl_slist_append(rcpt, addr);
            free(addr);
        }
        if (l == NULL)
            bad = 1;
        else
            rcpt = l;
    }
    reader.data = m->message;
    reader.len = m->message_len;
    reader.pos = 0;
    bad |= curl_easy_setopt(e, CURLOPT_URL, m->url) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK;
    /* smtp:// must upgrade with STARTTLS or fail: never in the clear. */
    bad |= curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_MAIL_FROM, from) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_MAIL_RCPT, rcpt) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_READFUNCTION, on_mail_read) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_READDATA, &reader) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_UPLOAD, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)m->message_len) != CURLE_OK;
    if (m->username != NULL) {
        bad |= curl_easy_setopt(e, CURLOPT_USERNAME, m->username) != CURLE_OK;
        bad |= curl_easy_setopt(e, CURLOPT_PASSWORD, m->password ? m->password : "") != CURLE_OK;
    }
    if (opt->proxy != NULL) {
        /* SMTP through an HTTP proxy goes in a CONNECT tunnel */
        bad |= curl_easy_setopt(e, CURLOPT_PROXY, opt->proxy) != CURLE_OK;
        bad |= curl_easy_setopt(e, CURLOPT_HTTPPROXYTUNNEL, 1L) != CURLE_OK;
    }
    rc = run_blocking(e, bad, errbuf, NULL, 0, 0, res);
    curl_slist_free_all(rcpt);
    free(from);
    return rc;
}

static CURLcode send_all(CURL *e, const char *data, size_t len, long long deadline)
{
    curl_socket_t sock;
    size_t done = 0;

    if (curl_easy_getinfo(e, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK || sock == CURL_SOCKET_BAD)
        return CURLE_SEND_ERROR;
    while (done < len) {
        size_t n = 0;
        CURLcode rc = curl_easy_send(e, data + done, len - done, &n);
        if (rc == CURLE_AGAIN) {
            long long left = deadline - platform_monotonic_ms();
            int ready = left > 0 ? platform_wait_socket((long long)sock, 1, (long)left) : 0;
            if (ready == 0)
                return CURLE_OPERATION_TIMEDOUT;
            if (ready < 0)
                return CURLE_SEND_ERROR;
            continue;
        }
        if (rc != CURLE_OK)
            return rc;
        done += n;
    }
    return CURLE_OK;
}

int duo_stream_send(const char *url, const char *data, size_t len,
                    const duo_transport_options *opt, duo_send_result *res)
{
    char errbuf[CURL_ERROR_SIZE], *target;
    long long deadline = platform_monotonic_ms() + opt->timeout_ms;
    int tls = strncmp(url, "tls://", 6) == 0, bad = 0;
    const char *rest = url + 6;
    CURL *e;
    int rc;

    if (!tls && strncmp(url, "tcp://", 6) != 0) {
        memset(res, 0, sizeof(*res));
        res->error = DUO_NET_NETWORK;
        snprintf(res->message, sizeof(res->message), "a stream URL starts with tcp:// or tls://");
        return -1;
    }
    e = blocking_easy(opt, errbuf, res);
    if (e == NULL)
        return -1;
    /* curl connects (and for https:// completes the TLS handshake, host
     * name verified) and stops there: the stream is ours. */
    target = malloc(strlen(rest) + 9);
    if (target != NULL)
        sprintf(target, "%s://%s", tls ? "https" : "http", rest);
    bad |= target == NULL;
    bad |= curl_easy_setopt(e, CURLOPT_URL, target) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROXY, opt->proxy != NULL ? opt->proxy : "") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_HTTPPROXYTUNNEL, 1L) != CURLE_OK;
    rc = run_blocking(e, bad, errbuf, data, len, deadline, res);
    free(target);
    return rc;
}

const char *duo_transport_version(void)
{
    return curl_version();
}

const char *duo_transport_tls(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

    return v != NULL && v->ssl_version != NULL ? v->ssl_version : "none";
}
