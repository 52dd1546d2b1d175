/* duo.canonicalize and duo.sign: the signing core exposed to Lua for tests,
 * debugging and custom transports. */
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

static const char *const canon_options[] = {
    "version", "method", "host", "path", "params", "date", "body", "headers", NULL
};
static const char *const sign_options[] = {
    "version", "method", "host", "path", "params", "date", "body", "headers",
    "ikey", "skey", "digest", NULL
};

typedef struct sign_input {
    duo_canon_request req;
    duo_header headers[MAX_HEADERS];
    char date[DUO_DATE_SIZE];
    duo_lparams params;
    int has_params;
} sign_input;

static const char *required_string(lua_State *L, int field_arg, const char *field)
{
    const char *s = duo_opt_string(L, 1, field_arg, field, NULL);
    if (s == NULL)
        luaL_argerror(L, field_arg, lua_pushfstring(L, "'%s' is required", field));
    return s;
}

static void read_headers(lua_State *L, sign_input *in)
{
    size_t n = 0;

    if (lua_getfield(L, 1, "headers") == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    if (!lua_istable(L, -1))
        luaL_argerror(L, 1, lua_pushfstring(L, "'headers' must be a table, got %s",
                                            luaL_typename(L, -1)));
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
            luaL_argerror(L, 1, "'headers' must map header names to string values");
        if (n == MAX_HEADERS)
            luaL_argerror(L, 1, "too many headers");
        in->headers[n].name = lua_tolstring(L, -2, &in->headers[n].name_len);
        in->headers[n].value = lua_tolstring(L, -1, &in->headers[n].value_len);
        n++;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);   /* the argument table keeps the strings alive */
    in->req.headers = in->headers;
    in->req.header_count = n;
}

/* Reads and checks every field of argument 1; may raise. Allocates only
 * the parameter list, as the very last step. */
static void read_input(lua_State *L, sign_input *in, const char *const allowed[])
{
    lua_Integer version;
    const char *date;

    luaL_checktype(L, 1, LUA_TTABLE);
    duo_check_options(L, 1, 1, allowed);
    memset(&in->req, 0, sizeof(in->req));
    version = duo_opt_integer(L, 1, 1, "version", 5);
    if (version != 1 && version != 2 && version != 4 && version != 5)
        luaL_argerror(L, 1, "'version' must be 1, 2, 4 or 5");
    in->req.version = (int)version;
    in->req.method = required_string(L, 1, "method");
    in->req.host = required_string(L, 1, "host");
    in->req.path = required_string(L, 1, "path");
    date = duo_opt_string(L, 1, 1, "date", NULL);
    if (date == NULL) {
        if (duo_date_format(duo_clock_system(NULL), in->date) != 0)
            luaL_error(L, "the system clock is out of range");
        date = in->date;
    }
    in->req.date = date;
    in->req.body = duo_opt_string(L, 1, 1, "body", &in->req.body_len);
    read_headers(L, in);
    in->has_params = 0;
    if (lua_getfield(L, 1, "params") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            luaL_argerror(L, 1, lua_pushfstring(L, "'params' must be a table, got %s",
                                                luaL_typename(L, -1)));
        if (duo_lparams_collect(L, -1, 1, &in->params) != 0)
            luaL_error(L, "out of memory");
        in->has_params = 1;
        in->req.params = &in->params.list;
    }
    lua_pop(L, 1);
}

static void free_input(sign_input *in)
{
    if (in->has_params)
        duo_lparams_free(&in->params);
}

static int l_canonicalize(lua_State *L)
{
    sign_input in;
    duo_buf out = DUO_BUF_INIT;
    const char *err = NULL;
    int rc;

    read_input(L, &in, canon_options);
    rc = duo_canonicalize(&in.req, &out, &err);
    free_input(&in);
    if (rc != 0) {
        duo_buf_free(&out);
        return luaL_error(L, "canonicalize: %s", err);
    }
    lua_pushlstring(L, duo_buf_str(&out), out.len);
    duo_buf_free(&out);
    return 1;
}

static int l_sign(lua_State *L)
{
    sign_input in;
    duo_buf canonical = DUO_BUF_INIT, auth = DUO_BUF_INIT;
    const char *ikey, *skey, *digest, *err = "out of memory";
    size_t ikey_len, skey_len;
    duo_digest d = DUO_DIGEST_SHA512;
    duo_hmac *hmac;
    int rc;

    luaL_checktype(L, 1, LUA_TTABLE);
    ikey = duo_opt_string(L, 1, 1, "ikey", &ikey_len);
    skey = duo_opt_string(L, 1, 1, "skey", &skey_len);
    if (ikey == NULL || skey == NULL)
        luaL_argerror(L, 1, ikey == NULL ? "'ikey' is required" : "'skey' is required");
    digest = duo_opt_string(L, 1, 1, "digest", NULL);
    if (digest != NULL && strcmp(digest, "sha1") == 0)
        d = DUO_DIGEST_SHA1;
    else if (digest != NULL && strcmp(digest, "sha512") != 0)
        luaL_argerror(L, 1, "'digest' must be \"sha512\" or \"sha1\"");
    read_input(L, &in, sign_options);

    hmac = duo_hmac_new(d, skey, skey_len);
    rc = hmac != NULL ? duo_sign(&in.req, hmac, ikey, ikey_len, &canonical, &auth, &err) : -1;
    duo_hmac_free(hmac);
    free_input(&in);
    if (rc != 0) {
        duo_buf_free(&canonical);
        duo_buf_free(&auth);
        return luaL_error(L, "sign: %s", err);
    }
    lua_pushlstring(L, duo_buf_str(&auth), auth.len);
    lua_pushlstring(L, duo_buf_str(&canonical), canonical.len);
    duo_buf_free(&canonical);
    duo_buf_free(&auth);
    return 2;
}

static const luaL_Reg sign_functions[] = {
    { "canonicalize", l_canonicalize },
    { "sign", l_sign },
    { NULL, NULL }
};

void duo_open_sign(lua_State *L)
{
    luaL_setfuncs(L, sign_functions, 0);
}
