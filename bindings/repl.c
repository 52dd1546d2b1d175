/* The interactive loop: read a statement, run it, show what it returns.
 * As in the stock lua, a line is first tried as `return <line>`, and an
 * incomplete statement continues on the next line. The Lua half
 * (scripts/duo/repl.lua) shows results, completes names on Tab, filters
 * the history and provides help(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "host.h"
#include "lineedit.h"

#define REPL_KEY "duo.repl"   /* registry: the Lua half's module table */

typedef struct repl {
    lua_State *L;
    lineedit *le;
    int have_lua_half;
} repl;

/* Pushes field `name` of the Lua half (nil without it). */
static int push_half(lua_State *L, const char *name)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, REPL_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_pushnil(L);
        return LUA_TNIL;
    }
    lua_getfield(L, -1, name);
    lua_remove(L, -2);
    return lua_type(L, -1);
}

static void load_lua_half(repl *r)
{
    lua_State *L = r->L;

    lua_getglobal(L, "require");
    lua_pushliteral(L, "duo.repl");
    if (duo_host_call(L, 1, 1) != LUA_OK)
        return;
    lua_setfield(L, LUA_REGISTRYINDEX, REPL_KEY);
    r->have_lua_half = 1;
    if (push_half(L, "setup") == LUA_TFUNCTION)
        duo_host_call(L, 0, 0);
    else
        lua_pop(L, 1);
}

static void set_width(repl *r)
{
    if (lua_getfield(r->L, LUA_REGISTRYINDEX, REPL_KEY) == LUA_TTABLE) {
        lua_pushinteger(r->L, lineedit_width(r->le));
        lua_setfield(r->L, -2, "width");
    }
    lua_pop(r->L, 1);
}

/* Tab completion: repl.complete(before, width) -> delete, insert, listing,
 * run protected because libedit is on the C stack. */
static int complete_protected(lua_State *L)
{
    const char *before = lua_touserdata(L, 1);
    lua_Integer width = lua_tointeger(L, 2);

    lua_settop(L, 0);
    if (push_half(L, "complete") != LUA_TFUNCTION)
        return 0;
    lua_pushstring(L, before);
    lua_pushinteger(L, width);
    lua_call(L, 2, 3);
    return 3;
}

static char *dup_string(lua_State *L, int idx)
{
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    char *copy;

    if (s == NULL || len == 0)
        return NULL;
    copy = malloc(len + 1);
    if (copy != NULL)
        memcpy(copy, s, len + 1);
    return copy;
}

static void complete(void *data, const char *before, int width, lineedit_completion *out)
{
    repl *r = data;
    lua_State *L = r->L;
    int top = lua_gettop(L);

    if (!r->have_lua_half)
        return;
    duo_host_clear_interrupt();
    lua_pushcfunction(L, complete_protected);
    lua_pushlightuserdata(L, (void *)before);
    lua_pushinteger(L, width);
    if (lua_pcall(L, 2, 3, 0) == LUA_OK) {
        lua_Integer del = lua_tointeger(L, -3);
        out->delete_bytes = del > 0 ? (size_t)del : 0;
        out->insert = dup_string(L, -2);
        out->listing = dup_string(L, -1);
    }
    lua_settop(L, top);
}

/* Whether the history may keep this statement (repl.keep_in_history). */
static int keep_protected(lua_State *L)
{
    const char *text = lua_touserdata(L, 1);

    lua_settop(L, 0);
    if (push_half(L, "keep_in_history") != LUA_TFUNCTION)
        return 0;
    lua_pushstring(L, text);
    lua_call(L, 1, 1);
    return 1;
}

static void remember(repl *r, const char *text)
{
    lua_State *L = r->L;
    int keep = 0;

    if (!lineedit_is_editing(r->le) || !r->have_lua_half)
        return;
    lua_pushcfunction(L, keep_protected);
    lua_pushlightuserdata(L, (void *)text);
    if (lua_pcall(L, 1, 1, 0) == LUA_OK)
        keep = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (keep)
        lineedit_add_history(r->le, text);
}

/* _PROMPT / _PROMPT2 when the user set them, as in the stock lua. */
static const char *get_prompt(lua_State *L, int first)
{
    const char *p;

    lua_getglobal(L, first ? "_PROMPT" : "_PROMPT2");
    p = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : first ? "> " : ">> ";
    lua_pop(L, 1);   /* the string stays reachable through the global */
    return p;
}

/* Reads a line and pushes it. Returns a LINEEDIT_ status. */
static int push_line(repl *r, int first)
{
    const char *line;
    size_t len;
    int rc = lineedit_read(r->le, get_prompt(r->L, first), &line, &len);

    if (rc == LINEEDIT_OK)
        lua_pushlstring(r->L, line, len);
    return rc;
}

/* Whether a syntax error only says the input ended too early. */
static int incomplete(lua_State *L, int status)
{
    static const char eof_mark[] = "<eof>";
    size_t len;
    const char *msg;

    if (status != LUA_ERRSYNTAX)
        return 0;
    msg = lua_tolstring(L, -1, &len);
    return msg != NULL && len >= sizeof(eof_mark) - 1
           && strcmp(msg + len - (sizeof(eof_mark) - 1), eof_mark) == 0;
}

/* Reads and compiles one statement. On return the stack holds the source
 * text below the chunk (LUA_OK) or below the error message. Returns the
 * load status, or -1 - LINEEDIT_x when reading stopped (end of input,
 * Ctrl-C), with nothing pushed. */
static int read_statement(repl *r)
{
    lua_State *L = r->L;
    int rc, status;
    const char *code;
    size_t len;

    rc = push_line(r, 1);
    if (rc != LINEEDIT_OK)
        return -1 - rc;
    code = lua_tolstring(L, -1, &len);
    /* An expression first: `return <line>` shows its value. */
    lua_pushfstring(L, "return %s;", code);
    status = luaL_loadbuffer(L, lua_tostring(L, -1), lua_rawlen(L, -1), "=stdin");
    lua_remove(L, -2);
    if (status == LUA_OK)
        return status;
    lua_pop(L, 1);
    for (;;) {
        code = lua_tolstring(L, -1, &len);
        status = luaL_loadbuffer(L, code, len, "=stdin");
        if (!incomplete(L, status))
            return status;
        lua_pop(L, 1);
        rc = push_line(r, 0);
        if (rc != LINEEDIT_OK) {
            lua_pop(L, 1);
            return -1 - rc;
        }
        lua_pushliteral(L, "\n");
        lua_insert(L, -2);
        lua_concat(L, 3);
    }
}

/* Shows the results between base and the top of the stack. */
static void show_results(repl *r, int base)
{
    lua_State *L = r->L;
    int n = lua_gettop(L) - base;

    if (n <= 0)
        return;
    luaL_checkstack(L, LUA_MINSTACK, "too many results to show");
    set_width(r);
    if (push_half(L, "show") != LUA_TFUNCTION) {
        lua_pop(L, 1);
        lua_getglobal(L, "print");
    }
    lua_insert(L, base + 1);
    duo_host_call(L, n, 0);
}

/* Forgets a Ctrl-C: the host's flag and hook, and the scheduler's flag
 * (repl.reset_interrupt). The statement's tasks and transfers were
 * cancelled when its scope ended. */
static void reset_interrupt(repl *r)
{
    lua_State *L = r->L;

    duo_host_clear_interrupt();
    if (push_half(L, "reset_interrupt") == LUA_TFUNCTION) {
        if (lua_pcall(L, 0, 0, 0) != LUA_OK)
            lua_pop(L, 1);
    } else {
        lua_pop(L, 1);
    }
}

/* Runs a statement as a scope: it ends when its tasks have finished, and
 * an error or Ctrl-C cancels them, so nothing of it runs after the prompt
 * comes back. */
static void run_statement(repl *r, int base)
{
    lua_State *L = r->L;
    int status;

    reset_interrupt(r);   /* a Ctrl-C while typing */
    status = duo_host_run_statement(L, LUA_MULTRET);
    if (status == LUA_OK)
        show_results(r, base);
    else if (lua_isnil(L, -1) && !duo_host_interrupted())
        lua_pop(L, 1);    /* task failures, printed already */
    else
        duo_host_report(L, status);
    if (duo_host_interrupted())
        reset_interrupt(r);
}

void duo_repl(lua_State *L)
{
    repl r;
    int base;

    memset(&r, 0, sizeof(r));
    r.L = L;
    r.le = lineedit_open("duo-lua", complete, &r);
    if (r.le == NULL) {
        fputs("duo-lua: out of memory\n", stderr);
        return;
    }
    lineedit_set_interrupt(r.le, duo_host_interrupted);
    load_lua_half(&r);
    if (lineedit_is_editing(r.le)) {
        /* repl.history_file() -> the file (its folder made), or nil */
        if (push_half(L, "history_file") == LUA_TFUNCTION && duo_host_call(L, 0, 1) == LUA_OK) {
            lineedit_history_file(r.le, lua_tostring(L, -1));
            lua_pop(L, 1);
        } else {
            lua_pop(L, 1);
        }
        if (push_half(L, "banner") != LUA_TFUNCTION) {
            lua_pop(L, 1);
        } else if (duo_host_call(L, 0, 1) == LUA_OK) {
            if (lua_type(L, -1) == LUA_TSTRING)
                puts(lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    }
    base = lua_gettop(L);
    for (;;) {
        int status = read_statement(&r);
        if (status == -1 - LINEEDIT_INTERRUPTED) {
            /* Ctrl-C at the prompt: a fresh prompt. */
            fputc('\n', stdout);
            lua_settop(L, base);
            reset_interrupt(&r);
            continue;
        }
        if (status < 0)
            break;
        remember(&r, lua_tostring(L, base + 1));
        lua_remove(L, base + 1);   /* the source text */
        if (status == LUA_OK)
            run_statement(&r, base);
        else
            duo_host_report(L, status);
        lua_settop(L, base);
    }
    lineedit_close(r.le);
}
