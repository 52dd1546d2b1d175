/* duo._notify: the C half of the notification channels that are not HTTPS
 * (scripts/duo/notify/email.lua and syslog.lua): one mail over SMTP, bytes
 * over a TCP or TLS stream, a UDP datagram, and this machine's name. The
 * sends block (see transport.h); failures come back as values, never
 * raised, so the Lua half builds the duo.Error that names the channel:
 *   true | nil, kind ("network", "tls", "timeout"), message, code, refused */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "duo_limits.h"
#include "lduo.h"
#include "lopts.h"
#include "platform.h"
#include "transport.h"

static const char *kind_name(duo_net_error e)
{
    switch (e) {
    case DUO_NET_TIMEOUT:
        return "timeout";
    case DUO_NET_TLS:
        return "tls";
    default:
        return "network";
    }
}

static int push_result(lua_State *L, int rc, const duo_send_result *res)
{
    if (rc == 0) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushnil(L);
    lua_pushstring(L, kind_name(res->error));
    lua_pushstring(L, res->message);
    lua_pushinteger(L, res->code);
    lua_pushboolean(L, res->refused);
    return 5;
}

static const char *required_string(lua_State *L, const char *field, size_t *len)
{
    const char *s = duo_opt_string(L, 1, 1, field, len);

    if (s == NULL)
        luaL_argerror(L, 1, lua_pushfstring(L, "'%s' is required", field));
    return s;
}

static const char *const mail_options[] = {
    "url", "from", "to", "username", "password", "message", "timeout", "connect_timeout", "ca", "proxy",
    NULL
};

/* _notify.mail{ url, from, to = { addr, ... }, username, password, message,
 * transport options }: the recipients are read into a C array on the Lua
 * stack (a userdata), so nothing is left to free when an argument error
 * longjmps. */
static int l_mail(lua_State *L)
{
    duo_transport_options opt;
    duo_retry_policy retry;
    duo_send_result res;
    duo_mail m;
    const char **to;
    lua_Integer i, n;
    int rc;

    luaL_checktype(L, 1, LUA_TTABLE);
    duo_check_options(L, 1, 1, mail_options);
    memset(&m, 0, sizeof(m));
    m.url = required_string(L, "url", NULL);
    m.from = required_string(L, "from", NULL);
    m.message = required_string(L, "message", &m.message_len);
    m.username = duo_opt_string(L, 1, 1, "username", NULL);
    m.password = duo_opt_string(L, 1, 1, "password", NULL);
    duo_read_transport(L, DUO_CA_SYSTEM, &opt, &retry);
    luaL_argcheck(L, lua_getfield(L, 1, "to") == LUA_TTABLE, 1, "'to' must be a list of addresses");
    n = (lua_Integer)lua_rawlen(L, -1);
    luaL_argcheck(L, n >= 1 && n <= 1000, 1, "'to' must hold 1 to 1000 addresses");
    to = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof(*to), 0);
    for (i = 1; i <= n; i++) {
        luaL_argcheck(L, lua_rawgeti(L, -2, i) == LUA_TSTRING, 1, "'to' must be a list of addresses");
        to[i - 1] = lua_tostring(L, -1);   /* kept alive by the table at 1 */
        lua_pop(L, 1);
    }
    to[n] = NULL;
    m.to = to;
    rc = duo_mail_send(&m, &opt, &res);
    return push_result(L, rc, &res);
}

static const char *const stream_options[] = {
    "url", "data", "timeout", "connect_timeout", "ca", "proxy", NULL
};

/* _notify.stream{ url = "tcp://host:port" | "tls://host:port", data,
 * transport options } */
static int l_stream(lua_State *L)
{
    duo_transport_options opt;
    duo_retry_policy retry;
    duo_send_result res;
    const char *url, *data;
    size_t len;
    int rc;

    luaL_checktype(L, 1, LUA_TTABLE);
    duo_check_options(L, 1, 1, stream_options);
    url = required_string(L, "url", NULL);
    data = required_string(L, "data", &len);
    duo_read_transport(L, DUO_CA_SYSTEM, &opt, &retry);
    rc = duo_stream_send(url, data, len, &opt, &res);
    return push_result(L, rc, &res);
}

/* _notify.datagram(host, port, data): one UDP datagram. */
static int l_datagram(lua_State *L)
{
    const char *host = luaL_checkstring(L, 1);
    const char *port = luaL_checkstring(L, 2);
    size_t len;
    const char *data = luaL_checklstring(L, 3, &len);
    duo_send_result res;
    long long sent;

    memset(&res, 0, sizeof(res));
    sent = platform_udp_send(host, port, data, len, res.message, sizeof(res.message));
    if (sent >= 0 && (size_t)sent != len)
        snprintf(res.message, sizeof(res.message), "a datagram to %s port %s went out cut short", host, port);
    res.error = DUO_NET_NETWORK;
    return push_result(L, sent >= 0 && (size_t)sent == len ? 0 : -1, &res);
}

/* _notify.hostname() -> this machine's name, or nil. */
static int l_hostname(lua_State *L)
{
    char name[256];

    if (platform_hostname(name, sizeof(name)) != 0 || name[0] == '\0')
        lua_pushnil(L);
    else
        lua_pushstring(L, name);
    return 1;
}

static const luaL_Reg notify_functions[] = {
    { "mail", l_mail },
    { "stream", l_stream },
    { "datagram", l_datagram },
    { "hostname", l_hostname },
    { NULL, NULL }
};

int luaopen_duo_notify(lua_State *L)
{
    luaL_newlib(L, notify_functions);
    return 1;
}
