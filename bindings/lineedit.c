/* Line reading for the REPL. On a terminal: libedit's native API (emacs
 * key bindings, ~/.editrc, history, a Tab key that asks the completion
 * function). Elsewhere: plain getline.
 *
 * Signals: libedit's own handlers (EL_SIGNAL) stay off. Characters are
 * read by our own function, which waits with SIGINT unblocked only inside
 * pselect, so a Ctrl-C that came at any moment (even before the wait)
 * makes el_gets return NULL with a count of -1: LINEEDIT_INTERRUPTED. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#ifdef DUO_HAVE_LIBEDIT
#include <histedit.h>
#endif

#include "lineedit.h"
#include "platform.h"

#define HISTORY_SIZE 1000

struct lineedit {
    lineedit_complete_fn complete;
    void *data;
    int (*interrupted)(void);
    char *prompt;            /* what the prompt function shows */
    char *plain_line;        /* getline's buffer */
    size_t plain_cap;
    int show_plain_prompt;   /* plain reading from a terminal (TERM=dumb, or output redirected) */
    char *history_path;
#ifdef DUO_HAVE_LIBEDIT
    EditLine *el;
    History *hist;
    char *edit_line;         /* the last line read, without its newline */
#endif
};

int lineedit_width(const lineedit *le)
{
    (void)le;
    return platform_terminal_width();
}

int lineedit_is_editing(const lineedit *le)
{
#ifdef DUO_HAVE_LIBEDIT
    return le->el != NULL;
#else
    (void)le;
    return 0;
#endif
}

#ifdef DUO_HAVE_LIBEDIT
static char *prompt_of(EditLine *el)
{
    lineedit *le = NULL;

    el_get(el, EL_CLIENTDATA, &le);
    return le != NULL && le->prompt != NULL ? le->prompt : "";
}

/* Characters (not bytes) in the last n bytes of s[0..len). */
static int chars_in_tail(const char *s, size_t len, size_t n)
{
    int count = 0;
    size_t i;

    if (n > len)
        n = len;
    for (i = len - n; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

/* Reads what is there without waiting: a Ctrl-C can flush the terminal's
 * input between the wait saying "readable" and the read, and a blocking
 * read would then wait for the next key with the interrupt unnoticed. The
 * descriptor is non-blocking only for this one call (SIGINT is blocked
 * meanwhile, so no handler runs in between). */
static ssize_t read_now(unsigned char *byte)
{
    int flags = fcntl(STDIN_FILENO, F_GETFL);
    ssize_t n;
    int e;

    if (flags < 0 || (!(flags & O_NONBLOCK)
                      && fcntl(STDIN_FILENO, F_SETFL, flags | O_NONBLOCK) != 0))
        return -1;
    n = read(STDIN_FILENO, byte, 1);
    e = errno;
    if (!(flags & O_NONBLOCK))
        fcntl(STDIN_FILENO, F_SETFL, flags);
    errno = e;
    return n;
}

/* Reads one byte of standard input: 1, 0 at end of input, -1 with errno
 * (EINTR once an interrupt is pending). SIGINT is blocked except while
 * pselect waits, so a signal cannot slip in between the check and the
 * wait; the wait also ends every 200 ms, for a signal that another thread
 * (a resolver thread of curl) received. */
static int read_byte(lineedit *le, unsigned char *byte)
{
    sigset_t block, old;
    fd_set fds;
    struct timespec tick = { 0, 200000000L };
    int rc, e;
    ssize_t n;

    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    for (;;) {
        sigprocmask(SIG_BLOCK, &block, &old);
        if (le->interrupted != NULL && le->interrupted()) {
            sigprocmask(SIG_SETMASK, &old, NULL);
            errno = EINTR;
            return -1;
        }
        FD_ZERO(&fds);
        FD_SET(STDIN_FILENO, &fds);
        rc = pselect(STDIN_FILENO + 1, &fds, NULL, NULL, &tick, &old);
        e = errno;
        n = rc > 0 ? read_now(byte) : -1;
        if (rc > 0)
            e = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);   /* a pending SIGINT is handled here */
        if (rc == 0 || (rc < 0 && e == EINTR))
            continue;   /* the check above decides */
        if (rc < 0) {
            errno = e;
            return -1;
        }
        if (n == 1)
            return 1;
        if (n == 0)
            return 0;
        if (e != EINTR && e != EAGAIN) {
            errno = e;
            return -1;
        }
    }
}

/* libedit's character reader (EL_GETCFN): one character, decoded with
 * the locale's multibyte encoding (UTF-8 in practice). */
static int read_char(EditLine *el, wchar_t *wc)
{
    lineedit *le = NULL;
    char bytes[8];
    size_t n = 0;

    el_get(el, EL_CLIENTDATA, &le);
    if (le == NULL)
        return -1;
    for (;;) {
        mbstate_t state;
        size_t r;
        unsigned char b;
        int rc = read_byte(le, &b);

        if (rc <= 0)
            return rc;
        bytes[n++] = (char)b;
        memset(&state, 0, sizeof(state));
        r = mbrtowc(wc, bytes, n, &state);
        if (r == (size_t)-2 && n < sizeof(bytes))
            continue;   /* more bytes of this character to come */
        if (r == (size_t)-1 || r == (size_t)-2)
            *wc = (wchar_t)(unsigned char)bytes[0];   /* not decodable: the byte as is */
        return 1;
    }
}

/* The Tab key. */
static unsigned char on_tab(EditLine *el, int ch)
{
    lineedit *le = NULL;
    const LineInfo *li = el_line(el);
    lineedit_completion c = { 0, NULL, NULL };
    size_t len;
    char *before;
    unsigned char rc = CC_REFRESH;
    FILE *out = NULL;

    (void)ch;
    el_get(el, EL_CLIENTDATA, &le);
    if (le == NULL || le->complete == NULL || li == NULL)
        return CC_ERROR;
    len = (size_t)(li->cursor - li->buffer);
    before = malloc(len + 1);
    if (before == NULL)
        return CC_ERROR;
    memcpy(before, li->buffer, len);
    before[len] = '\0';
    le->complete(le->data, before, lineedit_width(le), &c);
    if (c.delete_bytes > 0)
        el_deletestr(el, chars_in_tail(before, len, c.delete_bytes));
    if (c.insert != NULL && c.insert[0] != '\0' && el_insertstr(el, c.insert) != 0)
        rc = CC_ERROR;
    if (c.listing != NULL && c.listing[0] != '\0') {
        el_get(el, EL_GETFP, 1, &out);
        if (out == NULL)
            out = stdout;
        fprintf(out, "\n%s\n", c.listing);
        fflush(out);
        rc = CC_REDISPLAY;
    }
    free(before);
    free(c.insert);
    free(c.listing);
    return rc;
}

static int open_editor(lineedit *le, const char *program)
{
    HistEvent ev;

    /* libedit decodes input with the locale's character set. */
    setlocale(LC_CTYPE, "");
    le->el = el_init(program, stdin, stdout, stderr);
    if (le->el == NULL)
        return -1;
    le->hist = history_init();
    if (le->hist == NULL) {
        el_end(le->el);
        le->el = NULL;
        return -1;
    }
    history(le->hist, &ev, H_SETSIZE, HISTORY_SIZE);
    history(le->hist, &ev, H_SETUNIQUE, 1);
    el_set(le->el, EL_CLIENTDATA, le);
    el_set(le->el, EL_EDITOR, "emacs");
    el_set(le->el, EL_SIGNAL, 0);
    el_set(le->el, EL_PROMPT, prompt_of);
    el_set(le->el, EL_GETCFN, read_char);
    el_set(le->el, EL_HIST, history, le->hist);
    el_set(le->el, EL_ADDFN, "duo-complete", "complete a Lua name", on_tab);
    el_set(le->el, EL_BIND, "^I", "duo-complete", NULL);
    el_source(le->el, NULL);   /* the user's ~/.editrc, if any */
    return 0;
}

static int edit_read(lineedit *le, const char **line, size_t *len)
{
    int count = 0;
    const char *s;
    size_t n;
    struct termios before, quiet;
    int changed = 0;

    /* libedit prints the prompt while the terminal is still in cooked
     * mode and only then switches to raw mode: keys typed in between
     * would be echoed twice, and a Ctrl-D lost. Turning off canonical
     * mode and echo first closes that gap (ISIG stays: Ctrl-C works). */
    if (tcgetattr(STDIN_FILENO, &before) == 0 && (before.c_lflag & ICANON)) {
        quiet = before;
        quiet.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
        quiet.c_cc[VMIN] = 1;
        quiet.c_cc[VTIME] = 0;
        changed = tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    }
    errno = 0;
    s = el_gets(le->el, &count);
    if (changed) {
        int saved = errno;
        tcsetattr(STDIN_FILENO, TCSANOW, &before);
        errno = saved;
    }
    if (s == NULL || count <= 0) {
        if (count < 0 && errno == EINTR)
            return LINEEDIT_INTERRUPTED;
        return count < 0 ? LINEEDIT_ERROR : LINEEDIT_EOF;
    }
    n = strlen(s);
    if (n > 0 && s[n - 1] == '\n')
        n--;
    free(le->edit_line);
    le->edit_line = malloc(n + 1);
    if (le->edit_line == NULL)
        return LINEEDIT_ERROR;
    memcpy(le->edit_line, s, n);
    le->edit_line[n] = '\0';
    *line = le->edit_line;
    *len = n;
    return LINEEDIT_OK;
}

static void save_history(lineedit *le)
{
    HistEvent ev;
    FILE *f;
    int fd;

    if (le->history_path == NULL)
        return;
    fd = open(le->history_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return;
    fchmod(fd, 0600);   /* an older file may have looser bits */
    f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        return;
    }
    history(le->hist, &ev, H_SAVE_FP, f);
    fclose(f);
}
#endif

lineedit *lineedit_open(const char *program, lineedit_complete_fn complete, void *data)
{
    lineedit *le = calloc(1, sizeof(*le));

    if (le == NULL)
        return NULL;
    le->complete = complete;
    le->data = data;
    le->show_plain_prompt = isatty(STDIN_FILENO);
#ifdef DUO_HAVE_LIBEDIT
    if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
        const char *term = getenv("TERM");
        if (term == NULL || term[0] == '\0' || strcmp(term, "dumb") != 0)
            open_editor(le, program);
    }
#else
    (void)program;
#endif
    return le;
}

void lineedit_set_interrupt(lineedit *le, int (*pending)(void))
{
    le->interrupted = pending;
}

void lineedit_close(lineedit *le)
{
    if (le == NULL)
        return;
#ifdef DUO_HAVE_LIBEDIT
    if (le->el != NULL)
        el_end(le->el);
    if (le->hist != NULL)
        history_end(le->hist);
    free(le->edit_line);
#endif
    free(le->prompt);
    free(le->plain_line);
    free(le->history_path);
    free(le);
}

static int plain_read(lineedit *le, const char *prompt, const char **line, size_t *len)
{
    ssize_t n;

    if (le->show_plain_prompt) {
        /* standard error: standard output may be a file */
        fputs(prompt, stderr);
        fflush(stderr);
    }
    errno = 0;
    n = getline(&le->plain_line, &le->plain_cap, stdin);
    if (n < 0) {
        int interrupted = errno == EINTR;
        clearerr(stdin);
        if (interrupted)
            return LINEEDIT_INTERRUPTED;
        return ferror(stdin) ? LINEEDIT_ERROR : LINEEDIT_EOF;
    }
    if (n > 0 && le->plain_line[n - 1] == '\n')
        le->plain_line[--n] = '\0';
    *line = le->plain_line;
    *len = (size_t)n;
    return LINEEDIT_OK;
}

int lineedit_read(lineedit *le, const char *prompt, const char **line, size_t *len)
{
    char *copy = strdup(prompt);

    if (copy == NULL)
        return LINEEDIT_ERROR;
    free(le->prompt);
    le->prompt = copy;
    fflush(stdout);
    fflush(stderr);
#ifdef DUO_HAVE_LIBEDIT
    if (le->el != NULL) {
        int rc = edit_read(le, line, len);
        if (rc == LINEEDIT_EOF)
            fputc('\n', stdout);   /* the shell's prompt on a line of its own */
        return rc;
    }
#endif
    {
        int rc = plain_read(le, prompt, line, len);
        if (rc == LINEEDIT_EOF && le->show_plain_prompt)
            fputc('\n', stderr);
        return rc;
    }
}

void lineedit_history_file(lineedit *le, const char *path)
{
#ifdef DUO_HAVE_LIBEDIT
    HistEvent ev;

    if (le->el == NULL || path == NULL)
        return;
    free(le->history_path);
    le->history_path = strdup(path);
    if (le->history_path != NULL)
        history(le->hist, &ev, H_LOAD, le->history_path);
#else
    (void)le;
    (void)path;
#endif
}

void lineedit_add_history(lineedit *le, const char *entry)
{
#ifdef DUO_HAVE_LIBEDIT
    HistEvent ev;

    if (le->el == NULL || entry == NULL || entry[0] == '\0')
        return;
    history(le->hist, &ev, H_ENTER, entry);
    save_history(le);
#else
    (void)le;
    (void)entry;
#endif
}
