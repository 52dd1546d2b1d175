/* platform.h on Windows (x86_64, built with mingw-w64). Every path and
 * string crosses here as UTF-8 and reaches the system as UTF-16 (the "W"
 * calls), so names outside the ANSI code page work. */
#define WIN32_LEAN_AND_MEAN
#define _WIN32_WINNT 0x0600
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <aclapi.h>
#include <bcrypt.h>
#include <io.h>
#include <sddl.h>
#include <shellapi.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "platform.h"

const char *platform_name(void)
{
    return "Windows x86_64";
}

int platform_is_windows(void)
{
    return 1;
}

/* UTF-8 -> UTF-16, malloc'd (NULL with errno on failure). */
static wchar_t *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w;

    if (n <= 0) {
        errno = EILSEQ;
        return NULL;
    }
    w = malloc((size_t)n * sizeof(wchar_t));
    if (w == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
    return w;
}

/* UTF-16 -> UTF-8 into out[n]; 0 or -1 (ENAMETOOLONG). */
static int narrow_into(const wchar_t *w, char *out, size_t n)
{
    int got = WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)n, NULL, NULL);

    if (got <= 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* UTF-16 -> UTF-8, malloc'd. */
static char *narrow(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s;

    if (n <= 0)
        return NULL;
    s = malloc((size_t)n);
    if (s != NULL)
        WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
    return s;
}

/* errno for the last Windows error. */
static int set_errno(void)
{
    switch (GetLastError()) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
        errno = ENOENT;
        break;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
        errno = EACCES;
        break;
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS:
        errno = EEXIST;
        break;
    case ERROR_DIRECTORY:
        errno = ENOTDIR;
        break;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        errno = ENOMEM;
        break;
    case ERROR_FILENAME_EXCED_RANGE:
        errno = ENAMETOOLONG;
        break;
    case ERROR_DISK_FULL:
        errno = ENOSPC;
        break;
    default:
        errno = EIO;
        break;
    }
    return -1;
}

int platform_init(int *argc, char ***argv)
{
    int n, i;
    wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &n);
    char **out;

    SetConsoleOutputCP(CP_UTF8);
    SetConsoleCP(CP_UTF8);
    if (wargv == NULL)
        return 0;   /* keep the CRT's arguments */
    out = calloc((size_t)n + 1, sizeof(char *));
    if (out == NULL) {
        LocalFree(wargv);
        return -1;
    }
    for (i = 0; i < n; i++) {
        out[i] = narrow(wargv[i]);
        if (out[i] == NULL) {
            LocalFree(wargv);
            return -1;
        }
    }
    LocalFree(wargv);
    *argc = n;
    *argv = out;   /* lives until exit */
    return 0;
}

int platform_random(void *out, size_t n)
{
    return BCRYPT_SUCCESS(BCryptGenRandom(NULL, out, (ULONG)n, BCRYPT_USE_SYSTEM_PREFERRED_RNG)) ? 0 : -1;
}

long long platform_monotonic_ms(void)
{
    return (long long)GetTickCount64();
}

void platform_sleep_ms(long long ms)
{
    Sleep(ms < 0 ? 0 : (DWORD)ms);
}

int platform_gmtime(long long t, struct tm *out)
{
    __time64_t tt = (__time64_t)t;

    return _gmtime64_s(out, &tt) == 0 ? 0 : -1;
}

static void (*interrupt_fn)(void);
static volatile LONG interrupts;

/* Runs on a thread of its own that the console starts for each Ctrl-C. */
static BOOL WINAPI on_console_event(DWORD event)
{
    if (event != CTRL_C_EVENT && event != CTRL_BREAK_EVENT)
        return FALSE;
    if (InterlockedIncrement(&interrupts) > 1)
        return FALSE;   /* the second one: the default handler ends us */
    if (interrupt_fn != NULL)
        interrupt_fn();
    return TRUE;
}

void platform_on_interrupt(void (*fn)(void))
{
    interrupt_fn = fn;
    InterlockedExchange(&interrupts, 0);
    SetConsoleCtrlHandler(on_console_event, TRUE);
}

FILE *platform_fopen(const char *path, const char *mode)
{
    wchar_t *wp = wide(path), *wm = wide(mode);
    FILE *f = NULL;

    if (wp != NULL && wm != NULL)
        f = _wfopen(wp, wm);
    free(wp);
    free(wm);
    return f;
}

int platform_remove(const char *path)
{
    wchar_t *wp = wide(path);
    int rc = -1;

    if (wp != NULL) {
        DWORD attr = GetFileAttributesW(wp);
        if (attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY))
            rc = RemoveDirectoryW(wp) ? 0 : set_errno();
        else
            rc = DeleteFileW(wp) ? 0 : set_errno();
    }
    free(wp);
    return rc;
}

int platform_rename(const char *from, const char *to)
{
    wchar_t *wf = wide(from), *wt = wide(to);
    int rc = -1;

    if (wf != NULL && wt != NULL)
        rc = MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH) ? 0 : set_errno();
    free(wf);
    free(wt);
    return rc;
}

const char *platform_getenv(const char *name)
{
    static char *last;
    wchar_t *wn = wide(name), *v;

    free(last);
    last = NULL;
    if (wn == NULL)
        return NULL;
    v = _wgetenv(wn);
    free(wn);
    if (v != NULL)
        last = narrow(v);
    return last;
}

int platform_cwd(char *out, size_t n)
{
    wchar_t buf[MAX_PATH * 4];

    if (_wgetcwd(buf, (int)(sizeof(buf) / sizeof(buf[0]))) == NULL)
        return -1;
    return narrow_into(buf, out, n);
}

/* A handle for reading a file's facts (folders too), or INVALID_HANDLE_VALUE. */
static HANDLE open_for_facts(const wchar_t *wp)
{
    return CreateFileW(wp, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                       OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
}

int platform_stat_path(const char *path, platform_stat *out)
{
    wchar_t *wp = wide(path);
    BY_HANDLE_FILE_INFORMATION info;
    DWORD attr;
    HANDLE h;

    memset(out, 0, sizeof(*out));
    if (wp == NULL)
        return -1;
    attr = GetFileAttributesW(wp);
    if (attr == INVALID_FILE_ATTRIBUTES) {
        DWORD e = GetLastError();
        free(wp);
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND || e == ERROR_INVALID_NAME) {
            out->kind = PLATFORM_MISSING;
            return 0;
        }
        SetLastError(e);
        return set_errno();
    }
    out->is_link = (attr & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
    h = open_for_facts(wp);
    free(wp);
    if (h == INVALID_HANDLE_VALUE)
        return set_errno();
    if (!GetFileInformationByHandle(h, &info)) {
        CloseHandle(h);
        return set_errno();
    }
    CloseHandle(h);
    if (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
        out->kind = PLATFORM_DIRECTORY;
        out->mode = 0700;
    } else {
        out->kind = (info.dwFileAttributes & FILE_ATTRIBUTE_DEVICE) ? PLATFORM_OTHER : PLATFORM_FILE;
        out->mode = (info.dwFileAttributes & FILE_ATTRIBUTE_READONLY) ? 0400 : 0600;
    }
    out->dev = info.dwVolumeSerialNumber;
    out->ino = ((unsigned long long)info.nFileIndexHigh << 32) | info.nFileIndexLow;
    out->size = ((long long)info.nFileSizeHigh << 32) | info.nFileSizeLow;
    return 0;
}

int platform_mkdir(const char *path, unsigned mode)
{
    wchar_t *wp = wide(path);
    DWORD attr;
    int rc = 0;

    (void)mode;   /* a new folder inherits its parent's access list */
    if (wp == NULL)
        return -1;
    if (!CreateDirectoryW(wp, NULL)) {
        DWORD e = GetLastError();
        attr = GetFileAttributesW(wp);
        if (e == ERROR_ALREADY_EXISTS && attr != INVALID_FILE_ATTRIBUTES
            && (attr & FILE_ATTRIBUTE_DIRECTORY)) {
            rc = 0;
        } else if (e == ERROR_ALREADY_EXISTS) {
            errno = ENOTDIR;
            rc = -1;
        } else {
            SetLastError(e);
            rc = set_errno();
        }
    }
    free(wp);
    return rc;
}

int platform_mkdir_p(const char *path, unsigned mode)
{
    size_t n = strlen(path), i, start = 1;
    char *buf;
    int rc;

    if (n == 0) {
        errno = ENOENT;
        return -1;
    }
    buf = malloc(n + 1);
    if (buf == NULL)
        return -1;
    memcpy(buf, path, n + 1);
    /* the root is not ours to make: "C:\", or "\\server\share\" */
    if (n >= 2 && buf[1] == ':')
        start = 3;
    else if (n >= 2 && (buf[0] == '\\' || buf[0] == '/') && (buf[1] == '\\' || buf[1] == '/')) {
        int parts = 0;
        for (start = 2; start < n && parts < 2; start++)
            if (buf[start] == '\\' || buf[start] == '/')
                parts++;
    }
    for (i = start; i < n; i++) {
        char c = buf[i];
        if ((c != '\\' && c != '/') || buf[i - 1] == '\\' || buf[i - 1] == '/')
            continue;
        buf[i] = '\0';
        rc = platform_mkdir(buf, mode);
        buf[i] = c;
        if (rc != 0) {
            free(buf);
            return -1;
        }
    }
    rc = platform_mkdir(buf, mode);
    free(buf);
    return rc;
}

int platform_list(const char *dir, int (*each)(void *data, const char *name), void *data)
{
    size_t n = strlen(dir);
    char *pattern = malloc(n + 3);
    wchar_t *wp;
    WIN32_FIND_DATAW fd;
    HANDLE h;
    int rc = 0;

    if (pattern == NULL)
        return -1;
    memcpy(pattern, dir, n);
    memcpy(pattern + n, "\\*", 3);
    wp = wide(pattern);
    free(pattern);
    if (wp == NULL)
        return -1;
    h = FindFirstFileW(wp, &fd);
    free(wp);
    if (h == INVALID_HANDLE_VALUE)
        return set_errno();
    do {
        char name[MAX_PATH * 4];
        if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0)
            continue;
        if (narrow_into(fd.cFileName, name, sizeof(name)) == 0)
            rc = each(data, name);
    } while (rc == 0 && FindNextFileW(h, &fd));
    FindClose(h);
    return rc;
}

/* The final path of an existing file (links followed), without the \\?\
 * that GetFinalPathNameByHandleW puts before it. */
static int final_path(const wchar_t *wp, wchar_t *out, DWORD n)
{
    HANDLE h = open_for_facts(wp);
    DWORD got;

    if (h == INVALID_HANDLE_VALUE)
        return -1;
    got = GetFinalPathNameByHandleW(h, out, n, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    CloseHandle(h);
    if (got == 0 || got >= n)
        return -1;
    if (wcsncmp(out, L"\\\\?\\UNC\\", 8) == 0) {
        memmove(out + 2, out + 8, (wcslen(out + 8) + 1) * sizeof(wchar_t));
    } else if (wcsncmp(out, L"\\\\?\\", 4) == 0) {
        memmove(out, out + 4, (wcslen(out + 4) + 1) * sizeof(wchar_t));
    }
    return 0;
}

int platform_resolve(const char *path, char *out, size_t n)
{
    wchar_t *wp = wide(path);
    wchar_t full[MAX_PATH * 4], fin[MAX_PATH * 4];
    DWORD got;

    if (wp == NULL)
        return -1;
    got = GetFullPathNameW(wp, (DWORD)(sizeof(full) / sizeof(full[0])), full, NULL);
    free(wp);
    if (got == 0 || got >= sizeof(full) / sizeof(full[0]))
        return set_errno();
    if (final_path(full, fin, (DWORD)(sizeof(fin) / sizeof(fin[0]))) == 0)
        return narrow_into(fin, out, n);
    return narrow_into(full, out, n);
}

/* The SID of the user running us, malloc'd. */
static PSID current_user(void)
{
    HANDLE token;
    DWORD n = 0;
    TOKEN_USER *tu;
    PSID sid = NULL;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        return NULL;
    GetTokenInformation(token, TokenUser, NULL, 0, &n);
    tu = n > 0 ? malloc(n) : NULL;
    if (tu != NULL && GetTokenInformation(token, TokenUser, tu, n, &n)) {
        DWORD len = GetLengthSid(tu->User.Sid);
        sid = malloc(len);
        if (sid != NULL)
            CopySid(len, sid, tu->User.Sid);
    }
    free(tu);
    CloseHandle(token);
    return sid;
}

/* Gives the file an access list of its own that lets only its owner (us)
 * in, as chmod 600 does: inherited entries are dropped. */
static int restrict_to_owner(HANDLE h)
{
    PSID me = current_user();
    char acl_buf[256];
    PACL acl = (PACL)acl_buf;
    DWORD rc;

    if (me == NULL)
        return set_errno();
    if (!InitializeAcl(acl, sizeof(acl_buf), ACL_REVISION)
        || !AddAccessAllowedAce(acl, ACL_REVISION, FILE_ALL_ACCESS, me)) {
        free(me);
        return set_errno();
    }
    rc = SetSecurityInfo(h, SE_FILE_OBJECT,
                         DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                         NULL, NULL, acl, NULL);
    free(me);
    if (rc != ERROR_SUCCESS) {
        SetLastError(rc);
        return set_errno();
    }
    return 0;
}

static int write_all(HANDLE h, const char *data, size_t len)
{
    while (len > 0) {
        DWORD chunk = len > 0x40000000 ? 0x40000000 : (DWORD)len, done = 0;
        if (!WriteFile(h, data, chunk, &done, NULL))
            return set_errno();
        data += done;
        len -= done;
    }
    return 0;
}

int platform_replace(const char *path, const char *data, size_t len, unsigned mode,
                     int flags, char *err, size_t errlen)
{
    int force_mode = (flags & PLATFORM_REPLACE_FORCE_MODE) != 0;
    char target[MAX_PATH * 4], tmp[MAX_PATH * 4 + 32];
    unsigned char r[6];
    wchar_t *wt = NULL, *wtmp = NULL;
    HANDLE h = INVALID_HANDLE_VALUE;
    platform_stat st;
    const char *what = "cannot write";
    int tries, keep_acl;

    if (flags & PLATFORM_REPLACE_NO_FOLLOW) {
        /* the name itself, a reparse point included, is what is replaced */
        if (strlen(path) >= sizeof(target)) {
            errno = ENAMETOOLONG;
            goto fail;
        }
        strcpy(target, path);
    } else if (platform_resolve(path, target, sizeof(target)) != 0) {
        goto fail;
    }
    if (platform_stat_path(target, &st) != 0)
        goto fail;
    if ((flags & PLATFORM_REPLACE_NO_FOLLOW) && st.is_link)
        st.kind = PLATFORM_MISSING;
    if (st.kind == PLATFORM_DIRECTORY) {
        errno = EISDIR;
        goto fail;
    }
    if (platform_random(r, sizeof(r)) != 0) {
        errno = EIO;
        goto fail;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp-%lu-%02x%02x%02x%02x%02x%02x", target,
             (unsigned long)GetCurrentProcessId(), r[0], r[1], r[2], r[3], r[4], r[5]);
    wt = wide(target);
    wtmp = wide(tmp);
    if (wt == NULL || wtmp == NULL)
        goto fail;
    /* CREATE_NEW: never someone else's file; write-through: on the disk
     * before it takes the old file's place */
    h = CreateFileW(wtmp, GENERIC_READ | GENERIC_WRITE | WRITE_DAC, 0, NULL, CREATE_NEW,
                    FILE_ATTRIBUTE_NORMAL | FILE_FLAG_WRITE_THROUGH, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        set_errno();
        what = "cannot create a temporary file beside";
        goto fail;
    }
    /* An existing file keeps its access list (ReplaceFileW carries it
     * over) unless the mode is forced; a new or forced owner-only file
     * gets one of its own. */
    keep_acl = st.kind != PLATFORM_MISSING && !force_mode;
    if (!keep_acl && (mode & 077) == 0 && restrict_to_owner(h) != 0)
        goto fail_tmp;
    if (write_all(h, data, len) != 0 || !FlushFileBuffers(h)) {
        set_errno();
        goto fail_tmp;
    }
    CloseHandle(h);
    h = INVALID_HANDLE_VALUE;
    /* A reader that has the old file open (without sharing deletion) makes
     * the swap fail for a moment: try again for up to a second. */
    for (tries = 0;; tries++) {
        BOOL ok;
        if (keep_acl)
            ok = ReplaceFileW(wt, wtmp, NULL, REPLACEFILE_IGNORE_MERGE_ERRORS, NULL, NULL);
        else
            ok = MoveFileExW(wtmp, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
        if (ok)
            break;
        if (tries >= 50 || (GetLastError() != ERROR_SHARING_VIOLATION
                            && GetLastError() != ERROR_ACCESS_DENIED
                            && GetLastError() != ERROR_UNABLE_TO_REMOVE_REPLACED)) {
            set_errno();
            goto fail_tmp;
        }
        Sleep(20);
    }
    free(wt);
    free(wtmp);
    return 0;
fail_tmp:
    {
        int e = errno;
        if (h != INVALID_HANDLE_VALUE)
            CloseHandle(h);
        DeleteFileW(wtmp);
        errno = e;
    }
fail:
    free(wt);
    free(wtmp);
    snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
    return -1;
}

int platform_others_can_change(const char *path, char *why, size_t n)
{
    (void)path;
    (void)why;
    (void)n;
    return 0;   /* the access list decides: platform_owner_only reads it */
}

long platform_pid(void)
{
    return (long)GetCurrentProcessId();
}

int platform_process_alive(long pid)
{
    HANDLE h;
    DWORD code;
    int alive;

    if (pid <= 0)
        return -1;
    h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
    if (h == NULL)
        return GetLastError() == ERROR_INVALID_PARAMETER ? 0 : 1;   /* no such process, or not ours to ask */
    alive = GetExitCodeProcess(h, &code) && code == STILL_ACTIVE;
    CloseHandle(h);
    return alive;
}

int platform_flush_to_disk(FILE *f)
{
    HANDLE h;
    if (fflush(f) != 0)
        return -1;
    h = (HANDLE)_get_osfhandle(_fileno(f));
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    return FlushFileBuffers(h) ? 0 : set_errno();
}

int platform_truncate(const char *path, long long size)
{
    platform_stat st;
    wchar_t *wp;
    HANDLE h;
    LARGE_INTEGER at;
    int ok;

    if (platform_stat_path(path, &st) != 0)
        return -1;
    if (st.is_link) {
        errno = ELOOP;
        return -1;
    }
    wp = wide(path);
    if (wp == NULL)
        return -1;
    h = CreateFileW(wp, GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    free(wp);
    if (h == INVALID_HANDLE_VALUE)
        return set_errno();
    at.QuadPart = size;
    ok = SetFilePointerEx(h, at, NULL, FILE_BEGIN) && SetEndOfFile(h) && FlushFileBuffers(h);
    if (!ok) {
        set_errno();
        CloseHandle(h);
        return -1;
    }
    CloseHandle(h);
    return 0;
}

FILE *platform_open_log(const char *path)
{
    platform_stat st;

    if (platform_stat_path(path, &st) != 0)
        return NULL;
    if (st.is_link) {
        errno = ELOOP;
        return NULL;
    }
    return platform_fopen(path, "ab");
}

/* Whether an account may read a file as its owner may: the owner itself,
 * SYSTEM and the Administrators group (Windows' root). */
static int trusted(PSID sid, PSID owner)
{
    WELL_KNOWN_SID_TYPE ok[] = { WinLocalSystemSid, WinBuiltinAdministratorsSid, WinCreatorOwnerSid };
    size_t i;

    if (owner != NULL && EqualSid(sid, owner))
        return 1;
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (IsWellKnownSid(sid, ok[i]))
            return 1;
    return 0;
}

int platform_owner_only(const char *path, char *why, size_t n)
{
    wchar_t *wp = wide(path);
    PSID owner = NULL;
    PACL dacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    DWORD rc, i;
    int result = 1;

    if (wp == NULL)
        return -1;
    rc = GetNamedSecurityInfoW(wp, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                               &owner, NULL, &dacl, NULL, &sd);
    free(wp);
    if (rc != ERROR_SUCCESS) {
        SetLastError(rc);
        return set_errno();
    }
    if (dacl == NULL) {
        /* no access list at all: everyone may do anything */
        snprintf(why, n, "has no access list (anyone may read it): run icacls \"%s\" /inheritance:r "
                 "/grant:r \"%%USERNAME%%:F\"", path);
        LocalFree(sd);
        return 0;
    }
    for (i = 0; i < dacl->AceCount && result; i++) {
        ACE_HEADER *ace;
        ACCESS_ALLOWED_ACE *allowed;
        PSID sid;
        if (!GetAce(dacl, i, (void **)&ace) || ace->AceType != ACCESS_ALLOWED_ACE_TYPE
            || (ace->AceFlags & INHERIT_ONLY_ACE))
            continue;
        allowed = (ACCESS_ALLOWED_ACE *)ace;
        if (!(allowed->Mask & (FILE_READ_DATA | GENERIC_READ | GENERIC_ALL)))
            continue;
        sid = (PSID)&allowed->SidStart;
        if (!trusted(sid, owner)) {
            wchar_t name[256], domain[256];
            DWORD nn = 256, dn = 256;
            SID_NAME_USE use;
            char who[512] = "another account";
            if (LookupAccountSidW(NULL, sid, name, &nn, domain, &dn, &use))
                narrow_into(name, who, sizeof(who));
            snprintf(why, n, "is readable by others (%s, in its access list): run icacls \"%s\" "
                     "/inheritance:r /grant:r \"%%USERNAME%%:F\"", who, path);
            result = 0;
        }
    }
    LocalFree(sd);
    return result;
}

int platform_lock_open(platform_lock *l, const char *path)
{
    wchar_t *wp = wide(path);
    HANDLE h;

    l->handle = -1;
    if (wp == NULL)
        return -1;
    h = CreateFileW(wp, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    free(wp);
    if (h == INVALID_HANDLE_VALUE)
        return set_errno();
    l->handle = (long long)(intptr_t)h;
    return 0;
}

int platform_lock_try(platform_lock *l)
{
    OVERLAPPED ov;

    memset(&ov, 0, sizeof(ov));
    if (LockFileEx((HANDLE)(intptr_t)l->handle, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0,
                   MAXDWORD, MAXDWORD, &ov))
        return 0;
    if (GetLastError() == ERROR_LOCK_VIOLATION || GetLastError() == ERROR_IO_PENDING)
        return 1;
    return set_errno();
}

void platform_lock_close(platform_lock *l)
{
    if (l->handle != -1) {
        CloseHandle((HANDLE)(intptr_t)l->handle);   /* closing releases the lock */
        l->handle = -1;
    }
}

int platform_read_secret(const char *prompt, char *buf, size_t n)
{
    HANDLE in = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                            NULL, OPEN_EXISTING, 0, NULL);
    HANDLE out = CreateFileW(L"CONOUT$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                             NULL, OPEN_EXISTING, 0, NULL);
    wchar_t line[512], *wprompt;
    DWORD mode, got = 0, done;
    int rc = -1;

    if (in == INVALID_HANDLE_VALUE || out == INVALID_HANDLE_VALUE || !GetConsoleMode(in, &mode))
        goto done;
    wprompt = wide(prompt);
    if (wprompt != NULL) {
        WriteConsoleW(out, wprompt, (DWORD)wcslen(wprompt), &done, NULL);
        free(wprompt);
    }
    SetConsoleMode(in, (mode & ~(DWORD)ENABLE_ECHO_INPUT) | ENABLE_LINE_INPUT | ENABLE_PROCESSED_INPUT);
    rc = ReadConsoleW(in, line, (DWORD)(sizeof(line) / sizeof(line[0])) - 1, &got, NULL) && got > 0 ? 0 : -2;
    SetConsoleMode(in, mode);
    WriteConsoleW(out, L"\r\n", 2, &done, NULL);
    if (rc == 0) {
        line[got] = 0;
        line[wcscspn(line, L"\r\n")] = 0;
        if (narrow_into(line, buf, n) != 0)
            rc = -2;
    }
    SecureZeroMemory(line, sizeof(line));
done:
    if (rc != 0)
        memset(buf, 0, n);
    if (in != INVALID_HANDLE_VALUE)
        CloseHandle(in);
    if (out != INVALID_HANDLE_VALUE)
        CloseHandle(out);
    return rc;
}

void platform_user(char *buf, size_t n)
{
    wchar_t name[256];
    DWORD len = 256;

    if (!GetUserNameW(name, &len) || narrow_into(name, buf, n) != 0)
        snprintf(buf, n, "unknown user");
}

static HANDLE std_handle(int fd)
{
    return GetStdHandle(fd == 0 ? STD_INPUT_HANDLE : fd == 1 ? STD_OUTPUT_HANDLE : STD_ERROR_HANDLE);
}

int platform_isatty(int fd)
{
    DWORD mode;

    /* a console, not just any character device (NUL is one) */
    return fd >= 0 && fd <= 2 && GetConsoleMode(std_handle(fd), &mode);
}

int platform_terminal_width(void)
{
    CONSOLE_SCREEN_BUFFER_INFO info;

    if (GetConsoleScreenBufferInfo(std_handle(1), &info)) {
        int w = info.srWindow.Right - info.srWindow.Left + 1;
        if (w >= 20)
            return w;
    }
    return 80;
}

int platform_core_dumps_off(void)
{
    /* No crash dialog (whose debugger could read our memory); Windows
     * Error Reporting writes no dump unless an administrator configured
     * LocalDumps, which a process cannot turn off for itself. */
    SetErrorMode(GetErrorMode() | SEM_NOGPFAULTERRORBOX);
    return 0;
}

int platform_core_dumps_are_off(void)
{
    return 0;
}

/* Winsock is started once, on the first socket; libcurl starts it for
 * itself as well (WSAStartup counts). */
static int winsock_ready(void)
{
    static int ready = 0;
    WSADATA data;

    if (!ready && WSAStartup(MAKEWORD(2, 2), &data) == 0)
        ready = 1;
    return ready;
}

long long platform_udp_send(const char *host, const char *port, const void *data, size_t len,
                            char *err, size_t n)
{
    struct addrinfo hints, *res = NULL, *ai;
    SOCKET s = INVALID_SOCKET;
    int rc, sent = SOCKET_ERROR, why = 0;

    if (!winsock_ready()) {
        snprintf(err, n, "cannot start Winsock");
        return -1;
    }
    if (len > 0x7fffffff) {
        snprintf(err, n, "a datagram to %s port %s is too large", host, port);
        return -1;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, n, "cannot resolve %s (Winsock error %d)", host, rc);
        return -1;
    }
    for (ai = res; ai != NULL && sent == SOCKET_ERROR; ai = ai->ai_next) {
        s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (s == INVALID_SOCKET) {
            why = WSAGetLastError();
            continue;
        }
        sent = sendto(s, data, (int)len, 0, ai->ai_addr, (int)ai->ai_addrlen);
        if (sent == SOCKET_ERROR)
            why = WSAGetLastError();
        closesocket(s);
    }
    freeaddrinfo(res);
    if (sent == SOCKET_ERROR) {
        snprintf(err, n, "cannot send a datagram to %s port %s (Winsock error %d)", host, port, why);
        return -1;
    }
    return (long long)sent;
}

int platform_wait_socket(long long sock, int for_write, long timeout_ms)
{
    WSAPOLLFD p;
    int rc;

    p.fd = (SOCKET)sock;
    p.events = for_write ? POLLWRNORM : POLLRDNORM;
    p.revents = 0;
    rc = WSAPoll(&p, 1, timeout_ms > 0x7fffffffL ? 0x7fffffff : (int)timeout_ms);
    return rc == SOCKET_ERROR ? -1 : rc > 0 ? 1 : 0;
}

int platform_hostname(char *out, size_t n)
{
    if (n == 0 || n > 0x7fffffff || !winsock_ready() || gethostname(out, (int)n) != 0)
        return -1;
    out[n - 1] = '\0';
    return 0;
}
