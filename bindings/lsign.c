/* duo.canonicalize and duo.sign: the signing core exposed to Lua for tests,
 * debugging and custom transports.
 *
 * Signing is on the hot path of benchmarks and bulk work, so the argument
 * table is read in one pass, buffers start on the stack, and the keyed HMAC
 * context of the last secret key is kept (see cached_hmac). */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "canon.h"
#include "crypto.h"
#include "date.h"
#include "lduo.h"
#include "lopts.h"
#include "lparams.h"
#include "sign.h"

#define MAX_HEADERS 64

enum field {
    F_VERSION, F_METHOD, F_HOST, F_PATH, F_PARAMS, F_DATE, F_BODY, F_HEADERS,
    F_IKEY, F_SKEY, F_DIGEST, F_COUNT
};

static const char *const field_names[F_COUNT] = {
    "version", "method", "host", "path", "params", "date", "body", "headers",
    "ikey", "skey", "digest"
};

/* Stack slots of the function: 1 the argument, then the tables found in it. */
#define SLOT_PARAMS 2
#define SLOT_HEADERS 3
#define SLOT_SKEY 4

typedef struct sign_input {
    duo_canon_request req;
    duo_header headers[MAX_HEADERS];
    char date[DUO_DATE_SIZE];
    duo_lparams params;
    int has_params;
    const char *str[F_COUNT];
    size_t len[F_COUNT];
    lua_Integer version;
} sign_input;

static int field_of(const char *k, size_t n, int signing)
{
    int last = signing ? F_COUNT : F_IKEY;

    for (int f = 0; f < last; f++)
        if (field_names[f][0] == k[0] && strlen(field_names[f]) == n
            && memcmp(field_names[f], k, n) == 0)
            return f;
    return -1;
}

static void field_type_error(lua_State *L, int f, const char *want)
{
    luaL_argerror(L, 1, lua_pushfstring(L, "'%s' must be %s, got %s", field_names[f], want,
                                        luaL_typename(L, -1)));
}

/* One pass over the argument table: every key known, every value of its
 * type. Strings are borrowed from the table; params and headers tables
 * are parked in their stack slots. */
static void scan_fields(lua_State *L, sign_input *in, int signing)
{
    memset(in->str, 0, sizeof(in->str));
    in->version = 5;
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
        size_t n;
        const char *k;
        int f, t = lua_type(L, -1);
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_argerror(L, 1, lua_pushfstring(L, "option names must be strings, got %s",
                                                luaL_typename(L, -2)));
        k = lua_tolstring(L, -2, &n);
        f = field_of(k, n, signing);
        if (f < 0)
            luaL_argerror(L, 1, lua_pushfstring(L, "unknown option '%s'", k));
        if (f == F_VERSION) {
            /* Whole floats (5.0, what a JSON decoder gives) count, as in
             * Lua's own library. */
            int whole = 0;
            in->version = lua_tointegerx(L, -1, &whole);
            if (!whole && t == LUA_TNUMBER)
                luaL_argerror(L, 1, lua_pushfstring(L, "'version' must be a whole number, got %s",
                                                    lua_tostring(L, -1)));
            if (!whole)
                field_type_error(L, f, "an integer");
        } else if (f == F_PARAMS || f == F_HEADERS) {
            if (t != LUA_TTABLE)
                field_type_error(L, f, "a table");
            lua_pushvalue(L, -1);
            lua_replace(L, f == F_PARAMS ? SLOT_PARAMS : SLOT_HEADERS);
        } else {
            if (t != LUA_TSTRING)
                field_type_error(L, f, "a string");
            in->str[f] = lua_tolstring(L, -1, &in->len[f]);
            if (f == F_SKEY) {
                lua_pushvalue(L, -1);
                lua_replace(L, SLOT_SKEY);
            }
        }
        lua_pop(L, 1);
    }
}

static void read_headers(lua_State *L, sign_input *in)
{
    if (lua_isnil(L, SLOT_HEADERS))
        return;
    if (in->version != 5)
        luaL_argerror(L, 1, "'headers' are signed only by version 5");
    in->req.headers = in->headers;
    in->req.header_count = duo_opt_headers(L, SLOT_HEADERS, 1, in->headers, MAX_HEADERS);
}

/* The output buffers of one call, in a userdata pushed before they are
 * filled: pushing the results can raise (out of memory), and then the
 * userdata's finalizer frees what grew beyond the inline storage. */
typedef struct out_bufs {
    duo_buf canonical, auth;
    char canonical_storage[2048], auth_storage[512];
} out_bufs;

static int out_bufs_gc(lua_State *L)
{
    out_bufs *o = lua_touserdata(L, 1);

    duo_buf_free(&o->canonical);
    duo_buf_free(&o->auth);
    return 0;
}

static out_bufs *push_out_bufs(lua_State *L)
{
    out_bufs *o = lua_newuserdatauv(L, sizeof(*o), 0);

    duo_buf_use(&o->canonical, o->canonical_storage, sizeof(o->canonical_storage));
    duo_buf_use(&o->auth, o->auth_storage, sizeof(o->auth_storage));
    if (luaL_newmetatable(L, "duo.sign_buffers")) {
        lua_pushcfunction(L, out_bufs_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return o;
}

/* Reads and checks argument 1; may raise. Pushes the call's output
 * buffers, then allocates only the parameter list, as the very last step. */
static out_bufs *read_input(lua_State *L, sign_input *in, int signing)
{
    static const int required[] = { F_METHOD, F_HOST, F_PATH };
    out_bufs *o;

    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_settop(L, SLOT_SKEY);
    scan_fields(L, in, signing);
    if (in->version != 1 && in->version != 2 && in->version != 4 && in->version != 5)
        luaL_argerror(L, 1, "'version' must be 1, 2, 4 or 5");
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (in->str[required[i]] == NULL)
            luaL_argerror(L, 1, lua_pushfstring(L, "'%s' is required", field_names[required[i]]));
    memset(&in->req, 0, sizeof(in->req));
    in->req.version = (int)in->version;
    in->req.method = in->str[F_METHOD];
    in->req.host = in->str[F_HOST];
    in->req.path = in->str[F_PATH];
    in->req.date = in->str[F_DATE];
    if (in->req.date == NULL) {
        if (duo_date_format(duo_clock_system(), in->date) != 0)
            luaL_error(L, "the system clock is out of range");
        in->req.date = in->date;
    }
    in->req.body = in->str[F_BODY];
    in->req.body_len = in->len[F_BODY];
    read_headers(L, in);
    o = push_out_bufs(L);   /* before anything is allocated: it may raise */
    in->has_params = 0;
    if (!lua_isnil(L, SLOT_PARAMS)) {
        if (duo_lparams_collect(L, SLOT_PARAMS, 1, &in->params) != 0)
            luaL_error(L, "out of memory");
        in->has_params = 1;
        in->req.params = &in->params.list;
    }
    return o;
}

static void free_input(sign_input *in)
{
    if (in->has_params)
        duo_lparams_free(&in->params);
}

static int l_canonicalize(lua_State *L)
{
    sign_input in;
    out_bufs *o;
    const char *err = NULL;
    int rc;

    o = read_input(L, &in, 0);
    rc = duo_canonicalize(&in.req, &o->canonical, &err);
    free_input(&in);
    if (rc != 0)
        return luaL_error(L, "canonicalize: %s", err);
    lua_pushlstring(L, duo_buf_str(&o->canonical), o->canonical.len);
    return 1;
}

/* A one-entry cache of the keyed HMAC context for the last (digest, skey)
 * pair: signing many requests with one key absorbs the key once. The skey
 * string is the cache's user value, so the check is a string comparison
 * that Lua short-cuts for the same string object. The context is wiped
 * when another key replaces it or the state closes. */
typedef struct key_cache {
    duo_hmac *hmac;
    duo_digest digest;
} key_cache;

static int key_cache_gc(lua_State *L)
{
    key_cache *c = lua_touserdata(L, 1);
    duo_hmac_free(c->hmac);
    c->hmac = NULL;
    return 0;
}

/* The cache is l_sign's first upvalue (no registry lookup per call). */
static duo_hmac *cached_hmac(lua_State *L, duo_digest d)
{
    key_cache *c = lua_touserdata(L, lua_upvalueindex(1));
    size_t len;
    const char *skey;

    lua_getiuservalue(L, lua_upvalueindex(1), 1);
    if (c->hmac != NULL && c->digest == d && lua_rawequal(L, -1, SLOT_SKEY)) {
        lua_pop(L, 1);
        return c->hmac;
    }
    lua_pop(L, 1);
    duo_hmac_free(c->hmac);
    skey = lua_tolstring(L, SLOT_SKEY, &len);
    c->hmac = duo_hmac_new(d, skey, len);
    c->digest = d;
    lua_pushvalue(L, SLOT_SKEY);
    lua_setiuservalue(L, lua_upvalueindex(1), 1);
    return c->hmac;
}

static int l_sign(lua_State *L)
{
    sign_input in;
    out_bufs *o;
    const char *digest, *err = "out of memory";
    duo_digest d = DUO_DIGEST_SHA512;
    duo_hmac *hmac;
    int rc;

    o = read_input(L, &in, 1);
    digest = in.str[F_DIGEST];
    if (in.str[F_IKEY] == NULL || in.str[F_SKEY] == NULL) {
        free_input(&in);
        return luaL_argerror(L, 1, in.str[F_IKEY] == NULL ? "'ikey' is required" : "'skey' is required");
    }
    if (digest != NULL && strcmp(digest, "sha1") == 0) {
        d = DUO_DIGEST_SHA1;
    } else if (digest != NULL && strcmp(digest, "sha512") != 0) {
        free_input(&in);
        return luaL_argerror(L, 1, "'digest' must be \"sha512\" or \"sha1\"");
    }
    hmac = cached_hmac(L, d);
    rc = hmac != NULL ? duo_sign(&in.req, hmac, in.str[F_IKEY], in.len[F_IKEY],
                                 &o->canonical, &o->auth, &err) : -1;
    free_input(&in);
    if (rc != 0)
        return luaL_error(L, "sign: %s", err);
    lua_pushlstring(L, duo_buf_str(&o->auth), o->auth.len);
    lua_pushlstring(L, duo_buf_str(&o->canonical), o->canonical.len);
    return 2;
}

/* _sign.hmac_sha256(key, message) -> the lower-case hex HMAC-SHA256 of
 * the message's exact bytes (the X-Duo-Lua-Signature of webhooks). The
 * key's copy inside Mbed TLS is wiped before returning. */
static int l_hmac_sha256(lua_State *L)
{
    size_t key_len, msg_len, hex_len = 0;
    const char *key = luaL_checklstring(L, 1, &key_len);
    const char *msg = luaL_checklstring(L, 2, &msg_len);
    char hex[DUO_HEX_MAX];
    duo_hmac *h = duo_hmac_new(DUO_DIGEST_SHA256, key, key_len);
    int rc = h != NULL ? duo_hmac_hex(h, msg, msg_len, hex, &hex_len) : -1;

    duo_hmac_free(h);
    if (rc != 0)
        return luaL_error(L, "hmac_sha256: %s", h == NULL ? "out of memory" : "digest failed");
    lua_pushlstring(L, hex, hex_len);
    return 1;
}

void duo_open_sign(lua_State *L)
{
    key_cache *c;

    lua_pushcfunction(L, l_canonicalize);
    lua_setfield(L, -2, "canonicalize");
    lua_pushcfunction(L, l_hmac_sha256);
    lua_setfield(L, -2, "hmac_sha256");
    c = lua_newuserdatauv(L, sizeof(*c), 1);
    c->hmac = NULL;
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, key_cache_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_pushcclosure(L, l_sign, 1);
    lua_setfield(L, -2, "sign");
}
