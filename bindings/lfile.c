/* duo._file: the file operations the workflows need that stock Lua lacks.
 * An advisory lock around a read-modify-write; replacing a file
 * atomically while keeping its mode and owner; folders (mkdir -p too);
 * listing a folder; whether only its owner may read a file; reading a
 * secret from the terminal without echo; flushing a file to the disk; the name of the user running us.
 * The operating system's side of each is in core/platform.h. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lduo.h"
#include "platform.h"

/* room for a resolved path */
#define PATH_ROOM 4096

#define LOCK_TYPE "duo.FileLock"

/* The failure result of the file functions: nil and "PATH: reason". */
static int fail_errno(lua_State *L, const char *path)
{
    const char *why = strerror(errno);

    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", path, why);
    return 2;
}

typedef struct file_lock {
    platform_lock lock;   /* handle -1 once released */
} file_lock;

static void release(file_lock *l)
{
    platform_lock_close(&l->lock);
}

static int lock_release(lua_State *L)
{
    release((file_lock *)luaL_checkudata(L, 1, LOCK_TYPE));
    return 0;
}

/* file.lock(path, timeout_s) -> lock, or nil and a message. Locks the file
 * path (created if missing, mode 0600), waiting up to timeout_s seconds for
 * another process to release it. lock:release(), or let it be collected or
 * closed (local l <close> = ...). */
static int l_lock(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_Number timeout = luaL_optnumber(L, 2, 60);
    file_lock *l = lua_newuserdatauv(L, sizeof(*l), 0);
    long waited_ms = 0;
    int rc;

    l->lock.handle = -1;
    luaL_setmetatable(L, LOCK_TYPE);
    if (platform_lock_open(&l->lock, path) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot create the lock file %s: %s", path, strerror(errno));
        return 2;
    }
    while ((rc = platform_lock_try(&l->lock)) != 0) {
        if (rc < 0) {
            int e = errno;
            release(l);
            lua_pushnil(L);
            lua_pushfstring(L, "cannot lock %s: %s", path, strerror(e));
            return 2;
        }
        if (waited_ms >= (long)(timeout * 1000)) {
            release(l);
            lua_pushnil(L);
            lua_pushfstring(L, "%s is locked by another process (waited %d s)", path, (int)timeout);
            return 2;
        }
        platform_sleep_ms(20);
        waited_ms += 20;
    }
    return 1;
}

/* file.resolve(path) -> the path with symbolic links followed, or nil, message. */
static int l_resolve(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    char out[PATH_ROOM];

    if (platform_resolve(path, out, sizeof(out)) != 0) {
        return fail_errno(L, path);
    }
    lua_pushstring(L, out);
    return 1;
}

/* What remove_stale_temps looks for: TARGET's temporary files. */
typedef struct stale_scan {
    char dir[PATH_ROOM];
    const char *base;
    size_t base_len;
} stale_scan;

static int remove_if_stale(void *data, const char *name)
{
    stale_scan *s = data;
    char path[PATH_ROOM * 2];
    char *end;
    long pid;

    if (strncmp(name, s->base, s->base_len) != 0 || strncmp(name + s->base_len, ".tmp-", 5) != 0)
        return 0;
    pid = strtol(name + s->base_len + 5, &end, 10);
    if (end == name + s->base_len + 5 || *end != '-' || pid == platform_pid()
        || platform_process_alive(pid) != 0)
        return 0;
    snprintf(path, sizeof(path), "%s/%s", s->dir, name);
    (void)platform_remove(path);   /* best effort: another run may be doing the same */
    return 0;
}

/* Removes the temporary files (NAME.tmp-PID-XXXXXX) that a run killed
 * during an atomic save of target left beside it: those whose process is
 * gone. They may hold whole copies of a store or a config. */
static void remove_stale_temps(const char *target)
{
    stale_scan s;
    const char *slash = strrchr(target, '/');
    const char *back = platform_is_windows() ? strrchr(target, '\\') : NULL;
    size_t n;

    if (back != NULL && (slash == NULL || back > slash))
        slash = back;
    if (slash == NULL) {
        strcpy(s.dir, ".");
        s.base = target;
    } else {
        n = (size_t)(slash - target);
        if (n >= sizeof(s.dir))
            return;
        memcpy(s.dir, target, n);
        s.dir[n == 0 ? 1 : n] = '\0';
        if (n == 0)
            s.dir[0] = '/';
        s.base = slash + 1;
    }
    s.base_len = strlen(s.base);
    (void)platform_list(s.dir, remove_if_stale, &s);
}

/* file.replace(path, data [, mode [, flags]]) -> true, or nil and a
 * message. Refuses a file we may not write; writes a temporary file
 * created exclusively beside it, flushes it to disk and renames it over
 * the file, keeping the file's mode, owner and group (mode for a new file:
 * the third argument, default 0600). Follows symbolic links to the real
 * file, unless flags has 2: then a link at path is itself replaced. flags
 * 1 (or true) forces the mode on an existing file too. Leftover temporary
 * files of killed runs are removed first. */
static int l_replace(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    unsigned mode = (unsigned)luaL_optinteger(L, 3, 0600);
    int flags = lua_isboolean(L, 4) ? lua_toboolean(L, 4) : (int)luaL_optinteger(L, 4, 0);
    char err[PATH_ROOM + 256], target[PATH_ROOM];

    if (flags & PLATFORM_REPLACE_NO_FOLLOW)
        remove_stale_temps(path);
    else if (platform_resolve(path, target, sizeof(target)) == 0)
        remove_stale_temps(target);
    if (platform_replace(path, data, len, mode, flags, err, sizeof(err)) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* file.mkdir(path [, mode [, parents]]) -> true (also when it exists), or
 * nil, message. With parents, also every missing folder above it (mkdir -p). */
static int l_mkdir(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    unsigned mode = (unsigned)luaL_optinteger(L, 2, 0700);
    int parents = lua_toboolean(L, 3);

    if ((parents ? platform_mkdir_p(path, mode) : platform_mkdir(path, mode)) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot create the folder %s: %s", path, strerror(errno));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* file.kind(path) -> "file", "directory", "other" and the permission bits,
 * or nil and a message (also for a missing file). */
static int l_kind(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    platform_stat st;

    int rc = platform_stat_path(path, &st);

    if (rc != 0 || st.kind == PLATFORM_MISSING) {
        if (rc == 0)
            errno = ENOENT;
        return fail_errno(L, path);
    }
    lua_pushstring(L, st.kind == PLATFORM_FILE ? "file" : st.kind == PLATFORM_DIRECTORY ? "directory" : "other");
    lua_pushinteger(L, (lua_Integer)st.mode);
    return 2;
}

/* file.others_can_change(path) -> true and why (with the fix), or false;
 * nil and a message when it cannot be told. */
static int l_others_can_change(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    char why[PATH_ROOM * 2 + 256];
    int rc = platform_others_can_change(path, why, sizeof(why));

    if (rc < 0) {
        return fail_errno(L, path);
    }
    lua_pushboolean(L, rc);
    if (rc == 0)
        return 1;
    lua_pushstring(L, why);
    return 2;
}

/* file.truncate(path, size) -> true, or nil and a message: cut back in
 * place and flushed to disk; never through a link. */
static int l_truncate(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_Integer size = luaL_checkinteger(L, 2);

    luaL_argcheck(L, size >= 0, 2, "a size of 0 or more expected");
    if (platform_truncate(path, (long long)size) != 0) {
        return fail_errno(L, path);
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* The close function of our handles (what liolib's own does). */
static int close_stream(lua_State *L)
{
    luaL_Stream *p = luaL_checkudata(L, 1, LUA_FILEHANDLE);
    int ok = fclose(p->f) == 0;

    return luaL_fileresult(L, ok, NULL);
}

luaL_Stream *duo_push_stream(lua_State *L)
{
    luaL_Stream *p = lua_newuserdatauv(L, sizeof(luaL_Stream), 0);

    p->closef = NULL;   /* not yet a file: the handle's __gc leaves it */
    p->f = NULL;
    luaL_setmetatable(L, LUA_FILEHANDLE);
    return p;
}

void duo_stream_attach(luaL_Stream *p, FILE *f)
{
    p->f = f;
    p->closef = close_stream;
}

/* file.open_append(path) -> a Lua file handle appending to path, created
 * owner-only (0600) when missing, never through a link (the files of users'
 * log data and journals); nil and a message when it cannot be opened. */
static int l_open_append(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    luaL_Stream *p = duo_push_stream(L);
    FILE *f = platform_open_log(path);

    if (f == NULL)
        return fail_errno(L, path);
    duo_stream_attach(p, f);
    return 1;
}

/* file.pid() -> this process's id. */
static int l_pid(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)platform_pid());
    return 1;
}

/* file.identity(path) -> "DEV:INO" of the file it names (links followed):
 * two paths with the same identity are the same file; nil when nothing
 * is there, or nil and a message. */
static int l_identity(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    platform_stat st;

    if (platform_stat_path(path, &st) != 0) {
        return fail_errno(L, path);
    }
    if (st.kind == PLATFORM_MISSING)
        return 0;
    lua_pushfstring(L, "%I:%I", (lua_Integer)st.dev, (lua_Integer)st.ino);
    return 1;
}

/* file.owner_only(path) -> true; or false and what is wrong with how to
 * fix it ("is readable by group or others: run chmod 600 PATH"); or nil
 * and a message. */
static int l_owner_only(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    char why[PATH_ROOM + 256];
    int rc = platform_owner_only(path, why, sizeof(why));

    if (rc < 0) {
        return fail_errno(L, path);
    }
    lua_pushboolean(L, rc);
    if (rc)
        return 1;
    lua_pushstring(L, why);
    return 2;
}

/* The names of a folder, gathered in C while the folder is open (nothing
 * may raise then), in a userdata whose __gc frees them whatever happens
 * after. */
typedef struct name_list {
    char *bytes;          /* the names, each followed by '\0' */
    size_t len, cap;
} name_list;

static int name_list_gc(lua_State *L)
{
    name_list *n = lua_touserdata(L, 1);

    free(n->bytes);
    n->bytes = NULL;
    return 0;
}

static int add_name(void *data, const char *name)
{
    name_list *n = data;
    size_t len = strlen(name) + 1;

    if (n->len + len > n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 1024;
        char *bytes;
        while (cap < n->len + len)
            cap *= 2;
        bytes = realloc(n->bytes, cap);
        if (bytes == NULL)
            return ENOMEM;
        n->bytes = bytes;
        n->cap = cap;
    }
    memcpy(n->bytes + n->len, name, len);
    n->len += len;
    return 0;
}

/* file.list(dir) -> the names in a folder (without . and ..), or nil, message. */
static int l_list(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    name_list *n = lua_newuserdatauv(L, sizeof(*n), 0);
    lua_Integer k = 0;
    int rc;

    n->bytes = NULL;
    n->len = n->cap = 0;
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, name_list_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    rc = platform_list(path, add_name, n);
    if (rc == ENOMEM)
        return luaL_error(L, "out of memory listing %s", path);
    if (rc != 0) {
        return fail_errno(L, path);
    }
    lua_newtable(L);
    for (size_t at = 0; at < n->len; at += strlen(n->bytes + at) + 1) {
        lua_pushstring(L, n->bytes + at);
        lua_rawseti(L, -2, ++k);
    }
    return 1;
}

/* file.read_secret(prompt) -> the line typed on the terminal, not echoed;
 * nil and a message when there is no terminal. */
static int l_read_secret(lua_State *L)
{
    const char *prompt = luaL_checkstring(L, 1);
    char buf[512];
    int rc = platform_read_secret(prompt, buf, sizeof(buf));

    if (rc != 0) {
        lua_pushnil(L);
        lua_pushstring(L, rc == -1 ? "no terminal to read a secret from" : "no answer");
        return 2;
    }
    lua_pushstring(L, buf);
    memset(buf, 0, sizeof(buf));
    return 1;
}

/* file.sync(f) -> true, or nil and a message: flushes an open Lua file
 * (io.open's) and its data to the disk, so that a checkpoint saved after
 * it never counts bytes a power cut could lose. */
static int l_sync(lua_State *L)
{
    luaL_Stream *s = (luaL_Stream *)luaL_checkudata(L, 1, LUA_FILEHANDLE);

    if (s->closef == NULL)
        return luaL_argerror(L, 1, "the file is closed");
    if (platform_flush_to_disk(s->f) != 0) {
        int e = errno;
        lua_pushnil(L);
        lua_pushfstring(L, "cannot flush the file to disk: %s", strerror(e));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* file.user() -> the login name of the user running us (or "uid N"). */
static int l_user(lua_State *L)
{
    char buf[256];

    platform_user(buf, sizeof(buf));
    lua_pushstring(L, buf);
    return 1;
}

static const luaL_Reg file_functions[] = {
    { "lock", l_lock },
    { "resolve", l_resolve },
    { "replace", l_replace },
    { "kind", l_kind },
    { "identity", l_identity },
    { "pid", l_pid },
    { "truncate", l_truncate },
    { "open_append", l_open_append },
    { "others_can_change", l_others_can_change },
    { "mkdir", l_mkdir },
    { "owner_only", l_owner_only },
    { "list", l_list },
    { "read_secret", l_read_secret },
    { "user", l_user },
    { "sync", l_sync },
    { NULL, NULL }
};

static const luaL_Reg lock_methods[] = {
    { "release", lock_release },
    { NULL, NULL }
};

int luaopen_duo_file(lua_State *L)
{
    if (luaL_newmetatable(L, LOCK_TYPE)) {
        luaL_newlib(L, lock_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, lock_release);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, lock_release);
        lua_setfield(L, -2, "__close");
    }
    lua_pop(L, 1);
    luaL_newlib(L, file_functions);
    return 1;
}
