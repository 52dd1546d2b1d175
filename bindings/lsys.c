/* The few operating-system facts the Lua half needs that stock Lua lacks:
 * file permissions (to refuse a world-readable config holding a secret),
 * whether a stream is a terminal, and atomic file replacement. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>

#include "lduo.h"

/* _sys.file_mode(path) -> permission bits, or nil and a message. */
static int l_file_mode(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    struct stat st;

    if (stat(path, &st) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    lua_pushinteger(L, (lua_Integer)(st.st_mode & 07777));
    return 1;
}

/* _sys.isatty(fd) -> boolean (0 stdin, 1 stdout, 2 stderr). */
static int l_isatty(lua_State *L)
{
    lua_Integer fd = luaL_checkinteger(L, 1);
    lua_pushboolean(L, fd >= 0 && fd <= 2 && isatty((int)fd));
    return 1;
}

/* _sys.write_file_atomic(path, data [, mode]): writes a temporary file
 * beside path, flushes it to disk, then renames it over path, so a crash
 * leaves either the old or the new content, never a mix. */
static int l_write_file_atomic(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    lua_Integer mode = luaL_optinteger(L, 3, 0600);
    const char *tmp = lua_pushfstring(L, "%s.tmp-%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    int ok;

    if (f == NULL)
        goto fail;
    ok = fwrite(data, 1, len, f) == len;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || chmod(tmp, (mode_t)mode) != 0 || rename(tmp, path) != 0) {
        int saved = errno;
        remove(tmp);
        errno = saved;
        goto fail;
    }
    lua_pushboolean(L, 1);
    return 1;
fail:
    lua_pushnil(L);
    lua_pushfstring(L, "cannot write %s: %s", path, strerror(errno));
    return 2;
}

static const luaL_Reg sys_functions[] = {
    { "file_mode", l_file_mode },
    { "isatty", l_isatty },
    { "write_file_atomic", l_write_file_atomic },
    { NULL, NULL }
};

void duo_open_sys(lua_State *L)
{
    luaL_setfuncs(L, sys_functions, 0);
}
