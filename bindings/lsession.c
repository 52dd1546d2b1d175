/* Sessions: one integration's credentials and transport options, held in C
 * so the secret key never becomes a Lua value, and the requests made with
 * them. The Lua client (scripts/duo/client.lua) wraps a session. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "duo_limits.h"
#include "lduo.h"
#include "lloop.h"
#include "lopts.h"
#include "lparams.h"
#include "platform.h"

#define SESSION_MT "duo.session"

typedef struct session {
    duo_credentials *cred;
    char *host;
    duo_transport_options opt;     /* strings owned */
    duo_retry_policy retry;
    int sig_version;
} session;

static const char *const session_options[] = {
    "host", "ikey", "skey", "sig_version", "timeout", "connect_timeout", "ca",
    "proxy", "max_retries", "max_backoff", "user_agent", "deadline", "max_response_bytes", NULL
};

static void session_release(session *s)
{
    duo_credentials_unref(s->cred);
    free(s->host);
    duo_transport_options_free(&s->opt);
    memset(s, 0, sizeof(*s));
}

static int session_gc(lua_State *L)
{
    session_release(luaL_checkudata(L, 1, SESSION_MT));
    return 0;
}

/* Pushes a session userdata with copies of host and options; the caller
 * sets its credentials. Raises when out of memory (nothing leaks: the
 * userdata's finalizer frees what was copied). */
static session *new_session(lua_State *L, const char *host, const duo_transport_options *opt,
                            const duo_retry_policy *retry, int sig_version)
{
    session *s = lua_newuserdatauv(L, sizeof(*s), 0);

    memset(s, 0, sizeof(*s));
    luaL_setmetatable(L, SESSION_MT);
    s->host = duo_strdup(host);
    if (s->host == NULL || duo_transport_options_copy(&s->opt, opt) != 0)
        luaL_error(L, "out of memory");
    s->retry = *retry;
    s->sig_version = sig_version;
    return s;
}

static const char *required(lua_State *L, const char *field, size_t *len)
{
    const char *s = duo_opt_string(L, 1, 1, field, len);
    if (s == NULL || s[0] == '\0')
        luaL_argerror(L, 1, lua_pushfstring(L, "'%s' is required", field));
    return s;
}

static long seconds_to_ms(lua_State *L, const char *field, lua_Number def)
{
    lua_Number v = duo_opt_number(L, 1, 1, field, def);
    if (!(v > 0 && v <= DUO_MAX_TIMEOUT_S))
        luaL_argerror(L, 1, lua_pushfstring(L, "'%s' must be between 0 and %d seconds", field,
                                            DUO_MAX_TIMEOUT_S));
    return (long)(v * 1000);
}

/* The options of the engine's resilience (SPEC section 5): the deadline
 * of a whole call and the cap of a response. */
static void read_limits(lua_State *L, duo_transport_options *opt, duo_retry_policy *retry)
{
    lua_Integer bytes = duo_opt_integer(L, 1, 1, "max_response_bytes", DUO_DEFAULT_RESPONSE_BYTES);

    if (bytes < 1024 || bytes > DUO_MAX_RESPONSE_BYTES)
        luaL_argerror(L, 1, lua_pushfstring(L, "'max_response_bytes' must be between 1024 and %d",
                                            (int)DUO_MAX_RESPONSE_BYTES));
    opt->max_response_bytes = (long)bytes;
    lua_getfield(L, 1, "deadline");
    retry->deadline_ms = lua_isnil(L, -1) ? 0 : seconds_to_ms(L, "deadline", 0);
    lua_pop(L, 1);
}

/* Whether the open file f holds a PEM certificate ("-----BEGIN
 * CERTIFICATE-----" starting a line): 1 yes, 0 no (an empty file such as
 * /dev/null, a key, any other text), -1 when it cannot be read (errno set).
 * PEM lines are short, so a marker always starts a chunk fgets returns. */
static int holds_pem_certificate(FILE *f)
{
    static const char marker[] = "-----BEGIN CERTIFICATE-----";
    char line[512];

    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, marker, sizeof(marker) - 1) == 0)
            return 1;
    }
    return ferror(f) ? -1 : 0;
}

/* The transport options and retry policy of the table at index 1
 * (SPEC section 4), shared by Duo sessions and plain requests. ca_default
 * is what an absent `ca` means. The strings point into the table.
 * (Declared in lduo.h: the notification sends read the same options.) */
void duo_read_transport(lua_State *L, duo_ca_kind ca_default, duo_transport_options *opt,
                        duo_retry_policy *retry)
{
    const char *ca;
    lua_Integer retries;
    lua_Number backoff;
    duo_ca_kind ca_kind = ca_default;

    opt->timeout_ms = seconds_to_ms(L, "timeout", 60);
    opt->connect_timeout_ms = seconds_to_ms(L, "connect_timeout", 10);
    retries = duo_opt_integer(L, 1, 1, "max_retries", DUO_DEFAULT_RETRIES);
    if (retries < 0 || retries > DUO_MAX_RETRIES)
        luaL_argerror(L, 1, lua_pushfstring(L, "'max_retries' must be between 0 and %d",
                                            DUO_MAX_RETRIES));
    backoff = duo_opt_number(L, 1, 1, "max_backoff", DUO_DEFAULT_BACKOFF_S);
    if (!(backoff >= 0 && backoff <= DUO_MAX_BACKOFF_S))
        luaL_argerror(L, 1, lua_pushfstring(L, "'max_backoff' must be between 0 and %d seconds",
                                            DUO_MAX_BACKOFF_S));
    ca = duo_opt_string(L, 1, 1, "ca", NULL);
    if (ca != NULL && strcmp(ca, "pinned") == 0) {
        ca_kind = DUO_CA_PINNED;
        ca = NULL;
    } else if (ca != NULL && strcmp(ca, "system") == 0) {
        ca_kind = DUO_CA_SYSTEM;
        ca = NULL;
    } else if (ca != NULL) {
        FILE *f = platform_fopen(ca, "r");
        int pem;
        if (f == NULL)
            luaL_error(L, "ca file '%s' cannot be read (%s): give \"pinned\", \"system\" or the path of a PEM file",
                       ca, strerror(errno));
        pem = holds_pem_certificate(f);
        if (fclose(f) != 0 && pem == 1)
            pem = -1;
        if (pem < 0)
            luaL_error(L, "ca file '%s' cannot be read (%s): give \"pinned\", \"system\" or the path of a PEM file",
                       ca, strerror(errno));
        if (pem == 0)
            luaL_error(L, "ca file '%s' holds no PEM certificate, so it cannot verify any server: give \"pinned\", "
                       "\"system\" or the path of a PEM file of CA certificates", ca);
        ca_kind = DUO_CA_FILE;
    }
    opt->ca = ca_kind;
    opt->ca_file = ca;
    opt->proxy = duo_opt_string(L, 1, 1, "proxy", NULL);
    opt->user_agent = duo_opt_string(L, 1, 1, "user_agent", NULL);
    retry->max_retries = (int)retries;
    retry->max_backoff_ms = (long)(backoff * 1000);
    read_limits(L, opt, retry);
}

/* _session.session{ host, ikey, skey, ... } -> session. Option names and
 * types are checked here; the Lua layer adds profile handling. */
static int l_session(lua_State *L)
{
    const char *host, *ikey, *skey;
    size_t skey_len;
    lua_Integer sig;
    duo_transport_options opt;
    duo_retry_policy retry;
    session *s;

    luaL_checktype(L, 1, LUA_TTABLE);
    duo_check_options(L, 1, 1, session_options);
    host = required(L, "host", NULL);
    ikey = required(L, "ikey", NULL);
    skey = required(L, "skey", &skey_len);
    (void)duo_secret_loaded();  /* best effort: nothing to do if it fails */
    if (strpbrk(host, "/ \t\r\n?#@") != NULL)
        luaL_argerror(L, 1, "'host' must be a host name with an optional :port, like api-xxxxxxxx.duosecurity.com");
    sig = duo_opt_integer(L, 1, 1, "sig_version", 5);
    if (sig != 2 && sig != 5)
        luaL_argerror(L, 1, "'sig_version' must be 5 or 2");
    duo_read_transport(L, DUO_CA_PINNED, &opt, &retry);
    s = new_session(L, host, &opt, &retry, (int)sig);
    s->cred = duo_credentials_new(ikey, skey, skey_len, DUO_DIGEST_SHA512);
    if (s->cred == NULL) {
        session_release(s);
        return luaL_error(L, "out of memory");
    }
    return 1;
}

static session *check_session(lua_State *L)
{
    session *s = luaL_checkudata(L, 1, SESSION_MT);
    if (s->cred == NULL)
        luaL_argerror(L, 1, "session already closed");
    return s;
}

static const char *const request_options[] = {
    "method", "path", "params", "body", "headers", "unsigned", "outbox", "idempotent", NULL
};

static size_t read_headers(lua_State *L, int arg, duo_header *h)
{
    size_t n = 0;

    if (lua_getfield(L, arg, "headers") == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    luaL_argcheck(L, lua_istable(L, -1), arg, "'headers' must be a table");
    n = duo_opt_headers(L, -1, arg, h, DUO_MAX_HEADERS);
    lua_pop(L, 1);   /* the table: its strings stay alive in the argument */
    return n;
}

static int valid_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0
           || strcmp(m, "PATCH") == 0 || strcmp(m, "DELETE") == 0;
}

/* session:request{ method, path, params, body, headers, unsigned, outbox,
 * idempotent } -> op (idempotent: a read that is safe to send twice; GET
 * always is). The request is queued at once; the loop runs it. */
static int l_request(lua_State *L)
{
    session *s = check_session(L);
    duo_header headers[DUO_MAX_HEADERS];
    duo_request_spec spec;
    duo_lparams params;
    int has_params = 0;
    duo_op_box *box;
    char err[256];

    luaL_checktype(L, 2, LUA_TTABLE);
    duo_check_options(L, 2, 2, request_options);
    memset(&spec, 0, sizeof(spec));
    spec.method = duo_opt_string(L, 2, 2, "method", NULL);
    spec.path = duo_opt_string(L, 2, 2, "path", NULL);
    luaL_argcheck(L, spec.method != NULL && valid_method(spec.method), 2,
                  "'method' must be GET, POST, PUT, PATCH or DELETE");
    luaL_argcheck(L, spec.path != NULL && spec.path[0] == '/', 2,
                  "'path' must start with '/'");
    spec.body = duo_opt_string(L, 2, 2, "body", &spec.body_len);
    spec.header_count = read_headers(L, 2, headers);
    spec.headers = headers;
    lua_getfield(L, 2, "unsigned");
    spec.unsigned_request = lua_toboolean(L, -1);
    lua_getfield(L, 2, "outbox");
    spec.outbox = lua_toboolean(L, -1);
    lua_getfield(L, 2, "idempotent");
    spec.idempotent = lua_toboolean(L, -1);
    lua_pop(L, 3);
    spec.host = s->host;
    spec.sig_version = s->sig_version;

    /* Userdata first: from here on a raised error cannot leak the op. */
    box = duo_push_op_box(L);
    if (lua_getfield(L, 2, "params") != LUA_TNIL) {
        luaL_argcheck(L, lua_istable(L, -1), 2, "'params' must be a table");
        if (duo_lparams_collect(L, -1, 2, &params) != 0)
            return luaL_error(L, "out of memory");
        has_params = 1;
        spec.params = &params.list;
    }
    box->op = duo_request_new(duo_lua_loop(L), &spec, s->cred, &s->opt, &s->retry,
                              err, sizeof(err));
    if (has_params)
        duo_lparams_free(&params);
    lua_pop(L, 1);   /* params */
    if (box->op == NULL)
        return luaL_error(L, "%s", err);
    duo_register_op(L, box);
    return 1;
}

/* session:with_host(host) -> a session with the same keys and options for
 * another host: a child account's api_hostname. */
static int l_with_host(lua_State *L)
{
    session *s = check_session(L), *c;
    const char *host = luaL_checkstring(L, 2);

    if (host[0] == '\0' || strpbrk(host, "/ \t\r\n?#@") != NULL)
        luaL_argerror(L, 2, "must be a host name with an optional :port");
    c = new_session(L, host, &s->opt, &s->retry, s->sig_version);
    c->cred = duo_credentials_ref(s->cred);
    return 1;
}

static const char *const http_options[] = {
    "method", "url", "headers", "body", "idempotent", "timeout", "connect_timeout", "ca",
    "proxy", "max_retries", "max_backoff", "user_agent", "deadline", "max_response_bytes",
    "secret_path", NULL
};

/* _session.http{ method, url, headers, body, idempotent, transport
 * options } -> op: a plain HTTPS request (duo.http), unsigned, sent as
 * given, on the same loop and backend as Duo's. An absent `ca` is the
 * system store: such hosts are not Duo's. Names in headers must be tokens
 * and values single lines, so nothing can be smuggled into the request. */
static int l_http(lua_State *L)
{
    duo_header headers[DUO_MAX_HEADERS];
    duo_transport_options opt;
    duo_retry_policy retry;
    duo_request_spec spec;
    duo_op_box *box;
    char err[256];
    size_t i;

    luaL_checktype(L, 1, LUA_TTABLE);
    duo_check_options(L, 1, 1, http_options);
    memset(&spec, 0, sizeof(spec));
    spec.method = duo_opt_string(L, 1, 1, "method", NULL);
    luaL_argcheck(L, spec.method != NULL && valid_method(spec.method), 1,
                  "'method' must be GET, POST, PUT, PATCH or DELETE");
    spec.url = duo_opt_string(L, 1, 1, "url", NULL);
    luaL_argcheck(L, spec.url != NULL && strncmp(spec.url, "https://", 8) == 0
                     && spec.url[8] != '\0' && strpbrk(spec.url, " \t\r\n") == NULL, 1,
                  "'url' must be an https:// URL without spaces");
    spec.body = duo_opt_string(L, 1, 1, "body", &spec.body_len);
    spec.header_count = read_headers(L, 1, headers);
    spec.headers = headers;
    for (i = 0; i < spec.header_count; i++) {
        const duo_header *h = &headers[i];
        luaL_argcheck(L, h->name_len > 0 && strcspn(h->name, " \t\r\n:") == h->name_len, 1,
                      "a header name must be a token (no spaces, colons or line breaks)");
        luaL_argcheck(L, strcspn(h->value, "\r\n") == h->value_len, 1,
                      "a header value must be one line");
    }
    lua_getfield(L, 1, "idempotent");
    spec.idempotent = lua_toboolean(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, 1, "secret_path");
    spec.secret_path = lua_toboolean(L, -1);
    lua_pop(L, 1);
    duo_read_transport(L, DUO_CA_SYSTEM, &opt, &retry);

    box = duo_push_op_box(L);
    box->op = duo_request_new(duo_lua_loop(L), &spec, NULL, &opt, &retry, err, sizeof(err));
    if (box->op == NULL)
        return luaL_error(L, "%s", err);
    duo_register_op(L, box);
    return 1;
}

static int session_tostring(lua_State *L)
{
    session *s = luaL_checkudata(L, 1, SESSION_MT);
    if (s->cred == NULL)
        lua_pushstring(L, "duo.session (closed)");
    else
        lua_pushfstring(L, "duo.session (%s at %s)", duo_credentials_ikey(s->cred), s->host);
    return 1;
}

static int session_info(lua_State *L)
{
    session *s = check_session(L);

    lua_createtable(L, 0, 4);
    lua_pushstring(L, s->host);
    lua_setfield(L, -2, "host");
    lua_pushstring(L, duo_credentials_ikey(s->cred));
    lua_setfield(L, -2, "ikey");
    lua_pushinteger(L, s->sig_version);
    lua_setfield(L, -2, "sig_version");
    lua_pushstring(L, s->opt.ca == DUO_CA_PINNED ? "pinned"
                      : s->opt.ca == DUO_CA_SYSTEM ? "system" : s->opt.ca_file);
    lua_setfield(L, -2, "ca");
    return 1;
}

static const luaL_Reg session_methods[] = {
    { "request", l_request },
    { "info", session_info },
    { "with_host", l_with_host },
    { NULL, NULL }
};

static const luaL_Reg session_metamethods[] = {
    { "__gc", session_gc },
    { "__tostring", session_tostring },
    { "__index", NULL },
    { NULL, NULL }
};

static const luaL_Reg client_functions[] = {
    { "session", l_session },
    { "http", l_http },
    { NULL, NULL }
};

void duo_open_session(lua_State *L)
{
    if (luaL_newmetatable(L, SESSION_MT)) {
        luaL_setfuncs(L, session_metamethods, 0);
        luaL_newlib(L, session_methods);
        lua_setfield(L, -2, "__index");
        lua_pushliteral(L, "not for you");   /* getmetatable(session) */
        lua_setfield(L, -2, "__metatable");
    }
    lua_pop(L, 1);
    luaL_setfuncs(L, client_functions, 0);
}
