/* The loop and requests on virtual time, with the outbox backend: the test
 * plays the service, answering each attempt as it is handed out. Cancel
 * in every state, per-host and overall slots, backoff order and growth,
 * Retry-After under max_backoff, deadlines, pacing after 429s, and which
 * failures are retried (a GET's 5xx) and which are not (a POST's). One
 * check uses the libcurl backend against a local socket that never
 * answers, for cancelling a transfer on the network.
 *
 * usage: test_loop DATA_DIR (unused)
 * Prints one line per failed check and ends with "N passed, M failed". */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"

static int passed, failed;
static const char *current_test = "";

#define CHECK(cond) check((cond) != 0, #cond, __LINE__)
#define CHECK_EQ(a, b) check_eq((long long)(a), (long long)(b), #a, #b, __LINE__)

static void check(int ok, const char *what, int line)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    printf("FAIL %s (line %d): %s\n", current_test, line, what);
}

static void check_eq(long long a, long long b, const char *ea, const char *eb, int line)
{
    if (a == b) {
        passed++;
        return;
    }
    failed++;
    printf("FAIL %s (line %d): %s == %s: %lld != %lld\n", current_test, line, ea, eb, a, b);
}

static duo_credentials *cred;

static duo_loop *new_loop(int concurrency, int per_host)
{
    char err[128];
    duo_loop *loop = duo_loop_new(err, sizeof(err));

    if (loop == NULL) {
        fprintf(stderr, "test_loop: %s\n", err);
        exit(1);
    }
    duo_loop_set_virtual_time(loop, 1, 1700000000);
    duo_loop_set_limits(loop, concurrency, per_host);
    return loop;
}

typedef struct req_opts {
    const char *method;          /* default GET */
    const char *host;            /* default api-test.example */
    int outbox;                  /* default 1 (0: set network) */
    int network;
    int idempotent;
    int max_retries;             /* default 6 (-1: 0) */
    long max_backoff_ms;         /* default 32000 */
    long deadline_ms;
} req_opts;

static duo_op *request(duo_loop *loop, const char *path, req_opts o)
{
    duo_request_spec spec;
    duo_transport_options opt;
    duo_retry_policy retry;
    char err[256];
    duo_op *op;

    memset(&spec, 0, sizeof(spec));
    memset(&opt, 0, sizeof(opt));
    spec.method = o.method != NULL ? o.method : "GET";
    spec.host = o.host != NULL ? o.host : "api-test.example";
    spec.path = path;
    spec.sig_version = 5;
    spec.outbox = !o.network;
    spec.idempotent = o.idempotent;
    if (strcmp(spec.method, "GET") != 0) {
        spec.body = "{}";
        spec.body_len = 2;
    }
    opt.timeout_ms = 60000;
    opt.connect_timeout_ms = 10000;
    opt.ca = DUO_CA_SYSTEM;
    retry.max_retries = o.max_retries < 0 ? 0 : o.max_retries > 0 ? o.max_retries : 6;
    retry.max_backoff_ms = o.max_backoff_ms > 0 ? o.max_backoff_ms : 32000;
    retry.deadline_ms = o.deadline_ms;
    op = duo_request_new(loop, &spec, cred, &opt, &retry, err, sizeof(err));
    if (op == NULL) {
        fprintf(stderr, "test_loop: %s\n", err);
        exit(1);
    }
    return op;
}

static const req_opts DEFAULTS;

/* The path of an attempt handed out by the outbox. */
static const char *path_of(duo_op *op)
{
    const duo_http_request *w = duo_request_wire(op);
    const char *p;

    if (w == NULL)
        return "(none)";
    p = strstr(w->url, "://");
    p = p != NULL ? strchr(p + 3, '/') : NULL;
    return p != NULL ? p : w->url;
}

static void respond(duo_op *op, long status, long retry_after)
{
    static const char ok[] = "{\"stat\":\"OK\",\"response\":{}}";
    static const char fail[] = "{\"stat\":\"FAIL\",\"code\":42901,\"message\":\"Too Many Requests\"}";
    const char *body = status == 200 ? ok : fail;

    CHECK(op != NULL);
    if (op == NULL)
        return;
    CHECK_EQ(duo_request_respond(op, status, body, strlen(body), retry_after), 0);
}

static void drain_done(duo_loop *loop)
{
    while (duo_loop_next_done(loop) != NULL)
        ;
}

/* Runs the loop until an attempt is handed out (collecting finished
 * operations, as the scheduler does); returns it, or NULL when
 * nothing is left to do. */
static duo_op *next_attempt(duo_loop *loop)
{
    int i;

    for (i = 0; i < 1000; i++) {
        duo_op *op = duo_loop_next_outgoing(loop);
        if (op != NULL)
            return op;
        drain_done(loop);
        if (duo_loop_run_once(loop, -1) < 0)
            return NULL;
        op = duo_loop_next_outgoing(loop);
        if (op != NULL)
            return op;
        if (duo_loop_pending(loop) == 0)
            return NULL;
    }
    return NULL;
}

/* ------------------------------------------------------------------ */

static void test_cancel_queued(void)
{
    duo_loop *loop = new_loop(1, 0);
    duo_op *a = request(loop, "/a", DEFAULTS), *b = request(loop, "/b", DEFAULTS);

    current_test = "cancel a queued request";
    duo_loop_run_once(loop, 0);
    CHECK(strcmp(duo_op_state(a), "running") == 0);
    CHECK(strcmp(duo_op_state(b), "queued") == 0);
    duo_op_cancel(b);
    CHECK(duo_op_is_done(b));
    CHECK_EQ(duo_request_result_of(b)->error, DUO_NET_CANCELLED);
    CHECK_EQ(duo_request_result_of(b)->attempts, 0);
    CHECK(duo_loop_next_outgoing(loop) == a);
    respond(a, 200, -1);
    duo_loop_run_once(loop, 0);
    CHECK(duo_loop_next_outgoing(loop) == NULL);
    CHECK_EQ(duo_loop_pending(loop), 0);
    CHECK_EQ(duo_loop_in_flight(loop, NULL), 0);
    duo_op_free(a);
    duo_op_free(b);
    duo_loop_free(loop);
}

static void test_cancel_in_outbox(void)
{
    duo_loop *loop = new_loop(4, 0);
    duo_op *a = request(loop, "/a", DEFAULTS), *b = request(loop, "/b", DEFAULTS);
    duo_op *taken;

    current_test = "cancel a request in the outbox, handed out or not";
    duo_loop_run_once(loop, 0);
    CHECK_EQ(duo_loop_in_flight(loop, NULL), 2);
    taken = duo_loop_next_outgoing(loop);
    CHECK(taken == a);
    duo_op_cancel(a);           /* handed out, waiting for its answer */
    duo_op_cancel(b);           /* not handed out yet */
    CHECK_EQ(duo_loop_in_flight(loop, NULL), 0);
    CHECK(duo_request_wire(a) == NULL);
    CHECK(duo_request_respond(a, 200, "{}", 2, -1) != 0);
    CHECK(duo_loop_next_outgoing(loop) == NULL);
    CHECK_EQ(duo_request_result_of(b)->error, DUO_NET_CANCELLED);
    duo_op_free(a);
    duo_op_free(b);
    duo_loop_free(loop);
}

static void test_cancel_backing_off_and_done(void)
{
    duo_loop *loop = new_loop(4, 0);
    duo_op *a = request(loop, "/a", DEFAULTS), *b = request(loop, "/b", DEFAULTS);

    current_test = "cancel a request backing off, and a finished one";
    respond(next_attempt(loop), 429, -1);
    CHECK(strcmp(duo_op_state(a), "waiting") == 0);
    CHECK_EQ(duo_loop_in_flight(loop, NULL), 1);
    duo_op_cancel(a);
    CHECK(duo_op_is_done(a));
    CHECK_EQ(duo_request_result_of(a)->error, DUO_NET_CANCELLED);
    CHECK_EQ(duo_request_result_of(a)->attempts, 1);
    respond(next_attempt(loop), 200, -1);
    CHECK(duo_op_is_done(b));
    duo_op_cancel(b);           /* done: stays as it was */
    CHECK_EQ(duo_request_result_of(b)->error, DUO_NET_OK);
    CHECK_EQ(duo_request_result_of(b)->status, 200);
    CHECK(next_attempt(loop) == NULL);
    CHECK_EQ(duo_loop_pending(loop), 0);
    duo_op_free(a);
    duo_op_free(b);
    duo_loop_free(loop);
}

static void test_cancel_on_network(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    char host[64];
    duo_loop *loop;
    duo_op *op;
    req_opts o = DEFAULTS;
    int i;

    current_test = "cancel a transfer on the network";
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(s, 4) != 0
        || getsockname(s, (struct sockaddr *)&sa, &len) != 0) {
        CHECK(!"a listening socket");
        return;
    }
    /* The kernel accepts the connection; nobody ever answers the TLS
     * handshake. */
    snprintf(host, sizeof(host), "127.0.0.1:%d", ntohs(sa.sin_port));
    loop = new_loop(4, 0);
    duo_loop_set_virtual_time(loop, 0, 0);
    o.network = 1;
    o.host = host;
    op = request(loop, "/a", o);
    for (i = 0; i < 5; i++)
        duo_loop_run_once(loop, 10);
    CHECK(strcmp(duo_op_state(op), "running") == 0);
    CHECK_EQ(duo_loop_in_flight(loop, host), 1);
    duo_op_cancel(op);
    CHECK(duo_op_is_done(op));
    CHECK_EQ(duo_loop_in_flight(loop, host), 0);
    CHECK_EQ(duo_request_result_of(op)->error, DUO_NET_CANCELLED);
    duo_op_free(op);
    duo_loop_free(loop);
    close(s);
}

static void test_free_in_every_state(void)
{
    duo_loop *loop = new_loop(1, 0);
    duo_op *running = request(loop, "/a", DEFAULTS), *queued = request(loop, "/b", DEFAULTS);
    duo_op *timer = duo_timer_new(loop, 5000), *left;

    current_test = "free operations in every state, and a loop with some left";
    duo_loop_run_once(loop, 0);
    CHECK_EQ(duo_loop_pending(loop), 3);
    duo_op_free(queued);
    duo_op_free(running);
    CHECK_EQ(duo_loop_pending(loop), 1);
    CHECK_EQ(duo_loop_in_flight(loop, NULL), 0);
    duo_op_free(timer);
    CHECK_EQ(duo_loop_pending(loop), 0);
    left = request(loop, "/c", DEFAULTS);
    duo_loop_run_once(loop, 0);
    duo_loop_free(loop);
    CHECK(duo_op_is_done(left));
    CHECK_EQ(duo_request_result_of(left)->error, DUO_NET_CANCELLED);
    duo_op_free(left);
}

static void test_slots(void)
{
    duo_loop *loop = new_loop(3, 0);
    duo_op *ops[10], *x;
    req_opts a = DEFAULTS, b = DEFAULTS;
    int i, answered = 0;

    current_test = "overall and per-host slots";
    for (i = 0; i < 10; i++)
        ops[i] = request(loop, "/x", DEFAULTS);
    duo_loop_run_once(loop, 0);
    CHECK_EQ(duo_loop_in_flight(loop, NULL), 3);
    while ((x = next_attempt(loop)) != NULL) {
        CHECK(duo_loop_in_flight(loop, NULL) <= 3);
        respond(x, 200, -1);
        answered++;
    }
    CHECK_EQ(answered, 10);
    duo_loop_free(loop);
    for (i = 0; i < 10; i++)
        duo_op_free(ops[i]);

    loop = new_loop(8, 2);
    a.host = "a.example";
    b.host = "b.example";
    for (i = 0; i < 10; i++)
        ops[i] = request(loop, "/x", i < 5 ? a : b);
    duo_loop_run_once(loop, 0);
    CHECK_EQ(duo_loop_in_flight(loop, "a.example"), 2);
    CHECK_EQ(duo_loop_in_flight(loop, "b.example"), 2);
    CHECK_EQ(duo_loop_in_flight(loop, NULL), 4);
    duo_loop_free(loop);
    for (i = 0; i < 10; i++)
        duo_op_free(ops[i]);
}

static void test_backoff_order(void)
{
    duo_loop *loop = new_loop(1, 0);
    req_opts other = DEFAULTS;
    duo_op *a, *b, *x;
    long long t[8];
    int i;

    current_test = "backoff: 1 s, 2 s, 4 s (+ < 1 s), and a retry goes first";
    other.host = "other.example";
    a = request(loop, "/a", DEFAULTS);
    b = request(loop, "/b", other);
    for (i = 0; i < 4; i++) {
        x = next_attempt(loop);
        CHECK(x == a);
        t[i] = duo_loop_now_ms(loop);
        respond(x, 429, -1);
        if (i == 0) {
            /* the slot is free again: b (another host) goes meanwhile */
            x = next_attempt(loop);
            CHECK(x == b);
            CHECK_EQ(duo_loop_now_ms(loop), t[0]);
            respond(x, 200, -1);
        }
    }
    x = next_attempt(loop);
    CHECK(x == a);
    t[4] = duo_loop_now_ms(loop);
    respond(x, 200, -1);
    for (i = 1; i <= 4; i++) {
        long long wait = t[i] - t[i - 1], base = 1000LL << (i - 1);
        CHECK(wait >= base && wait < base + 1000);
    }
    CHECK_EQ(duo_request_result_of(a)->attempts, 5);
    CHECK_EQ(duo_request_result_of(a)->status, 200);
    duo_op_free(a);
    duo_op_free(b);
    duo_loop_free(loop);

    /* a retry due goes ahead of requests queued before it */
    loop = new_loop(1, 0);
    a = request(loop, "/a", DEFAULTS);
    x = next_attempt(loop);
    respond(x, 429, 1);
    b = request(loop, "/b", other);
    /* b takes the free slot and holds it past a's backoff */
    x = next_attempt(loop);
    CHECK(x == b);
    {
        duo_op *c = request(loop, "/c", other), *timer = duo_timer_new(loop, 1500);
        while (!duo_op_is_done(timer)) {
            drain_done(loop);
            duo_loop_run_once(loop, -1);
        }
        respond(b, 200, -1);
        x = next_attempt(loop);
        CHECK(x == a);
        respond(x, 200, -1);
        x = next_attempt(loop);
        CHECK(x == c);
        respond(x, 200, -1);
        duo_op_free(c);
        duo_op_free(timer);
    }
    duo_op_free(a);
    duo_op_free(b);
    duo_loop_free(loop);
}

static void test_retry_after(void)
{
    duo_loop *loop = new_loop(4, 0);
    req_opts capped = DEFAULTS;
    duo_op *a, *x;
    long long t0;

    current_test = "Retry-After honoured, capped by max_backoff";
    a = request(loop, "/a", DEFAULTS);
    x = next_attempt(loop);
    t0 = duo_loop_now_ms(loop);
    respond(x, 429, 3);
    x = next_attempt(loop);
    CHECK_EQ(duo_loop_now_ms(loop) - t0, 3000);
    respond(x, 200, -1);
    duo_op_free(a);

    capped.max_backoff_ms = 2000;
    a = request(loop, "/a", capped);
    x = next_attempt(loop);
    t0 = duo_loop_now_ms(loop);
    respond(x, 429, 3600);
    x = next_attempt(loop);
    CHECK_EQ(duo_loop_now_ms(loop) - t0, 2000);
    respond(x, 429, -1);        /* the exponential wait is capped too */
    t0 = duo_loop_now_ms(loop);
    x = next_attempt(loop);
    CHECK(duo_loop_now_ms(loop) - t0 <= 2000);
    respond(x, 200, -1);
    CHECK_EQ(duo_request_result_of(a)->attempts, 3);
    duo_op_free(a);
    duo_loop_free(loop);
}

static void test_deadline(void)
{
    duo_loop *loop = new_loop(1, 0);
    req_opts o = DEFAULTS, other = DEFAULTS;
    duo_op *a, *b, *x, *timer;
    duo_request_result *r;
    long long start;

    current_test = "a deadline bounds a call with its retries";
    o.deadline_ms = 5000;
    a = request(loop, "/a", o);
    while ((x = next_attempt(loop)) != NULL)
        respond(x, 429, -1);
    r = duo_request_result_of(a);
    CHECK(duo_op_is_done(a));
    CHECK_EQ(r->status, 429);
    CHECK_EQ(r->attempts, 3);   /* at ~0, ~1, ~3 s: the next, at ~7 s, is too late */
    CHECK(strstr(r->note, "deadline") != NULL);
    CHECK(duo_loop_now_ms(loop) < 5000);
    duo_op_free(a);

    /* a request that waits for a slot fails at its deadline, never started */
    other.host = "other.example";
    a = request(loop, "/a", other);
    start = duo_loop_now_ms(loop);
    b = request(loop, "/b", o);
    x = next_attempt(loop);
    CHECK(x == a);
    timer = duo_timer_new(loop, 6000);   /* a backstop: the loop must act before */
    while (!duo_op_is_done(b) && !duo_op_is_done(timer)) {
        drain_done(loop);
        duo_loop_run_once(loop, -1);
    }
    CHECK(duo_op_is_done(b));
    CHECK_EQ(duo_loop_now_ms(loop), start + 5000);
    CHECK(strstr(duo_request_result_of(b)->message, "deadline") != NULL);
    CHECK_EQ(duo_request_result_of(b)->elapsed_ms, 5000);
    respond(a, 200, -1);
    CHECK(next_attempt(loop) == NULL);
    CHECK(duo_op_is_done(b));
    CHECK_EQ(duo_request_result_of(b)->error, DUO_NET_TIMEOUT);
    CHECK_EQ(duo_request_result_of(b)->attempts, 0);
    duo_op_free(a);
    duo_op_free(b);
    duo_op_free(timer);
    duo_loop_free(loop);
}

static void test_which_failures_retry(void)
{
    duo_loop *loop = new_loop(4, 0);
    req_opts post = DEFAULTS, read_post = DEFAULTS;
    static const long transient[] = { 500, 502, 503, 504 };
    duo_op *a, *x;
    size_t i;

    current_test = "5xx: a GET is retried, a POST is not (unless it only reads)";
    post.method = "POST";
    read_post.method = "POST";
    read_post.idempotent = 1;
    for (i = 0; i < sizeof(transient) / sizeof(transient[0]); i++) {
        a = request(loop, "/get", DEFAULTS);
        respond(next_attempt(loop), transient[i], -1);
        CHECK(strcmp(duo_op_state(a), "waiting") == 0);
        respond(next_attempt(loop), 200, -1);
        CHECK_EQ(duo_request_result_of(a)->attempts, 2);
        duo_op_free(a);

        a = request(loop, "/post", post);
        respond(next_attempt(loop), transient[i], -1);
        CHECK(duo_op_is_done(a));
        CHECK_EQ(duo_request_result_of(a)->attempts, 1);
        CHECK(strstr(duo_request_result_of(a)->note, "not retried") != NULL);
        duo_op_free(a);
    }
    a = request(loop, "/list", read_post);
    respond(next_attempt(loop), 503, -1);
    CHECK(strcmp(duo_op_state(a), "waiting") == 0);
    respond(next_attempt(loop), 200, -1);
    CHECK_EQ(duo_request_result_of(a)->attempts, 2);
    duo_op_free(a);

    /* 429 means "not processed": even a POST is retried */
    a = request(loop, "/post", post);
    respond(next_attempt(loop), 429, -1);
    CHECK(strcmp(duo_op_state(a), "waiting") == 0);
    respond(next_attempt(loop), 200, -1);
    duo_op_free(a);

    /* 501 and 4xx are final */
    a = request(loop, "/get", DEFAULTS);
    respond(next_attempt(loop), 501, -1);
    CHECK(duo_op_is_done(a));
    CHECK_EQ(duo_request_result_of(a)->note[0], '\0');
    duo_op_free(a);

    /* max_retries bounds the transient retries too */
    {
        req_opts few = DEFAULTS;
        few.max_retries = 2;
        a = request(loop, "/get", few);
        while ((x = next_attempt(loop)) != NULL)
            respond(x, 502, -1);
        CHECK_EQ(duo_request_result_of(a)->attempts, 3);
        CHECK_EQ(duo_request_result_of(a)->status, 502);
        CHECK(strstr(duo_request_result_of(a)->note, "gave up after 3 attempts") != NULL);
        duo_op_free(a);
    }
    drain_done(loop);
    duo_loop_free(loop);
}

static void test_pacing(void)
{
    duo_loop *loop = new_loop(8, 0);
    duo_op *ops[24], *x;
    int i, answered = 0, max_paced = 0, throttles = 0;
    long long last_start = -1, min_gap = -1;

    current_test = "pacing: a throttled host gets fewer transfers, spaced, until it recovers";
    for (i = 0; i < 24; i++)
        ops[i] = request(loop, "/x", DEFAULTS);
    duo_loop_run_once(loop, 0);
    CHECK_EQ(duo_loop_in_flight(loop, NULL), 8);
    /* all eight answered 429: one decrease (they were sent together) */
    for (i = 0; i < 8; i++) {
        respond(next_attempt(loop), 429, 2);
        throttles++;
    }
    CHECK(duo_loop_host_paced(loop, "api-test.example"));
    CHECK_EQ(duo_loop_in_flight(loop, NULL), 0);
    /* the service is fine again; the host comes back slot by slot */
    while ((x = next_attempt(loop)) != NULL) {
        long long now = duo_loop_now_ms(loop);
        int in_flight = duo_loop_in_flight(loop, NULL);
        if (duo_loop_host_paced(loop, "api-test.example")) {
            if (in_flight > max_paced)
                max_paced = in_flight;
            if (last_start >= 0 && (min_gap < 0 || now - last_start < min_gap))
                min_gap = now - last_start;
            last_start = now;
        }
        CHECK(now >= 2000);     /* nothing before the Retry-After */
        respond(x, 200, -1);
        answered++;
    }
    CHECK_EQ(answered, 24);
    CHECK(max_paced <= 4);
    CHECK(min_gap > 0);
    CHECK(!duo_loop_host_paced(loop, "api-test.example"));
    for (i = 0; i < 24; i++) {
        CHECK(duo_op_is_done(ops[i]));
        CHECK_EQ(duo_request_result_of(ops[i])->status, 200);
    }
    for (i = 0; i < 24; i++)
        duo_op_free(ops[i]);
    duo_loop_free(loop);
    (void)throttles;
}

static void test_timers(void)
{
    duo_loop *loop = new_loop(8, 0);
    duo_op *late = duo_timer_new(loop, 3000), *early = duo_timer_new(loop, 1000);
    duo_op *order[3] = { NULL, NULL, NULL }, *op;
    int n = 0;

    current_test = "timers finish in due order on virtual time";
    while (duo_loop_pending(loop) > 0 && n < 2) {
        duo_loop_run_once(loop, -1);
        while ((op = duo_loop_next_done(loop)) != NULL && n < 3)
            order[n++] = op;
    }
    CHECK(order[0] == early);
    CHECK(order[1] == late);
    CHECK_EQ(duo_loop_now_ms(loop), 3000);
    duo_op_free(late);
    duo_op_free(early);
    duo_loop_free(loop);
}

static void test_wire(void)
{
    duo_loop *loop = new_loop(8, 0);
    duo_op *a = request(loop, "/admin/v1/users", DEFAULTS), *x;
    const duo_http_request *w;
    int i, has_auth = 0, has_date = 0;

    current_test = "an outbox attempt is built and signed";
    x = next_attempt(loop);
    CHECK(x == a);
    CHECK(strcmp(path_of(x), "/admin/v1/users") == 0);
    w = duo_request_wire(x);
    CHECK(w != NULL && strcmp(w->method, "GET") == 0);
    for (i = 0; w != NULL && w->headers[i] != NULL; i++) {
        has_auth |= strncmp(w->headers[i], "Authorization: Basic ", 21) == 0;
        has_date |= strncmp(w->headers[i], "Date: ", 6) == 0;
    }
    CHECK(has_auth && has_date);
    respond(x, 200, -1);
    CHECK(duo_request_wire(x) == NULL);
    duo_op_free(a);
    duo_loop_free(loop);
}

static void test_response_cap(void)
{
    duo_buf b = DUO_BUF_INIT;
    char chunk[300];
    int i, refused = 0;

    current_test = "a response buffer never grows past its cap";
    memset(chunk, 'x', sizeof(chunk));
    for (i = 0; i < 10; i++) {
        if (duo_buf_reserve_within(&b, sizeof(chunk), 1000) != 0) {
            refused = 1;
            break;
        }
        duo_buf_append(&b, chunk, sizeof(chunk));
    }
    CHECK(refused);
    CHECK_EQ(b.len, 900);
    CHECK(b.cap <= 1001);       /* doubling stopped at the cap */
    CHECK(duo_buf_ok(&b));      /* over the cap is not out of memory */
    CHECK_EQ(duo_buf_reserve_within(&b, 100, 1000), 0);
    duo_buf_free(&b);
}

int main(void)
{
    cred = duo_credentials_new("DITESTIKEY0000000001", "testsecret", 10, DUO_DIGEST_SHA512);
    if (cred == NULL)
        return 1;
    test_cancel_queued();
    test_cancel_in_outbox();
    test_cancel_backing_off_and_done();
    test_cancel_on_network();
    test_free_in_every_state();
    test_slots();
    test_backoff_order();
    test_retry_after();
    test_deadline();
    test_which_failures_retry();
    test_pacing();
    test_timers();
    test_wire();
    test_response_cap();
    duo_credentials_unref(cred);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
