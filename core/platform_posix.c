/* platform.h on Linux (glibc or musl). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"

const char *platform_name(void)
{
#if defined(__GLIBC__)
    return "Linux x86_64 (glibc)";
#else
    return "Linux x86_64 (musl, static)";
#endif
}

int platform_is_windows(void)
{
    return 0;
}

int platform_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int platform_random(void *out, size_t n)
{
    unsigned char *p = out;
    FILE *f;
    size_t got;

    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;   /* ENOSYS on an old kernel: the device below */
        }
        p += r;
        n -= (size_t)r;
    }
    if (n == 0)
        return 0;
    f = fopen("/dev/urandom", "rb");
    if (f == NULL)
        return -1;
    got = fread(p, 1, n, f);
    fclose(f);
    return got == n ? 0 : -1;
}

long long platform_monotonic_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void platform_sleep_ms(long long ms)
{
    struct timespec ts;

    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

int platform_gmtime(long long t, struct tm *out)
{
    time_t tt = (time_t)t;

    return gmtime_r(&tt, out) == NULL ? -1 : 0;
}

static void (*interrupt_fn)(void);

static void on_sigint(int sig)
{
    (void)sig;
    if (interrupt_fn != NULL)
        interrupt_fn();
}

void platform_on_interrupt(void (*fn)(void))
{
    struct sigaction sa;

    interrupt_fn = fn;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESETHAND;   /* the second Ctrl-C ends us */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    /* a service manager's stop, a closed terminal: the same orderly end,
     * so interrupted writes can still say what they did */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

FILE *platform_fopen(const char *path, const char *mode)
{
    return fopen(path, mode);
}

int platform_remove(const char *path)
{
    return remove(path);
}

int platform_rename(const char *from, const char *to)
{
    return rename(from, to);
}

const char *platform_getenv(const char *name)
{
    return getenv(name);
}

int platform_cwd(char *out, size_t n)
{
    return getcwd(out, n) == NULL ? -1 : 0;
}

int platform_stat_path(const char *path, platform_stat *out)
{
    struct stat st;

    memset(out, 0, sizeof(*out));
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        out->is_link = 1;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            out->kind = PLATFORM_MISSING;
            return 0;
        }
        return -1;
    }
    out->kind = S_ISREG(st.st_mode) ? PLATFORM_FILE : S_ISDIR(st.st_mode) ? PLATFORM_DIRECTORY
                                                                          : PLATFORM_OTHER;
    out->mode = (unsigned)(st.st_mode & 07777);
    out->dev = (unsigned long long)st.st_dev;
    out->ino = (unsigned long long)st.st_ino;
    out->size = (long long)st.st_size;
    return 0;
}

int platform_mkdir(const char *path, unsigned mode)
{
    struct stat st;

    if (mkdir(path, (mode_t)mode) == 0)
        return 0;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    if (errno == EEXIST)
        errno = ENOTDIR;
    return -1;
}

int platform_mkdir_p(const char *path, unsigned mode)
{
    char buf[PATH_MAX];
    size_t n = strlen(path), i;

    if (n == 0 || n >= sizeof(buf)) {
        errno = n == 0 ? ENOENT : ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (i = 1; i < n; i++) {
        if (buf[i] != '/' || buf[i - 1] == '/')
            continue;
        buf[i] = '\0';
        if (platform_mkdir(buf, mode) != 0)
            return -1;
        buf[i] = '/';
    }
    return platform_mkdir(buf, mode);
}

int platform_list(const char *path, int (*each)(void *data, const char *name), void *data)
{
    DIR *d = opendir(path);
    struct dirent *ent;
    int rc = 0;

    if (d == NULL)
        return -1;
    while (rc == 0 && (ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        rc = each(data, ent->d_name);
    }
    closedir(d);
    return rc;
}

int platform_resolve(const char *path, char *out, size_t size)
{
    char dir[PATH_MAX], link[PATH_MAX], full[PATH_MAX];
    const char *slash, *base;
    size_t n;
    ssize_t len;
    struct stat st;

    if (realpath(path, full) != NULL)
        goto copy;
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
    if (realpath(dir, full) == NULL)
        return -1;
    n = strlen(full);
    if (n + 1 + strlen(base) + 1 > sizeof(full)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (strcmp(full, "/") != 0)
        full[n++] = '/';
    strcpy(full + n, base);
copy:
    if (strlen(full) >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(out, full);
    return 0;
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

int platform_replace(const char *path, const char *data, size_t len, unsigned mode,
                     int flags, char *err, size_t errlen)
{
    int force_mode = (flags & PLATFORM_REPLACE_FORCE_MODE) != 0;
    char target[PATH_MAX], tmp[PATH_MAX + 32];
    struct stat st;
    int fd = -1, exists, e;
    size_t n;
    const char *what = "cannot write";

    if (flags & PLATFORM_REPLACE_NO_FOLLOW) {
        if (strlen(path) >= sizeof(target)) {
            errno = ENAMETOOLONG;
            goto fail;
        }
        strcpy(target, path);
        exists = lstat(target, &st) == 0 && !S_ISLNK(st.st_mode);   /* a link is replaced, not kept */
    } else {
        if (platform_resolve(path, target, sizeof(target)) != 0)
            goto fail;
        exists = stat(target, &st) == 0;
    }
    if (exists) {
        if (S_ISDIR(st.st_mode)) {
            errno = EISDIR;
            goto fail;
        }
        if (access(target, W_OK) != 0) {
            snprintf(err, errlen, "cannot write %s: %s (mode %o, owner uid %d); it was not changed",
                     path, strerror(errno), (unsigned)(st.st_mode & 07777), (int)st.st_uid);
            return -1;
        }
        if (!force_mode)
            mode = (unsigned)(st.st_mode & 07777);
    }
    n = (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%ld-XXXXXX", target, (long)getpid());
    if (n >= sizeof(tmp)) {
        errno = ENAMETOOLONG;
        goto fail;
    }
    fd = mkstemp(tmp);   /* O_EXCL: never someone else's file */
    if (fd < 0) {
        what = "cannot create a temporary file beside";
        goto fail;
    }
    if (fchmod(fd, (mode_t)mode) != 0)
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
    e = close(fd);
    fd = -1;
    if (e != 0 || rename(tmp, target) != 0)
        goto fail_tmp;
    return 0;
fail_tmp:
    e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    errno = e;
fail:
    snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
    return -1;
}

int platform_others_can_change(const char *path, char *why, size_t n)
{
    char real[PATH_MAX], dir[PATH_MAX];
    struct stat st, ds;
    char *slash;
    uid_t me = geteuid();

    if (realpath(path, real) == NULL || stat(real, &st) != 0)
        return -1;
    if (st.st_uid != me && st.st_uid != 0) {
        snprintf(why, n, "is owned by another user (uid %d): chown it or copy it to a file of your own",
                 (int)st.st_uid);
        return 1;
    }
    if (st.st_mode & 022) {
        snprintf(why, n, "may be changed by group or others (mode %o): run chmod go-w %s",
                 (unsigned)(st.st_mode & 07777), path);
        return 1;
    }
    strcpy(dir, real);
    slash = strrchr(dir, '/');
    if (slash == NULL)
        return 0;
    *(slash == dir ? slash + 1 : slash) = '\0';
    if (stat(dir, &ds) != 0)
        return -1;
    if ((ds.st_mode & 002) && !(ds.st_mode & S_ISVTX)) {
        snprintf(why, n, "is in %s, a folder anyone may write to (so anyone may replace the file): "
                 "run chmod o-w %s", dir, dir);
        return 1;
    }
    if (ds.st_uid != me && ds.st_uid != 0 && (ds.st_mode & 022) && !(ds.st_mode & S_ISVTX)) {
        snprintf(why, n, "is in %s, a folder another user's group may write to: move the file", dir);
        return 1;
    }
    return 0;
}

long platform_pid(void)
{
    return (long)getpid();
}

int platform_process_alive(long pid)
{
    if (pid <= 0)
        return -1;
    if (kill((pid_t)pid, 0) == 0)
        return 1;
    return errno == ESRCH ? 0 : errno == EPERM ? 1 : -1;
}

int platform_flush_to_disk(FILE *f)
{
    if (fflush(f) != 0)
        return -1;
    return fsync(fileno(f));
}

FILE *platform_open_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *f;

    if (fd < 0)
        return NULL;
    f = fdopen(fd, "a");
    if (f == NULL) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

int platform_truncate(const char *path, long long size)
{
    int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    int rc, e;

    if (fd < 0)
        return -1;
    rc = ftruncate(fd, (off_t)size) == 0 && fsync(fd) == 0 ? 0 : -1;
    e = errno;
    if (close(fd) != 0 && rc == 0)
        return -1;
    errno = e;
    return rc;
}

int platform_owner_only(const char *path, char *why, size_t n)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return -1;
    if ((st.st_mode & 077) == 0)
        return 1;
    snprintf(why, n, "is readable by group or others: run chmod 600 %s", path);
    return 0;
}

int platform_lock_open(platform_lock *l, const char *path)
{
    l->handle = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    return l->handle < 0 ? -1 : 0;
}

int platform_lock_try(platform_lock *l)
{
    struct flock fl;

    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl((int)l->handle, F_SETLK, &fl) == 0)
        return 0;
    return errno == EACCES || errno == EAGAIN || errno == EINTR ? 1 : -1;
}

void platform_lock_close(platform_lock *l)
{
    if (l->handle >= 0) {
        close((int)l->handle);   /* closing drops the fcntl lock */
        l->handle = -1;
    }
}

int platform_read_secret(const char *prompt, char *buf, size_t n)
{
    FILE *tty = fopen("/dev/tty", "r+");
    struct termios old, quiet;
    int have_termios;
    char *got;

    if (tty == NULL)
        return -1;
    have_termios = tcgetattr(fileno(tty), &old) == 0;
    if (have_termios) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        quiet.c_lflag |= ECHONL;
        tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    }
    fputs(prompt, tty);
    fflush(tty);
    got = fgets(buf, (int)n, tty);
    if (have_termios)
        tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fclose(tty);
    if (got == NULL) {
        memset(buf, 0, n);
        return -2;
    }
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

void platform_user(char *buf, size_t n)
{
    struct passwd *pw = getpwuid(geteuid());

    if (pw != NULL && pw->pw_name != NULL)
        snprintf(buf, n, "%s", pw->pw_name);
    else
        snprintf(buf, n, "uid %d", (int)geteuid());
}

int platform_isatty(int fd)
{
    return fd >= 0 && fd <= 2 && isatty(fd);
}

int platform_terminal_width(void)
{
    struct winsize ws;

    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

int platform_core_dumps_off(void)
{
    /* PR_SET_DUMPABLE 0 also stops other processes of the same user from
     * attaching with ptrace or reading /proc/<pid>/mem. */
    if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0)
        return 1;
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
}

int platform_core_dumps_are_off(void)
{
    return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0;
}

long long platform_udp_send(const char *host, const char *port, const void *data, size_t len,
                            char *err, size_t n)
{
    struct addrinfo hints, *res = NULL, *ai;
    int rc, fd, why = 0;
    ssize_t sent = -1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, n, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL && sent < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            why = errno;
            continue;
        }
        sent = sendto(fd, data, len, 0, ai->ai_addr, ai->ai_addrlen);
        if (sent < 0)
            why = errno;
        close(fd);
    }
    freeaddrinfo(res);
    if (sent < 0) {
        snprintf(err, n, "cannot send a datagram to %s port %s: %s", host, port, strerror(why));
        return -1;
    }
    return (long long)sent;
}

int platform_wait_socket(long long sock, int for_write, long timeout_ms)
{
    struct pollfd p;
    int rc;

    p.fd = (int)sock;
    p.events = for_write ? POLLOUT : POLLIN;
    p.revents = 0;
    do {
        rc = poll(&p, 1, timeout_ms > 0x7fffffffL ? 0x7fffffff : (int)timeout_ms);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -1 : rc > 0 ? 1 : 0;
}

int platform_hostname(char *out, size_t n)
{
    if (n == 0 || gethostname(out, n) != 0)
        return -1;
    out[n - 1] = '\0';
    return 0;
}
