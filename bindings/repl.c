/* The interactive loop: read a statement, run it, print what it returns.
 * An incomplete statement continues on the next line, and an expression
 * is shown without `print`. */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "host.h"

#define LINE_MAX_BYTES 8192

static int read_line(lua_State *L, const char *prompt)
{
    char line[LINE_MAX_BYTES];
    size_t n;

    fputs(prompt, stdout);
    fflush(stdout);
    if (fgets(line, sizeof(line), stdin) == NULL)
        return 0;
    n = strlen(line);
    if (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    lua_pushlstring(L, line, n);
    return 1;
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
    return len >= sizeof(eof_mark) - 1
           && strcmp(msg + len - (sizeof(eof_mark) - 1), eof_mark) == 0;
}

/* Compiles the statement in the buffer at the top of the stack, reading
 * more lines while it is incomplete. Leaves the chunk (or an error) on the
 * stack; returns the load status, or -1 at end of input. */
static int load_statement(lua_State *L)
{
    int status;
    const char *code = lua_tostring(L, -1);
    const char *ret = lua_pushfstring(L, "return %s;", code);

    status = luaL_loadbuffer(L, ret, strlen(ret), "=stdin");
    if (status == LUA_OK) {
        lua_remove(L, -2);   /* the "return" text */
        lua_remove(L, -2);   /* the statement */
        return status;
    }
    lua_pop(L, 2);
    for (;;) {
        size_t len;
        code = lua_tolstring(L, -1, &len);
        status = luaL_loadbuffer(L, code, len, "=stdin");
        if (!incomplete(L, status))
            break;
        lua_pop(L, 1);
        if (!read_line(L, ">> "))
            return -1;
        lua_pushliteral(L, "\n");
        lua_insert(L, -2);
        lua_concat(L, 3);
    }
    lua_remove(L, -2);
    return status;
}

static void print_results(lua_State *L, int base)
{
    int n = lua_gettop(L) - base;

    if (n <= 0)
        return;
    luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
    lua_getglobal(L, "print");
    lua_insert(L, base + 1);
    if (duo_host_call(L, n, 0) != LUA_OK)
        return;
}

void duo_repl(lua_State *L)
{
    int base = lua_gettop(L);

    for (;;) {
        int status;
        if (!read_line(L, "> "))
            break;
        status = load_statement(L);
        if (status == -1)
            break;
        if (status == LUA_OK)
            status = duo_host_call(L, 0, LUA_MULTRET);
        else
            duo_host_report(L, status);
        if (status == LUA_OK)
            print_results(L, base);
        duo_host_clear_interrupt();
        lua_settop(L, base);
    }
    fputc('\n', stdout);
}
