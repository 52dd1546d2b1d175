#include "transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "version.h"

/* Larger replies than this are refused rather than buffered: no Duo
 * response comes near it, and a misbehaving peer must not exhaust memory. */
#define MAX_BODY_BYTES (256u * 1024 * 1024)

struct duo_transfer {
    duo_transport *owner;
    CURL *easy;
    struct curl_slist *headers;
    void *ud;
    int running;                 /* added to the multi handle */
    int queued;                  /* in the done queue */
    duo_transfer *next_done;
    char errbuf[CURL_ERROR_SIZE];
    duo_http_response response;
};

struct duo_transport {
    CURLM *multi;
    duo_transfer *done_head, *done_tail;
    int running;
};

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

static int global_ready = 0;

duo_transport *duo_transport_new(char *err, size_t err_size)
{
    duo_transport *t;

    /* Done on first use rather than at start-up: scripts that never touch
     * the network do not pay for TLS library initialisation. */
    if (!global_ready) {
        CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
        if (rc != CURLE_OK) {
            snprintf(err, err_size, "cannot initialise libcurl: %s", curl_easy_strerror(rc));
            return NULL;
        }
        global_ready = 1;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    t->multi = curl_multi_init();
    if (t->multi == NULL) {
        free(t);
        snprintf(err, err_size, "cannot create a curl multi handle");
        return NULL;
    }
    /* Enough idle connections to keep one per child-account host warm. */
    curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, 256L);
    return t;
}

static void unqueue(duo_transport *t, duo_transfer *x)
{
    duo_transfer **p = &t->done_head, *prev = NULL;

    while (*p != NULL && *p != x) {
        prev = *p;
        p = &(*p)->next_done;
    }
    if (*p == NULL)
        return;
    *p = x->next_done;
    if (t->done_tail == x)
        t->done_tail = prev;
    x->next_done = NULL;
    x->queued = 0;
}

void duo_transfer_free(duo_transfer *x)
{
    if (x == NULL)
        return;
    if (x->running) {
        curl_multi_remove_handle(x->owner->multi, x->easy);
        x->owner->running--;
    }
    if (x->queued)
        unqueue(x->owner, x);
    curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    duo_buf_free(&x->response.body);
    free(x);
}

void duo_transport_free(duo_transport *t)
{
    if (t == NULL)
        return;
    curl_multi_cleanup(t->multi);
    free(t);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    duo_transfer *x = ud;
    size_t n = size * nmemb;

    if (x->response.body.len + n > MAX_BODY_BYTES)
        return 0;   /* makes curl fail the transfer with CURLE_WRITE_ERROR */
    duo_buf_append(&x->response.body, data, n);
    return duo_buf_ok(&x->response.body) ? n : 0;
}

static int add_header(duo_transfer *x, const char *line)
{
    struct curl_slist *l = curl_slist_append(x->headers, line);

    if (l == NULL)
        return -1;
    x->headers = l;
    return 0;
}

static int configure_tls(CURL *e, const duo_transport_options *opt)
{
    struct curl_blob blob;
    CURLcode rc = CURLE_OK;

    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    switch (opt->ca) {
    case DUO_CA_PINNED:
        blob.data = (void *)duo_pinned_roots_pem;
        blob.len = duo_pinned_roots_pem_len;
        blob.flags = CURL_BLOB_NOCOPY;   /* static data outlives every transfer */
        rc = curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
        /* Only the embedded roots: no directory of extra system roots. */
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
        break;
    case DUO_CA_FILE:
        rc = curl_easy_setopt(e, CURLOPT_CAINFO, opt->ca_file);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
        break;
    case DUO_CA_SYSTEM:
        break;   /* libcurl's built-in default is the system store */
    }
    return rc == CURLE_OK ? 0 : -1;
}

duo_transfer *duo_transfer_start(duo_transport *t, const duo_http_request *req,
                                 const duo_transport_options *opt, void *ud,
                                 char *err, size_t err_size)
{
    duo_transfer *x = calloc(1, sizeof(*x));
    CURL *e;
    size_t i;
    int bad = 0;

    if (x == NULL || (x->easy = curl_easy_init()) == NULL) {
        free(x);
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    e = x->easy;
    x->owner = t;
    x->ud = ud;
    x->response.retry_after = -1;
    for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
        bad |= add_header(x, req->headers[i]);
    /* curl would otherwise add "Expect: 100-continue" to larger bodies,
     * costing a round trip per request. */
    bad |= add_header(x, "Expect:");

    bad |= curl_easy_setopt(e, CURLOPT_URL, req->url) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, x) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x) != CURLE_OK;
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
        duo_transfer_free(x);
        return NULL;
    }
    if (curl_multi_add_handle(t->multi, e) != CURLM_OK) {
        snprintf(err, err_size, "cannot start the transfer");
        duo_transfer_free(x);
        return NULL;
    }
    x->running = 1;
    t->running++;
    return x;
}

void *duo_transfer_userdata(const duo_transfer *x)
{
    return x->ud;
}

duo_http_response *duo_transfer_response(duo_transfer *x)
{
    return &x->response;
}

static duo_net_error classify(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return DUO_NET_TIMEOUT;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
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

static void finish(duo_transport *t, duo_transfer *x, CURLcode rc)
{
    duo_http_response *r = &x->response;
    curl_off_t retry_after = -1;
    long status = 0;

    curl_multi_remove_handle(t->multi, x->easy);
    x->running = 0;
    t->running--;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    r->status = status;
    if (curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK
        && retry_after > 0)
        r->retry_after = (long)retry_after;
    if (rc != CURLE_OK) {
        r->error = classify(rc);
        if (rc == CURLE_WRITE_ERROR && !duo_buf_ok(&r->body))
            snprintf(r->message, sizeof(r->message), "out of memory reading the response");
        else if (rc == CURLE_WRITE_ERROR)
            snprintf(r->message, sizeof(r->message), "response larger than %u bytes", MAX_BODY_BYTES);
        else
            snprintf(r->message, sizeof(r->message), "%s",
                     x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
    }
    x->queued = 1;
    if (t->done_tail != NULL)
        t->done_tail->next_done = x;
    else
        t->done_head = x;
    t->done_tail = x;
}

int duo_transport_poll(duo_transport *t, long timeout_ms)
{
    CURLMsg *msg;
    int still = 0, left = 0;

    if (timeout_ms > 0 && t->done_head == NULL) {
        if (timeout_ms > 0x7fffffffL)
            timeout_ms = 0x7fffffffL;
        if (curl_multi_poll(t->multi, NULL, 0, (int)timeout_ms, NULL) != CURLM_OK)
            return -1;
    }
    if (curl_multi_perform(t->multi, &still) != CURLM_OK)
        return -1;
    while ((msg = curl_multi_info_read(t->multi, &left)) != NULL) {
        duo_transfer *x = NULL;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        if (x != NULL)
            finish(t, x, msg->data.result);
    }
    return t->running;
}

duo_transfer *duo_transport_next_done(duo_transport *t)
{
    duo_transfer *x = t->done_head;

    if (x != NULL)
        unqueue(t, x);
    return x;
}

void duo_transport_wakeup(duo_transport *t)
{
    curl_multi_wakeup(t->multi);
}

const char *duo_transport_version(void)
{
    return curl_version();
}
