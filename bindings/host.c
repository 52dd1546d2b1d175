/* Error reporting and Ctrl-C handling for the duo-lua executable. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "host.h"
#include "lloop.h"

static lua_State *global_L = NULL;
static volatile sig_atomic_t interrupted = 0;

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

/* Message handler: Duo errors and argument errors stay as they are (their
 * one line is the whole report; DUO_LUA_TRACEBACK=1 adds the traceback to
 * argument errors); anything else gets a traceback. */
static int message_handler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);

    if (msg != NULL && is_argument_error(msg))
        return 1;
    if (msg == NULL) {
        if (is_duo_error(L, 1))
            return 1;
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

void duo_host_report(lua_State *L, int status)
{
    const char *msg;

    if (status == LUA_OK)
        return;
    if (is_duo_error(L, -1) && luaL_callmeta(L, -1, "__tostring")) {
        lua_remove(L, -2);
    }
    msg = lua_tostring(L, -1);
    fprintf(stderr, "duo-lua: %s\n", msg != NULL ? msg : "(error without a message)");
    fflush(stderr);
    lua_pop(L, 1);
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

static void interrupt_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted");
}

static void on_sigint(int sig)
{
    int mask = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;

    (void)sig;
    interrupted = 1;
    /* lua_sethook is safe from a signal handler; the hook raises the error
     * at the next Lua instruction. */
    if (global_L != NULL)
        lua_sethook(global_L, interrupt_hook, mask, 1);
    duo_lua_loop_interrupt();
}

void duo_host_catch_sigint(lua_State *L)
{
    struct sigaction sa;

    global_L = L;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
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
    interrupted = 0;
}
