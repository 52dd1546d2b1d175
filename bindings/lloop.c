/* Lua glue of the event loop: run_once, finished operations, timers, and
 * the methods of operation values. The scheduling policy is Lua's
 * (scripts/duo/scheduler.lua); this file only exposes the mechanism. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "duo_limits.h"
#include "lduo.h"
#include "lloop.h"
#include "platform.h"

#define LOOP_KEY "duo.loop"
#define OPS_KEY "duo.ops"       /* weak: lightuserdata(op) -> op userdata */
#define OP_MT "duo.op"
#define RUNNING_KEY "duo.running"  /* the coroutine in running_thread */

typedef struct loop_box {
    duo_loop *loop;
    FILE *log;                  /* --log FILE, or NULL */
} loop_box;

/* The loop a SIGINT handler wakes up; the executable has one state. */
static duo_loop *volatile interrupt_target = NULL;
static volatile sig_atomic_t interrupt_pending = 0;

void duo_lua_loop_interrupt(void)
{
    duo_loop *loop = interrupt_target;

    interrupt_pending = 1;
    if (loop != NULL)
        duo_loop_wakeup(loop);
}

/* The coroutine the scheduler is resuming now (NULL: the main code), so
 * that Ctrl-C can reach a task in a busy loop. The registry keeps it alive
 * while it is recorded here. */
static lua_State *volatile running_thread = NULL;

lua_State *duo_lua_running_thread(void)
{
    return running_thread;
}

/* _loop.running(co | nil) -> the coroutine recorded before: the scheduler
 * records the task it resumes, and restores the previous one after. */
static int l_running(lua_State *L)
{
    lua_State *co = lua_tothread(L, 1);

    lua_getfield(L, LUA_REGISTRYINDEX, RUNNING_KEY);
    lua_pushvalue(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, RUNNING_KEY);
    running_thread = co;
    return 1;
}

/* _loop.interrupted([clear]) -> whether Ctrl-C was pressed (since the last
 * clear). The scheduler checks it so that a task catching the interrupt
 * error cannot swallow it. */
static int l_interrupted(lua_State *L)
{
    lua_pushboolean(L, interrupt_pending);
    if (lua_toboolean(L, 1))
        interrupt_pending = 0;
    return 1;
}

static int loop_gc(lua_State *L)
{
    loop_box *b = lua_touserdata(L, 1);
    if (interrupt_target == b->loop)
        interrupt_target = NULL;
    running_thread = NULL;
    duo_loop_free(b->loop);
    b->loop = NULL;
    if (b->log != NULL)
        fclose(b->log);
    b->log = NULL;
    return 0;
}

/* One line per request attempt: --trace or DUO_LUA_TRACE=1 on stderr,
 * --log FILE as JSON lines (the host's settings). */
static void configure_trace(lua_State *L, loop_box *b)
{
    const char *env = getenv("DUO_LUA_TRACE");
    const duo_settings *s = duo_host_settings(L);
    int trace = (env != NULL && env[0] != '\0' && strcmp(env, "0") != 0) || (s != NULL && s->trace);

    if (s != NULL && s->log != NULL) {
        b->log = platform_open_log(s->log);   /* owner-only, never through a link */
        if (b->log == NULL)
            luaL_error(L, "cannot open the log file '%s': %s", s->log, strerror(errno));
    }
    duo_loop_set_trace(b->loop, trace ? stderr : NULL, b->log);
}

duo_loop *duo_lua_loop(lua_State *L)
{
    loop_box *b;
    char err[128];

    if (lua_getfield(L, LUA_REGISTRYINDEX, LOOP_KEY) == LUA_TUSERDATA) {
        b = lua_touserdata(L, -1);
        lua_pop(L, 1);
        return b->loop;
    }
    lua_pop(L, 1);
    b = lua_newuserdatauv(L, sizeof(*b), 0);
    b->loop = NULL;
    b->log = NULL;
    lua_newtable(L);
    lua_pushcfunction(L, loop_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    b->loop = duo_loop_new(err, sizeof(err));
    if (b->loop == NULL)
        luaL_error(L, "cannot create the event loop: %s", err);
    configure_trace(L, b);
    interrupt_target = b->loop;
    lua_setfield(L, LUA_REGISTRYINDEX, LOOP_KEY);
    return b->loop;
}

duo_op_box *duo_push_op_box(lua_State *L)
{
    duo_op_box *box = lua_newuserdatauv(L, sizeof(*box), 0);

    box->op = NULL;
    luaL_setmetatable(L, OP_MT);
    return box;
}

void duo_register_op(lua_State *L, duo_op_box *box)
{
    lua_getfield(L, LUA_REGISTRYINDEX, OPS_KEY);
    lua_pushlightuserdata(L, box->op);
    lua_pushvalue(L, -3);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

static void push_op(lua_State *L, duo_op *op)
{
    lua_getfield(L, LUA_REGISTRYINDEX, OPS_KEY);
    lua_rawgetp(L, -1, op);
    lua_remove(L, -2);
}

static duo_op_box *check_op(lua_State *L)
{
    duo_op_box *box = luaL_checkudata(L, 1, OP_MT);
    if (box->op == NULL)
        luaL_argerror(L, 1, "operation already released");
    return box;
}

static int op_gc(lua_State *L)
{
    duo_op_box *box = luaL_checkudata(L, 1, OP_MT);
    duo_op_free(box->op);
    box->op = NULL;
    return 0;
}

static int op_done(lua_State *L)
{
    lua_pushboolean(L, duo_op_is_done(check_op(L)->op));
    return 1;
}

static int op_cancel(lua_State *L)
{
    duo_op_cancel(check_op(L)->op);
    return 0;
}

/* The kind of a duo.Error: the failure's name, but an answer too large is
 * the server's fault, an "http" error. */
static const char *error_kind(duo_net_error e)
{
    return e == DUO_NET_TOO_LARGE ? "http" : duo_net_error_name(e);
}

/* The message (an error, or a redirect's target) and the note (why a
 * failure was not retried) of a result, when there are any. */
static void push_outcome_notes(lua_State *L, const duo_request_result *r)
{
    if (r->message[0] != '\0') {
        lua_pushstring(L, r->message);
        lua_setfield(L, -2, "message");
    }
    if (r->note[0] != '\0') {
        lua_pushstring(L, r->note);
        lua_setfield(L, -2, "note");
    }
}

/* The header block of an answer as a table: lower-case names, a repeated
 * header's values joined with ", ", the status line left out. */
static void push_headers(lua_State *L, const duo_buf *block)
{
    const char *p = duo_buf_str(block), *end = p + block->len;

    lua_newtable(L);
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p)), *colon, *v, *ve;
        luaL_Buffer name;
        if (eol == NULL)
            eol = end;
        colon = memchr(p, ':', (size_t)(eol - p));
        if (colon != NULL && colon > p && strncmp(p, "HTTP/", 5) != 0) {
            for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
                ;
            for (ve = eol; ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'); ve--)
                ;
            luaL_buffinit(L, &name);
            for (const char *c = p; c < colon; c++)
                luaL_addchar(&name, (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c));
            luaL_pushresult(&name);
            lua_pushvalue(L, -1);
            if (lua_rawget(L, -3) == LUA_TSTRING) {
                lua_pushliteral(L, ", ");
                lua_pushlstring(L, v, (size_t)(ve - v));
                lua_concat(L, 3);
            } else {
                lua_pop(L, 1);
                lua_pushlstring(L, v, (size_t)(ve - v));
            }
            lua_rawset(L, -3);
        }
        p = eol + 1;
    }
}

/* op:result() -> { status, body, retry_after, error, message, note,
 * attempts, elapsed_ms }; error is nil when an HTTP answer arrived. */
static int op_result(lua_State *L)
{
    duo_op_box *box = check_op(L);
    duo_request_result *r;

    if (!duo_op_is_request(box->op))
        luaL_argerror(L, 1, "not a request");
    if (!duo_op_is_done(box->op))
        return luaL_error(L, "the request has not finished");
    r = duo_request_result_of(box->op);
    lua_createtable(L, 0, 7);
    lua_pushinteger(L, r->status);
    lua_setfield(L, -2, "status");
    lua_pushlstring(L, duo_buf_str(&r->body), r->body.len);
    lua_setfield(L, -2, "body");
    push_headers(L, &r->headers);
    lua_setfield(L, -2, "headers");
    if (r->retry_after >= 0) {
        lua_pushinteger(L, r->retry_after);
        lua_setfield(L, -2, "retry_after");
    }
    if (error_kind(r->error) != NULL) {
        lua_pushstring(L, error_kind(r->error));
        lua_setfield(L, -2, "error");
    }
    push_outcome_notes(L, r);
    lua_pushinteger(L, r->attempts);
    lua_setfield(L, -2, "attempts");
    lua_pushinteger(L, r->elapsed_ms);
    lua_setfield(L, -2, "elapsed_ms");
    return 1;
}

/* op:wire() -> method, url, { header lines }, body|nil for an attempt
 * waiting in the outbox; nil otherwise. */
static int op_wire(lua_State *L)
{
    const duo_http_request *w = duo_request_wire(check_op(L)->op);
    int i;

    if (w == NULL)
        return 0;
    lua_pushstring(L, w->method);
    lua_pushstring(L, w->url);
    lua_newtable(L);
    for (i = 0; w->headers[i] != NULL; i++) {
        lua_pushstring(L, w->headers[i]);
        lua_rawseti(L, -2, i + 1);
    }
    if (w->body != NULL)
        lua_pushlstring(L, w->body, w->body_len);
    else
        lua_pushnil(L);
    return 4;
}

/* op:respond(status, body [, retry_after]) answers an outbox attempt. */
static int op_respond(lua_State *L)
{
    duo_op_box *box = check_op(L);
    lua_Integer status = luaL_checkinteger(L, 2);
    size_t len;
    const char *body = luaL_checklstring(L, 3, &len);
    lua_Integer retry_after = luaL_optinteger(L, 4, -1);

    if (duo_request_wire(box->op) == NULL)
        return luaL_error(L, "the request is not waiting for an answer");
    if (duo_request_respond(box->op, (long)status, body, len, (long)retry_after) != 0)
        return luaL_error(L, "out of memory");
    return 0;
}

static int op_tostring(lua_State *L)
{
    duo_op_box *box = luaL_checkudata(L, 1, OP_MT);
    if (box->op == NULL)
        lua_pushstring(L, "duo.op (released)");
    else
        lua_pushfstring(L, "duo.op (%s, %s)", duo_op_is_request(box->op) ? "request" : "timer",
                        duo_op_is_done(box->op) ? "done" : "pending");
    return 1;
}

static const luaL_Reg op_methods[] = {
    { "done", op_done },
    { "cancel", op_cancel },
    { "result", op_result },
    { "wire", op_wire },
    { "respond", op_respond },
    { NULL, NULL }
};

static const luaL_Reg op_metamethods[] = {
    { "__gc", op_gc },
    { "__close", op_gc },
    { "__tostring", op_tostring },
    { "__index", NULL },
    { NULL, NULL }
};

/* _loop.run_once([max_wait_ms]) -> pending operations, and whether only
 * Lua can finish them (duo_loop_stalled). */
static int l_run_once(lua_State *L)
{
    duo_loop *loop = duo_lua_loop(L);
    lua_Integer wait = luaL_optinteger(L, 1, -1);
    int n = duo_loop_run_once(loop, (long)wait);

    if (n < 0)
        return luaL_error(L, "the event loop failed");
    lua_pushinteger(L, n);
    lua_pushboolean(L, duo_loop_stalled(loop));
    return 2;
}

static int next_from(lua_State *L, duo_op *(*next)(duo_loop *))
{
    duo_loop *loop = duo_lua_loop(L);
    duo_op *op;

    /* An operation whose userdata is being collected has no entry any
     * more; its finalizer frees it, so skip it. */
    while ((op = next(loop)) != NULL) {
        push_op(L, op);
        if (!lua_isnil(L, -1))
            return 1;
        lua_pop(L, 1);
    }
    return 0;
}

static int l_next_done(lua_State *L)
{
    return next_from(L, duo_loop_next_done);
}

static int l_next_outgoing(lua_State *L)
{
    return next_from(L, duo_loop_next_outgoing);
}

/* The longest timer: about 31 years. Longer durations (1e300, inf) are
 * clamped to it rather than cast, which would be undefined. */
#define MAX_TIMER_MS 1e12

/* _loop.timer(ms) -> op finishing after ms milliseconds (negative: now). */
static int l_timer(lua_State *L)
{
    lua_Number ms = luaL_checknumber(L, 1);
    duo_loop *loop;
    duo_op_box *box;

    luaL_argcheck(L, ms == ms, 1, "not a number (NaN)");
    if (ms > MAX_TIMER_MS)
        ms = MAX_TIMER_MS;
    loop = duo_lua_loop(L);
    box = duo_push_op_box(L);
    box->op = duo_timer_new(loop, ms > 0 ? (long long)ms : 0);
    if (box->op == NULL)
        return luaL_error(L, "out of memory");
    duo_register_op(L, box);
    return 1;
}

static int l_set_limits(lua_State *L)
{
    lua_Integer concurrency = luaL_checkinteger(L, 1);
    lua_Integer per_host = luaL_optinteger(L, 2, 0);

    luaL_argcheck(L, concurrency >= 1 && concurrency <= DUO_MAX_CONCURRENCY, 1,
                  lua_pushfstring(L, "must be between 1 and %d", DUO_MAX_CONCURRENCY));
    luaL_argcheck(L, per_host >= 0 && per_host <= DUO_MAX_CONCURRENCY, 2,
                  lua_pushfstring(L, "must be between 0 and %d", DUO_MAX_CONCURRENCY));
    duo_loop_set_limits(duo_lua_loop(L), (int)concurrency, (int)per_host);
    return 0;
}

static int l_set_virtual_time(lua_State *L)
{
    int on = lua_toboolean(L, 1);
    lua_Integer start = luaL_optinteger(L, 2, 0);

    duo_loop_set_virtual_time(duo_lua_loop(L), on, (long long)start);
    return 0;
}

static int l_set_clock_offset(lua_State *L)
{
    duo_loop_set_clock_offset(duo_lua_loop(L), (long long)luaL_checkinteger(L, 1));
    return 0;
}

static int l_clock_offset(lua_State *L)
{
    lua_pushinteger(L, duo_loop_clock_offset(duo_lua_loop(L)));
    return 1;
}

static int l_now_ms(lua_State *L)
{
    lua_pushinteger(L, duo_loop_now_ms(duo_lua_loop(L)));
    return 1;
}

static int l_unix_time(lua_State *L)
{
    lua_pushinteger(L, duo_loop_unix_time(duo_lua_loop(L)));
    return 1;
}

static int l_pending(lua_State *L)
{
    lua_pushinteger(L, duo_loop_pending(duo_lua_loop(L)));
    return 1;
}

/* _loop.cancel_pending() -> how many: cancels every operation not yet
 * finished. When a scope ends by an error or Ctrl-C, an operation created
 * by an interrupted task just before it would have waited belongs to no
 * one; this stops it without waiting for the garbage collector. */
static int l_cancel_pending(lua_State *L)
{
    lua_Integer n = 0;

    lua_getfield(L, LUA_REGISTRYINDEX, OPS_KEY);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        duo_op_box *box = luaL_testudata(L, -1, OP_MT);
        if (box != NULL && box->op != NULL && !duo_op_is_done(box->op)) {
            duo_op_cancel(box->op);
            n++;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_pushinteger(L, n);
    return 1;
}

static const luaL_Reg loop_functions[] = {
    { "run_once", l_run_once },
    { "next_done", l_next_done },
    { "next_outgoing", l_next_outgoing },
    { "timer", l_timer },
    { "set_limits", l_set_limits },
    { "set_virtual_time", l_set_virtual_time },
    { "set_clock_offset", l_set_clock_offset },
    { "clock_offset", l_clock_offset },
    { "now_ms", l_now_ms },
    { "unix_time", l_unix_time },
    { "pending", l_pending },
    { "interrupted", l_interrupted },
    { "running", l_running },
    { "cancel_pending", l_cancel_pending },
    { NULL, NULL }
};

void duo_open_loop(lua_State *L)
{
    if (luaL_newmetatable(L, OP_MT)) {
        luaL_setfuncs(L, op_metamethods, 0);
        luaL_newlib(L, op_methods);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    if (lua_getfield(L, LUA_REGISTRYINDEX, OPS_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_newtable(L);
        lua_pushstring(L, "v");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
        lua_setfield(L, LUA_REGISTRYINDEX, OPS_KEY);
    } else {
        lua_pop(L, 1);
    }
    luaL_setfuncs(L, loop_functions, 0);
}
