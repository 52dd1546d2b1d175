/* The operating system, behind one interface: platform_posix.c (Linux,
 * glibc or musl) and platform_win.c (Windows) implement it, and nothing
 * else in core/ or bindings/ includes an operating-system header or tests
 * which system it is built for.
 *
 * Paths and text are UTF-8 everywhere; the Windows side converts to and
 * from UTF-16 at the system calls. Functions that fail return -1 with errno
 * set (a Windows error is mapped to the nearest errno), unless said
 * otherwise. */
#ifndef DUO_PLATFORM_H
#define DUO_PLATFORM_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* "Linux x86_64 (glibc)", "Linux x86_64 (musl, static)", "Windows x86_64". */
const char *platform_name(void);
/* Whether this is Windows: paths take \ too, and the default folders
 * differ. The only such question anything outside the platform asks. */
int platform_is_windows(void);

/* Start-up: on Windows, the arguments as UTF-8 (from the UTF-16 command
 * line) and UTF-8 console output; elsewhere nothing. *argv may be replaced
 * by a copy that lives until exit. Returns 0, or -1 when out of memory. */
int platform_init(int *argc, char ***argv);

/* Cryptographically strong random bytes (getrandom, /dev/urandom as a
 * fallback; BCryptGenRandom). 0 or -1. */
int platform_random(void *out, size_t n);

/* Milliseconds of a clock that never goes back, and a pause. */
long long platform_monotonic_ms(void);
void platform_sleep_ms(long long ms);
/* The UTC calendar time of t seconds since 1970 (gmtime_r); 0 or -1. */
int platform_gmtime(long long t, struct tm *out);

/* Ctrl-C (and on POSIX SIGTERM and SIGHUP): fn is called once on the first one (from a signal handler, or
 * on Windows from the console's handler thread: it may only set flags and
 * call lua_sethook). A second Ctrl-C ends the process the default way. */
void platform_on_interrupt(void (*fn)(void));

/* fopen, remove and rename (replacing the target) with UTF-8 names. */
FILE *platform_fopen(const char *path, const char *mode);
int platform_remove(const char *path);
int platform_rename(const char *from, const char *to);
/* An environment variable as UTF-8 (NULL when unset); the string lives
 * until the next call. */
const char *platform_getenv(const char *name);
/* The current folder, into out[n]. */
int platform_cwd(char *out, size_t n);

enum { PLATFORM_MISSING, PLATFORM_FILE, PLATFORM_DIRECTORY, PLATFORM_OTHER };
typedef struct platform_stat {
    int kind;                  /* PLATFORM_FILE, ... (after links) */
    int is_link;               /* the name itself is a symbolic link */
    unsigned mode;             /* permission bits (Windows: 0600 or 0400, 0700 for folders) */
    unsigned long long dev;    /* device and file number: the same pair is the same file */
    unsigned long long ino;
    long long size;
} platform_stat;
/* Facts about the file a path names (following links). A missing file is
 * not an error: kind PLATFORM_MISSING, and 0. */
int platform_stat_path(const char *path, platform_stat *st);

/* One folder; an existing folder is success. */
int platform_mkdir(const char *path, unsigned mode);
/* mkdir -p: the folder and every missing parent (each with mode). */
int platform_mkdir_p(const char *path, unsigned mode);
/* The names in a folder (not . and ..): each(data, name) for each, in the
 * system's order; each returning non-zero stops the listing (and its value
 * is returned). */
int platform_list(const char *dir, int (*each)(void *data, const char *name), void *data);

/* The absolute path of the file a path names, with symbolic links
 * followed; a missing file is resolved through its folder (and a link to
 * a missing file through the link's target). Into out[n]. */
int platform_resolve(const char *path, char *out, size_t n);

/* Replaces the file a path names (after links, unless NO_FOLLOW: then a
 * link there is itself replaced, its target untouched) with data,
 * atomically: a temporary file NAME.tmp-PID-XXXXXX created exclusively
 * beside it, flushed to disk, renamed over it (ReplaceFileW / MoveFileExW
 * with write-through on Windows). Keeps an existing file's mode and owner
 * (mode is for a new file, or for any with FORCE_MODE). On failure the
 * temporary file is gone, and it returns -1 and a one-line reason that
 * names path in err[n]. */
enum { PLATFORM_REPLACE_FORCE_MODE = 1, PLATFORM_REPLACE_NO_FOLLOW = 2 };
int platform_replace(const char *path, const char *data, size_t len, unsigned mode,
                     int flags, char *err, size_t n);

/* This process's id, and whether process pid still runs (1, 0; -1 when it
 * cannot be told): whose temporary file a leftover is. */
long platform_pid(void);
int platform_process_alive(long pid);

/* Flushes a stream's buffer and then the file's data to the disk (fsync;
 * FlushFileBuffers), so that what was written survives a power cut before
 * anything that counts it (a checkpoint) is saved. 0 or -1. */
int platform_flush_to_disk(FILE *f);

/* Opens path for appending (a log), created owner-only when missing;
 * refuses (ELOOP) when the name is a symbolic link. NULL on failure. */
FILE *platform_open_log(const char *path);
/* Cuts the file path names back to size bytes, in place, and flushes it to
 * disk; refuses (ELOOP) a symbolic link at path. */
int platform_truncate(const char *path, long long size);

/* Whether only the file's owner may read it: 1 yes; 0 no, with the reason
 * and the command that fixes it in why[n] ("is readable by group or
 * others: run chmod 600 PATH"; on Windows from the file's access list);
 * -1 when it cannot be told. */
int platform_owner_only(const char *path, char *why, size_t n);
/* Whether someone but its owner (and root) could change the file: 1 yes,
 * with the reason and the fix in why[n] (owned by another user, writable
 * by group or others, or in a folder that others may write to and that
 * has no sticky bit), as ssh checks its files; 0 no; -1 when it cannot be
 * told. On Windows 0: the access list is what owner_only checks. */
int platform_others_can_change(const char *path, char *why, size_t n);

/* An advisory lock on a whole file (fcntl, which also works on NFS;
 * LockFileEx). The file is created (owner only) when missing. */
typedef struct platform_lock {
    long long handle;   /* -1 when not open */
} platform_lock;
int platform_lock_open(platform_lock *l, const char *path);
/* 0 locked, 1 another process holds it, -1 error. */
int platform_lock_try(platform_lock *l);
void platform_lock_close(platform_lock *l);   /* also releases the lock */

/* Reads a line from the terminal (the console) without echo, after showing
 * prompt there. 0 with the line (no newline) in buf; -1 no terminal;
 * -2 no answer (end of input). buf is wiped on failure. */
int platform_read_secret(const char *prompt, char *buf, size_t n);

/* The login name of the user running us (or "uid N"), into buf[n]. */
void platform_user(char *buf, size_t n);

/* Whether standard input (0), output (1) or error (2) is a terminal. */
int platform_isatty(int fd);
/* Columns of the terminal on standard output (80 when unknown). */
int platform_terminal_width(void);

/* Sockets, for the notification channels that are not HTTPS (syslog).
 * One UDP datagram to host:port (host name or address, IPv4 or IPv6),
 * from a socket opened and closed for it. Returns the bytes sent (a short
 * count means the datagram went out cut), or -1 with a one-line reason
 * that names host and port in err[n]. */
long long platform_udp_send(const char *host, const char *port, const void *data, size_t len,
                            char *err, size_t n);
/* Waits until a connected socket (a file descriptor, or a Winsock SOCKET,
 * given as a number) can be read (for_write 0) or written: 1 ready, 0 the
 * time ran out, -1 error. */
int platform_wait_socket(long long sock, int for_write, long timeout_ms);
/* This machine's name (gethostname) into out[n]; 0 or -1. */
int platform_hostname(char *out, size_t n);

/* Core dumps (which would hold the secrets in memory): turns them off for
 * this process; 1 when they are off. */
int platform_core_dumps_off(void);
int platform_core_dumps_are_off(void);

#endif
