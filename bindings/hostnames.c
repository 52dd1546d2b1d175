/* File names as UTF-8 in Lua's standard library, for the duo-lua
 * executable: io.open, io.lines, os.remove, os.rename, os.getenv,
 * loadfile, dofile and the script named on the command line open and
 * name files through the platform layer. On Linux that is what the
 * standard library does anyway (the same calls, the same results and
 * messages); on Windows the C runtime's own calls take names in the ANSI
 * code page, and `Łódź ✓.csv` could not be opened without these.
 *
 * The file handles are the standard library's own (luaL_Stream with the
 * LUA_FILEHANDLE metatable), so every file method works on them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "host.h"
#include "lduo.h"
#include "platform.h"

/* The modes fopen takes: [rwa]%+?b* (as liolib checks them). */
static int valid_mode(const char *mode)
{
    if (*mode == '\0' || strchr("rwa", *mode) == NULL)
        return 0;
    mode++;
    if (*mode == '+')
        mode++;
    return strspn(mode, "b") == strlen(mode);
}

static int l_io_open(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    const char *mode = luaL_optstring(L, 2, "r");
    luaL_Stream *p;
    FILE *f;

    luaL_argcheck(L, valid_mode(mode), 2, "invalid mode");
    p = duo_push_stream(L);
    f = platform_fopen(name, mode);
    if (f == NULL)
        return luaL_fileresult(L, 0, name);
    duo_stream_attach(p, f);
    return 1;
}

/* The iterator of io.lines(name): the file's own lines iterator (upvalue
 * 1), and the file (upvalue 2) closed when it has no more. */
static int lines_step(lua_State *L)
{
    int n;

    lua_settop(L, 0);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_call(L, 0, LUA_MULTRET);
    n = lua_gettop(L);
    if (n == 0 || lua_isnil(L, 1)) {
        luaL_Stream *p = (luaL_Stream *)luaL_checkudata(L, lua_upvalueindex(2), LUA_FILEHANDLE);
        if (p->closef != NULL) {
            lua_getfield(L, lua_upvalueindex(2), "close");
            lua_pushvalue(L, lua_upvalueindex(2));
            lua_call(L, 1, 0);
        }
    }
    return n;
}

/* io.lines(name, ...): as the standard one; io.lines() without a name is
 * the standard one (upvalue 1). */
static int l_io_lines(lua_State *L)
{
    int n = lua_gettop(L);
    const char *name;
    luaL_Stream *p;
    FILE *f;

    if (lua_isnoneornil(L, 1)) {
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_insert(L, 1);
        lua_call(L, n, LUA_MULTRET);
        return lua_gettop(L);
    }
    name = luaL_checkstring(L, 1);
    p = duo_push_stream(L);
    f = platform_fopen(name, "r");
    if (f == NULL)
        return luaL_error(L, "%s: %s", name, strerror(errno));
    duo_stream_attach(p, f);
    lua_replace(L, 1);   /* the file instead of its name */
    /* file:lines(...) */
    lua_getfield(L, 1, "lines");
    lua_pushvalue(L, 1);
    for (int i = 2; i <= n; i++)
        lua_pushvalue(L, i);
    lua_call(L, n, 1);
    lua_pushvalue(L, 1);
    lua_pushcclosure(L, lines_step, 2);
    lua_pushnil(L);
    lua_pushnil(L);
    lua_pushvalue(L, 1);   /* to-be-closed by a generic for */
    return 4;
}

static int l_os_remove(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);

    return luaL_fileresult(L, platform_remove(name) == 0, name);
}

static int l_os_rename(lua_State *L)
{
    const char *from = luaL_checkstring(L, 1);
    const char *to = luaL_checkstring(L, 2);

    return luaL_fileresult(L, platform_rename(from, to) == 0, NULL);
}

static int l_os_getenv(lua_State *L)
{
    lua_pushstring(L, platform_getenv(luaL_checkstring(L, 1)));
    return 1;
}

typedef struct file_reader {
    FILE *f;
    int first;         /* a byte read ahead (EOF: none) */
    char buf[BUFSIZ];
} file_reader;

static const char *read_file(lua_State *L, void *data, size_t *size)
{
    file_reader *r = data;

    (void)L;
    if (r->first != EOF) {
        r->buf[0] = (char)r->first;
        r->first = EOF;
        *size = 1 + fread(r->buf + 1, 1, sizeof(r->buf) - 1, r->f);
        return r->buf;
    }
    if (feof(r->f))
        return NULL;
    *size = fread(r->buf, 1, sizeof(r->buf), r->f);
    return *size > 0 ? r->buf : NULL;
}

/* Skips a UTF-8 byte order mark and a first line starting with '#' (as
 * luaL_loadfilex does); leaves the next byte in r->first. */
static void skip_prefix(file_reader *r)
{
    int c = getc(r->f);

    if (c == 0xEF && getc(r->f) == 0xBB && getc(r->f) == 0xBF)
        c = getc(r->f);
    if (c == '#') {
        do
            c = getc(r->f);
        while (c != EOF && c != '\n');
        /* the newline stays, so that line numbers stay right */
    }
    r->first = c;
}

int duo_host_loadfile(lua_State *L, const char *name, const char *mode)
{
    file_reader *r;
    int status, read_error;

    if (name == NULL)
        return luaL_loadfilex(L, NULL, mode);   /* standard input */
    r = malloc(sizeof(*r));
    if (r == NULL) {
        lua_pushliteral(L, "not enough memory");
        return LUA_ERRMEM;
    }
    r->f = platform_fopen(name, "rb");
    if (r->f == NULL) {
        lua_pushfstring(L, "cannot open %s: %s", name, strerror(errno));
        free(r);
        return LUA_ERRFILE;
    }
    skip_prefix(r);
    lua_pushfstring(L, "@%s", name);
    status = lua_load(L, read_file, r, lua_tostring(L, -1), mode);
    read_error = ferror(r->f);
    lua_remove(L, -2);   /* the chunk name */
    (void)fclose(r->f);   /* read only: ferror said whether all was read */
    free(r);
    if (read_error && status == LUA_OK) {
        lua_pop(L, 1);
        lua_pushfstring(L, "cannot read %s", name);
        return LUA_ERRFILE;
    }
    return status;
}

static int l_loadfile(lua_State *L)
{
    const char *name = luaL_optstring(L, 1, NULL);
    const char *mode = luaL_optstring(L, 2, NULL);
    int env = !lua_isnone(L, 3) ? 3 : 0;

    if (duo_host_loadfile(L, name, mode) != LUA_OK) {
        luaL_pushfail(L);
        lua_insert(L, -2);
        return 2;
    }
    if (env != 0) {
        lua_pushvalue(L, env);
        if (!lua_setupvalue(L, -2, 1))
            lua_pop(L, 1);
    }
    return 1;
}

static int dofile_done(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    return lua_gettop(L) - 1;
}

static int l_dofile(lua_State *L)
{
    const char *name = luaL_optstring(L, 1, NULL);

    lua_settop(L, 1);
    if (duo_host_loadfile(L, name, NULL) != LUA_OK)
        return lua_error(L);
    lua_callk(L, 0, LUA_MULTRET, 0, dofile_done);
    return dofile_done(L, 0, 0);
}

static void replace_field(lua_State *L, const char *lib, const char *name, lua_CFunction fn)
{
    lua_getglobal(L, lib);
    if (lua_istable(L, -1)) {
        lua_pushcfunction(L, fn);
        lua_setfield(L, -2, name);
    }
    lua_pop(L, 1);
}

void duo_host_open_names(lua_State *L)
{
    replace_field(L, "io", "open", l_io_open);
    replace_field(L, "os", "remove", l_os_remove);
    replace_field(L, "os", "rename", l_os_rename);
    replace_field(L, "os", "getenv", l_os_getenv);
    lua_getglobal(L, "io");
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "lines");
        lua_pushcclosure(L, l_io_lines, 1);
        lua_setfield(L, -2, "lines");
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, l_loadfile);
    lua_setglobal(L, "loadfile");
    lua_pushcfunction(L, l_dofile);
    lua_setglobal(L, "dofile");
}
