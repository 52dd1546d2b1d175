/* Error reporting and Ctrl-C handling for the duo-lua executable. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "host.h"
#include "embedded.h"
#include "lduo.h"
#include "lloop.h"
#include "platform.h"
#include "termtext.h"

static lua_State *global_L = NULL;
static volatile sig_atomic_t interrupted = 0;
static int usage_failed = 0;

static int is_duo_error(lua_State *L, int idx)
{
    int yes = 0;

    if (luaL_getmetafield(L, idx, "__name") != LUA_TNIL) {
        yes = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "duo.Error") == 0;
        lua_pop(L, 1);
    }
    return yes;
}

/* Whether the message is a misuse error ("file:line: bad argument #1 to
 * 'add_user' (...)"): its position already names the caller's line, and
 * a traceback into the module would only be noise. */
static int is_argument_error(const char *msg)
{
    const char *p = strstr(msg, "bad argument #");

    return p != NULL && strchr(msg, '\n') == NULL && getenv("DUO_LUA_TRACEBACK") == NULL;
}

static void error_line(lua_State *L, int idx);

/* Records in a Duo error's field "where" the file:line of the innermost
 * caller that is a script on disk (not a module built into duo-lua), so
 * the report can say which line of the script failed. */
static void note_script_line(lua_State *L, int idx)
{
    lua_Debug ar;
    size_t len;

    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar) || ar.source[0] != '@' || ar.currentline <= 0)
            continue;
        if (duo_embedded_data(ar.source + 1, &len) != NULL)
            continue;
        lua_pushfstring(L, "%s:%d", ar.source + 1, ar.currentline);
        lua_setfield(L, idx, "where");
        return;
    }
}

/* Message handler: Duo errors and argument errors stay as they are (their
 * one line is the whole report, a Duo error raised by a script's call
 * noting the script's line); DUO_LUA_TRACEBACK=1 adds the traceback to
 * every error; anything else gets a traceback. */
static int message_handler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);

    if (interrupted || (msg != NULL && is_argument_error(msg)))
        return 1;
    if (msg == NULL) {
        if (is_duo_error(L, 1)) {
            if (lua_type(L, 1) == LUA_TTABLE)
                note_script_line(L, 1);
            if (getenv("DUO_LUA_TRACEBACK") == NULL)
                return 1;
            error_line(L, 1);   /* the one line, then the traceback */
            luaL_traceback(L, L, lua_tostring(L, -1), 1);
            return 1;
        }
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Pushes the one-line text of the Duo error at idx: "file:line: " when
 * a script's call raised it, then its tostring. */
static void error_line(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (!luaL_callmeta(L, idx, "__tostring") || lua_type(L, -1) != LUA_TSTRING) {
        lua_settop(L, idx);
        lua_pushliteral(L, "(error without a message)");
    }
    if (lua_type(L, idx) == LUA_TTABLE) {
        if (lua_getfield(L, idx, "where") == LUA_TSTRING) {
            lua_pushfstring(L, "%s: %s", lua_tostring(L, -1), lua_tostring(L, -2));
            lua_replace(L, -3);
        }
        lua_pop(L, 1);
    }
}

/* Writes "duo-lua: MSG" on stderr with MSG made inert (core/termtext.h):
 * an error's text may quote a server's message or a name from a client's
 * directory, whose escape sequences must not reach the terminal. Its
 * lines and tabs stay (a traceback keeps its shape). */
static void write_error_line(const char *msg, size_t len)
{
    char room[512];
    duo_buf shown;

    if (msg == NULL) {
        msg = "(error without a message)";
        len = strlen(msg);
    }
    duo_buf_use(&shown, room, sizeof(room));
    if (duo_termtext_clean(&shown, msg, len, 0) == 0)
        fprintf(stderr, "duo-lua: %s\n", duo_buf_str(&shown));
    else
        fputs("duo-lua: (an error whose message did not fit in memory)\n", stderr);
    duo_buf_free(&shown);
    fflush(stderr);
}

void duo_host_report(lua_State *L, int status)
{
    const char *msg;
    size_t len = 0;

    if (status == LUA_OK)
        return;
    if (interrupted) {
        /* Ctrl-C: the user knows where; no message, no traceback. */
        lua_pop(L, 1);
        fputs("interrupted\n", stderr);
        fflush(stderr);
        return;
    }
    if (is_duo_error(L, -1)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            lua_getfield(L, -1, "usage");
            if (lua_toboolean(L, -1))
                usage_failed = 1;
            lua_pop(L, 1);
        }
        error_line(L, -1);
        lua_remove(L, -2);
    }
    msg = lua_tolstring(L, -1, &len);
    write_error_line(msg, len);
    lua_pop(L, 1);
}

int duo_host_usage_failed(void)
{
    return usage_failed;
}

int duo_host_pcall(lua_State *L, int nargs, int nresults)
{
    int base = lua_gettop(L) - nargs;
    int status;

    lua_pushcfunction(L, message_handler);
    lua_insert(L, base);
    status = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    return status;
}

int duo_host_call(lua_State *L, int nargs, int nresults)
{
    int status = duo_host_pcall(L, nargs, nresults);

    duo_host_report(L, status);
    return status;
}

/* Ends the scope of the code that just ran (the script's main chunk, a -e
 * chunk, a REPL statement) when the duo scheduler is loaded: waits for its
 * tasks if it returned, else cancels them (scheduler.end_root). An error
 * while waiting replaces status and is left on the stack; errors of tasks
 * nobody waited for were printed and make the status an error. */
static int end_scope(lua_State *L, int status)
{
    int rc;

    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, "duo.scheduler");
    lua_remove(L, -2);
    if (lua_type(L, -1) != LUA_TTABLE) {
        lua_pop(L, 1);
        return status;
    }
    lua_getfield(L, -1, "end_root");
    lua_remove(L, -2);
    lua_pushboolean(L, status == LUA_OK);
    rc = duo_host_pcall(L, 1, 1);
    if (rc != LUA_OK) {
        if (status != LUA_OK)
            lua_remove(L, -2);   /* the error that ended the chunk is superseded */
        return rc;
    }
    if (status == LUA_OK && lua_tointeger(L, -1) > 0) {
        lua_pop(L, 1);
        lua_pushnil(L);   /* the failures were printed already */
        return LUA_ERRRUN;
    }
    lua_pop(L, 1);
    return status;
}

int duo_host_run(lua_State *L, int nargs, int nresults)
{
    int base = lua_gettop(L) - nargs - 1;
    int status = end_scope(L, duo_host_pcall(L, nargs, nresults));

    if (status != LUA_OK) {
        if (lua_isnil(L, -1))
            lua_pop(L, 1);   /* reported already */
        else
            duo_host_report(L, status);
        lua_settop(L, base);
    }
    return status;
}

int duo_host_run_statement(lua_State *L, int nresults)
{
    return end_scope(L, duo_host_pcall(L, 0, nresults));
}

static void interrupt_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    /* The scheduler is resuming a task: that task is interrupted; the main
     * thread's turn comes when the scheduler has finished the step. */
    if (L == global_L && duo_lua_running_thread() != NULL)
        return;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted");
}

/* The first Ctrl-C sets a hook on the main thread and on the task running
 * now (each Lua thread has its own hook), so that even a busy loop stops at
 * its next instruction, and wakes a waiting event loop. The handler is
 * installed to fire once, as lua.c resets its own: a second Ctrl-C
 * before the first was dealt with ends the process at once
 * (platform_on_interrupt). */
static void on_sigint(void)
{
    int mask = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
    lua_State *task = duo_lua_running_thread();

    interrupted = 1;
    /* lua_sethook is safe from a signal handler; the hook raises the error
     * at the next Lua instruction. */
    if (global_L != NULL)
        lua_sethook(global_L, interrupt_hook, mask, 1);
    if (task != NULL)
        lua_sethook(task, interrupt_hook, mask, 1);
    duo_lua_loop_interrupt();
}

static void install_handler(void)
{
    platform_on_interrupt(on_sigint);
}

void duo_host_catch_sigint(lua_State *L)
{
    global_L = L;
    install_handler();
}

int duo_host_interrupted(void)
{
    return interrupted;
}

void duo_host_clear_interrupt(void)
{
    /* A Ctrl-C that came while no Lua code ran left its hook behind. */
    if (interrupted && global_L != NULL)
        lua_sethook(global_L, NULL, 0, 0);
    if (interrupted)
        install_handler();
    interrupted = 0;
}
