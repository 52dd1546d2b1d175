/* duo._file: the file operations the workflows need that stock Lua lacks.
 * An advisory lock (fcntl, so it also works on NFS shares) around a
 * read-modify-write; replacing a file atomically while keeping its mode
 * and owner; listing a folder; reading a secret from the terminal without
 * echo; the name of the user running us. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "lduo.h"

#define LOCK_TYPE "duo.FileLock"

typedef struct file_lock {
    int fd;   /* -1 once released */
} file_lock;

static void release(file_lock *l)
{
    if (l->fd >= 0) {
        close(l->fd);   /* closing drops the fcntl lock */
        l->fd = -1;
    }
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
    struct flock fl;
    struct timespec pause = { 0, 20 * 1000 * 1000 };
    long waited_ms = 0;

    l->fd = -1;
    luaL_setmetatable(L, LOCK_TYPE);
    l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (l->fd < 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot create the lock file %s: %s", path, strerror(errno));
        return 2;
    }
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    while (fcntl(l->fd, F_SETLK, &fl) != 0) {
        int e = errno;
        if (e != EACCES && e != EAGAIN && e != EINTR) {
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
        nanosleep(&pause, NULL);
        waited_ms += 20;
    }
    return 1;
}

/* The file a path names after following symbolic links; a missing file is
 * resolved through its folder, and a link to a missing file through the
 * link's target. The result goes into out (PATH_MAX). */
static int resolve(const char *path, char *out)
{
    char dir[PATH_MAX], link[PATH_MAX];
    const char *slash, *base;
    size_t n;
    ssize_t len;
    struct stat st;

    if (realpath(path, out) != NULL)
        return 0;
    if (errno != ENOENT)
        return -1;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* a dangling link: the file it will name once written */
        len = readlink(path, link, sizeof(link) - 1);
        if (len < 0)
            return -1;
        link[len] = '\0';
        slash = strrchr(path, '/');
        if (link[0] != '/' && slash != NULL) {
            n = (size_t)(slash - path) + 1;
            if (n + (size_t)len + 1 > sizeof(dir)) {
                errno = ENAMETOOLONG;
                return -1;
            }
            memcpy(dir, path, n);
            memcpy(dir + n, link, (size_t)len + 1);
            memcpy(link, dir, n + (size_t)len + 1);
        }
        if (lstat(link, &st) == 0 && S_ISLNK(st.st_mode)) {
            errno = ELOOP;   /* a chain of dangling links: not worth following */
            return -1;
        }
        path = link;
    }
    slash = strrchr(path, '/');
    if (slash == NULL) {
        strcpy(dir, ".");
        base = path;
    } else {
        n = (size_t)(slash - path);
        if (n == 0)
            n = 1;
        if (n >= sizeof(dir)) {
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(dir, path, n);
        dir[n] = '\0';
        base = slash + 1;
    }
    if (realpath(dir, out) == NULL)
        return -1;
    n = strlen(out);
    if (n + 1 + strlen(base) + 1 > PATH_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (strcmp(out, "/") != 0)
        out[n++] = '/';
    strcpy(out + n, base);
    return 0;
}

/* file.resolve(path) -> the path with symbolic links followed, or nil, message. */
static int l_resolve(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    char out[PATH_MAX];

    if (resolve(path, out) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    lua_pushstring(L, out);
    return 1;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* file.replace(path, data [, mode [, force_mode]]) -> true, or nil and a message.
 * Follows symbolic links to the real file; refuses a file we may not
 * write; writes a temporary file created exclusively beside it, flushes it
 * to disk and renames it over the file, keeping the file's mode, owner and
 * group (mode for a new file: the third argument, default 0600; with
 * force_mode, for an existing file too). */
static int l_replace(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    size_t len, n;
    const char *data = luaL_checklstring(L, 2, &len);
    mode_t mode = (mode_t)luaL_optinteger(L, 3, 0600);
    int force_mode = lua_toboolean(L, 4);
    char target[PATH_MAX], tmp[PATH_MAX + 16];
    struct stat st;
    int fd, exists, e;
    const char *what = "cannot write";

    if (resolve(path, target) != 0)
        goto fail_path;
    exists = stat(target, &st) == 0;
    if (exists) {
        if (S_ISDIR(st.st_mode)) {
            errno = EISDIR;
            goto fail_path;
        }
        if (access(target, W_OK) != 0) {
            lua_pushnil(L);
            lua_pushfstring(L, "cannot write %s: %s (mode %o, owner uid %d); it was not changed",
                            path, strerror(errno), (int)(st.st_mode & 07777), (int)st.st_uid);
            return 2;
        }
        if (!force_mode)
            mode = st.st_mode & 07777;
    }
    n = strlen(target);
    if (n + 16 > sizeof(tmp)) {
        errno = ENAMETOOLONG;
        goto fail_path;
    }
    memcpy(tmp, target, n);
    memcpy(tmp + n, ".tmp-XXXXXX", 12);
    fd = mkstemp(tmp);   /* O_EXCL: never someone else's file */
    if (fd < 0) {
        what = "cannot create a temporary file beside";
        goto fail_path;
    }
    if (fchmod(fd, mode) != 0)
        goto fail_tmp;
    if (exists && (st.st_uid != geteuid() || st.st_gid != getegid())) {
        /* keep the owner where we may; a member of the file's group who
         * is not its owner keeps at least the group */
        if (fchown(fd, st.st_uid, st.st_gid) != 0 && fchown(fd, (uid_t)-1, st.st_gid) != 0
            && errno != EPERM)
            goto fail_tmp;
    }
    if (write_all(fd, data, len) != 0 || fsync(fd) != 0)
        goto fail_tmp;
    if (close(fd) != 0) {
        fd = -1;
        goto fail_tmp;
    }
    fd = -1;
    if (rename(tmp, target) != 0)
        goto fail_tmp;
    lua_pushboolean(L, 1);
    return 1;
fail_tmp:
    e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    errno = e;
fail_path:
    lua_pushnil(L);
    lua_pushfstring(L, "%s %s: %s", what, path, strerror(errno));
    return 2;
}

/* file.mkdir(path [, mode]) -> true (also when it exists), or nil, message. */
static int l_mkdir(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    mode_t mode = (mode_t)luaL_optinteger(L, 2, 0700);
    struct stat st;

    if (mkdir(path, mode) != 0 && !(errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot create the folder %s: %s", path, strerror(errno));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* file.kind(path) -> "file", "directory", "other", or nil and a message. */
static int l_kind(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    struct stat st;

    if (stat(path, &st) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    lua_pushstring(L, S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "directory" : "other");
    lua_pushinteger(L, (lua_Integer)(st.st_mode & 07777));
    return 2;
}

/* file.list(dir) -> the names in a folder (without . and ..), or nil, message. */
static int l_list(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    DIR *d = opendir(path);
    struct dirent *ent;
    lua_Integer n = 0;

    if (d == NULL) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    lua_newtable(L);
    while ((ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        if (!lua_checkstack(L, 2)) {
            closedir(d);
            return luaL_error(L, "out of memory listing %s", path);
        }
        lua_pushstring(L, ent->d_name);
        lua_rawseti(L, -2, ++n);
    }
    closedir(d);
    return 1;
}

/* file.read_secret(prompt) -> the line typed on the terminal, not echoed;
 * nil and a message when there is no terminal. */
static int l_read_secret(lua_State *L)
{
    const char *prompt = luaL_checkstring(L, 1);
    FILE *tty = fopen("/dev/tty", "r+");
    struct termios old, quiet;
    char buf[512];
    int have_termios;
    char *got;
    size_t n;

    if (tty == NULL) {
        lua_pushnil(L);
        lua_pushstring(L, "no terminal to read a secret from");
        return 2;
    }
    have_termios = tcgetattr(fileno(tty), &old) == 0;
    if (have_termios) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        quiet.c_lflag |= ECHONL;
        tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    }
    fputs(prompt, tty);
    fflush(tty);
    got = fgets(buf, sizeof(buf), tty);
    if (have_termios)
        tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fclose(tty);
    if (got == NULL) {
        memset(buf, 0, sizeof(buf));
        lua_pushnil(L);
        lua_pushstring(L, "no answer");
        return 2;
    }
    n = strcspn(buf, "\r\n");
    lua_pushlstring(L, buf, n);
    memset(buf, 0, sizeof(buf));
    return 1;
}

/* file.user() -> the login name of the user running us (or "uid N"). */
static int l_user(lua_State *L)
{
    struct passwd *pw = getpwuid(geteuid());

    if (pw != NULL && pw->pw_name != NULL)
        lua_pushstring(L, pw->pw_name);
    else
        lua_pushfstring(L, "uid %d", (int)geteuid());
    return 1;
}

static const luaL_Reg file_functions[] = {
    { "lock", l_lock },
    { "resolve", l_resolve },
    { "replace", l_replace },
    { "kind", l_kind },
    { "mkdir", l_mkdir },
    { "list", l_list },
    { "read_secret", l_read_secret },
    { "user", l_user },
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
