/* lineedit.h on Windows: the REPL's line editor on the console, without
 * libedit. Keys arrive as console input events (ReadConsoleInputW), so
 * the line is UTF-16 here and UTF-8 everywhere else; the editing keys are
 * the console's usual ones (arrows, Home, End, Backspace, Delete, Esc
 * clears the line, Up and Down walk the history) plus Tab for completion
 * and Emacs' Ctrl-A, Ctrl-E, Ctrl-K and Ctrl-U. Ctrl-C is read as a key
 * (processed input is off while editing) and ends the reading with
 * LINEEDIT_INTERRUPTED; Ctrl-D or Ctrl-Z on an empty line is the end of
 * input. Elsewhere (a pipe, a file) lines are read plainly.
 *
 * Like lineedit.c, this is the REPL's side of the platform layer: the
 * build picks one of the two (CMakeLists.txt). */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "lineedit.h"
#include "platform.h"

#define HISTORY_SIZE 1000
#define LINE_MAX_UNITS 16384   /* UTF-16 units in one line */

struct lineedit {
    lineedit_complete_fn complete;
    void *data;
    int (*interrupted)(void);
    HANDLE in, out;
    int editing;             /* both standard input and output are the console */
    char *line;              /* the last line read, UTF-8 */
    size_t line_cap;
    char **history;          /* oldest first, UTF-8 */
    int n_history;
    char *history_path;
    /* the line being edited */
    wchar_t *buf;
    size_t len, cursor;
    wchar_t *wprompt;
    COORD start;             /* where the prompt begins on the screen */
    size_t shown;            /* cells written after the prompt last time */
};

int lineedit_width(const lineedit *le)
{
    (void)le;
    return platform_terminal_width();
}

int lineedit_is_editing(const lineedit *le)
{
    return le->editing;
}

static wchar_t *to_wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    wchar_t *w;

    if (n <= 0)
        return NULL;
    w = malloc((size_t)n * sizeof(wchar_t));
    if (w != NULL && MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n) <= 0) {
        free(w);
        return NULL;
    }
    return w;
}

/* w[0..n) as UTF-8, malloc'd and NUL-terminated (NULL when out of memory). */
static char *to_utf8(const wchar_t *w, size_t n)
{
    int bytes = n == 0 ? 0 : WideCharToMultiByte(CP_UTF8, 0, w, (int)n, NULL, 0, NULL, NULL);
    char *s;

    if (bytes < 0 || (n > 0 && bytes == 0))
        return NULL;
    s = malloc((size_t)bytes + 1);
    if (s == NULL)
        return NULL;
    if (bytes > 0 && WideCharToMultiByte(CP_UTF8, 0, w, (int)n, s, bytes, NULL, NULL) != bytes) {
        free(s);
        return NULL;
    }
    s[bytes] = '\0';
    return s;
}

lineedit *lineedit_open(const char *program, lineedit_complete_fn complete, void *data)
{
    lineedit *le = calloc(1, sizeof(*le));
    DWORD mode;

    (void)program;
    if (le == NULL)
        return NULL;
    le->complete = complete;
    le->data = data;
    le->in = GetStdHandle(STD_INPUT_HANDLE);
    le->out = GetStdHandle(STD_OUTPUT_HANDLE);
    le->editing = GetConsoleMode(le->in, &mode) && GetConsoleMode(le->out, &mode);
    if (le->editing) {
        le->buf = malloc(LINE_MAX_UNITS * sizeof(wchar_t));
        if (le->buf == NULL) {
            free(le);
            return NULL;
        }
    }
    return le;
}

void lineedit_set_interrupt(lineedit *le, int (*pending)(void))
{
    le->interrupted = pending;
}

void lineedit_close(lineedit *le)
{
    int i;

    if (le == NULL)
        return;
    for (i = 0; i < le->n_history; i++)
        free(le->history[i]);
    free(le->history);
    free(le->history_path);
    free(le->line);
    free(le->buf);
    free(le->wprompt);
    free(le);
}

static void write_console(lineedit *le, const wchar_t *w, size_t n)
{
    while (n > 0) {
        DWORD done = 0, chunk = n > 4096 ? 4096 : (DWORD)n;
        if (!WriteConsoleW(le->out, w, chunk, &done, NULL) || done == 0)
            return;
        w += done;
        n -= done;
    }
}

/* The screen position `cells` cells after the prompt's start. */
static COORD cell_after(const lineedit *le, size_t cells, SHORT width)
{
    COORD c;
    size_t x = (size_t)le->start.X + cells;

    c.X = (SHORT)(x % (size_t)width);
    c.Y = (SHORT)(le->start.Y + (SHORT)(x / (size_t)width));
    return c;
}

/* Shows the prompt and the line from the prompt's start, blanks what the
 * last showing had beyond it, and puts the cursor in its place. One cell
 * per UTF-16 unit (wide East Asian characters show misplaced). */
static void redraw(lineedit *le)
{
    CONSOLE_SCREEN_BUFFER_INFO info;
    size_t plen = wcslen(le->wprompt), now = plen + le->len;
    SHORT width;
    DWORD done;

    if (!GetConsoleScreenBufferInfo(le->out, &info))
        return;
    width = info.dwSize.X > 0 ? info.dwSize.X : 80;
    /* a console that refuses to move the cursor shows the line wrong, no
     * more: the line itself is le->buf */
    (void)SetConsoleCursorPosition(le->out, le->start);
    write_console(le, le->wprompt, plen);
    write_console(le, le->buf, le->len);
    /* writing past the bottom scrolled the screen: the start moved up */
    if (GetConsoleScreenBufferInfo(le->out, &info)) {
        long end = (long)info.dwCursorPosition.Y * width + info.dwCursorPosition.X;
        long begin = end - (long)now;
        if (begin >= 0) {
            le->start.X = (SHORT)(begin % width);
            le->start.Y = (SHORT)(begin / width);
        }
    }
    if (le->shown > now)
        (void)FillConsoleOutputCharacterW(le->out, L' ', (DWORD)(le->shown - now),
                                          cell_after(le, now, width), &done);
    le->shown = now;
    (void)SetConsoleCursorPosition(le->out, cell_after(le, plen + le->cursor, width));
}

static void set_line(lineedit *le, const char *utf8)
{
    wchar_t *w = to_wide(utf8);
    size_t n;

    if (w == NULL)
        return;
    n = wcslen(w);
    if (n >= LINE_MAX_UNITS)
        n = LINE_MAX_UNITS - 1;
    memcpy(le->buf, w, n * sizeof(wchar_t));
    le->len = le->cursor = n;
    free(w);
}

static void insert(lineedit *le, const wchar_t *w, size_t n)
{
    if (le->len + n >= LINE_MAX_UNITS)
        return;
    memmove(le->buf + le->cursor + n, le->buf + le->cursor, (le->len - le->cursor) * sizeof(wchar_t));
    memcpy(le->buf + le->cursor, w, n * sizeof(wchar_t));
    le->len += n;
    le->cursor += n;
}

static void delete_before(lineedit *le, size_t n)
{
    if (n > le->cursor)
        n = le->cursor;
    memmove(le->buf + le->cursor - n, le->buf + le->cursor, (le->len - le->cursor) * sizeof(wchar_t));
    le->len -= n;
    le->cursor -= n;
}

/* UTF-16 units of the characters that the last `bytes` UTF-8 bytes before
 * the cursor encode. */
static size_t units_for_bytes(const lineedit *le, size_t bytes)
{
    size_t units = 0;

    while (bytes > 0 && units < le->cursor) {
        wchar_t c = le->buf[le->cursor - units - 1];
        size_t b;
        if (c >= 0xDC00 && c <= 0xDFFF && units + 1 < le->cursor) {
            units += 2;   /* a surrogate pair: four bytes */
            b = 4;
        } else {
            units++;
            b = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        }
        bytes = bytes > b ? bytes - b : 0;
    }
    return units;
}

static void on_tab(lineedit *le)
{
    lineedit_completion c = { 0, NULL, NULL };
    char *before = to_utf8(le->buf, le->cursor);

    if (before == NULL || le->complete == NULL) {
        free(before);
        return;
    }
    le->complete(le->data, before, lineedit_width(le), &c);
    if (c.delete_bytes > 0)
        delete_before(le, units_for_bytes(le, c.delete_bytes));
    if (c.insert != NULL && c.insert[0] != '\0') {
        wchar_t *w = to_wide(c.insert);
        if (w != NULL)
            insert(le, w, wcslen(w));
        free(w);
    }
    if (c.listing != NULL && c.listing[0] != '\0') {
        wchar_t *w = to_wide(c.listing);
        CONSOLE_SCREEN_BUFFER_INFO info;
        /* the listing under the whole line, then the line again below it */
        le->cursor = le->len;
        redraw(le);
        write_console(le, L"\r\n", 2);
        if (w != NULL) {
            write_console(le, w, wcslen(w));
            free(w);
        }
        write_console(le, L"\r\n", 2);
        if (GetConsoleScreenBufferInfo(le->out, &info))
            le->start = info.dwCursorPosition;
        le->shown = 0;
    }
    free(before);
    free(c.insert);
    free(c.listing);
    redraw(le);
}

static int plain_read(lineedit *le, const char *prompt, const char **line, size_t *len);

/* The line in le->line as UTF-8. */
static int take_line(lineedit *le, const wchar_t *w, size_t n, const char **line, size_t *len)
{
    char *s = to_utf8(w, n);

    if (s == NULL)
        return LINEEDIT_ERROR;
    free(le->line);
    le->line = s;
    le->line_cap = 0;   /* exactly its size: not plain_read's buffer */
    *line = s;
    *len = strlen(s);
    return LINEEDIT_OK;
}

/* Waits for the next key press: 1 with it in *key, 0 when interrupted,
 * -1 when the console cannot be read. Checks the interrupt flag at least
 * every 200 ms. */
static int next_key(lineedit *le, KEY_EVENT_RECORD *key)
{
    for (;;) {
        INPUT_RECORD rec;
        DWORD got = 0, wait;

        if (le->interrupted != NULL && le->interrupted())
            return 0;
        wait = WaitForSingleObject(le->in, 200);
        if (wait == WAIT_TIMEOUT)
            continue;
        if (wait != WAIT_OBJECT_0 || !ReadConsoleInputW(le->in, &rec, 1, &got))
            return -1;
        if (got == 1 && rec.EventType == KEY_EVENT && rec.Event.KeyEvent.bKeyDown) {
            *key = rec.Event.KeyEvent;
            return 1;
        }
    }
}

static int edit_read(lineedit *le, const char *prompt, const char **line, size_t *len)
{
    CONSOLE_SCREEN_BUFFER_INFO info;
    DWORD mode;
    int hist = le->n_history, rc = LINEEDIT_ERROR;
    char *draft = NULL;   /* the new line while the history is shown */

    free(le->wprompt);
    le->wprompt = to_wide(prompt);
    if (le->wprompt == NULL || !GetConsoleMode(le->in, &mode)
        || !GetConsoleScreenBufferInfo(le->out, &info))
        return LINEEDIT_ERROR;
    /* a prompt starts on a line of its own */
    if (info.dwCursorPosition.X != 0) {
        write_console(le, L"\r\n", 2);
        if (!GetConsoleScreenBufferInfo(le->out, &info))
            return LINEEDIT_ERROR;
    }
    le->start = info.dwCursorPosition;
    le->len = le->cursor = 0;
    le->shown = 0;
    /* keys one by one, not echoed, Ctrl-C as a key; a console that will
     * not switch is read in line mode instead */
    if (!SetConsoleMode(le->in, (mode & ~(DWORD)(ENABLE_LINE_INPUT | ENABLE_ECHO_INPUT
                                                 | ENABLE_PROCESSED_INPUT)) | ENABLE_WINDOW_INPUT))
        return plain_read(le, prompt, line, len);
    redraw(le);
    for (;;) {
        KEY_EVENT_RECORD k;
        int got = next_key(le, &k);
        wchar_t ch;
        WORD repeat;

        if (got <= 0) {
            rc = got == 0 ? LINEEDIT_INTERRUPTED : LINEEDIT_ERROR;
            break;
        }
        ch = k.uChar.UnicodeChar;
        for (repeat = k.wRepeatCount ? k.wRepeatCount : 1; repeat > 0; repeat--) {
            if (ch == 3) {                                   /* Ctrl-C */
                rc = LINEEDIT_INTERRUPTED;
                goto done;
            } else if ((ch == 4 || ch == 26) && le->len == 0) {   /* Ctrl-D, Ctrl-Z */
                rc = LINEEDIT_EOF;
                goto done;
            } else if (ch == L'\r' || k.wVirtualKeyCode == VK_RETURN) {
                le->cursor = le->len;
                redraw(le);
                rc = take_line(le, le->buf, le->len, line, len);
                goto done;
            } else if (ch == L'\t') {
                on_tab(le);
            } else if (k.wVirtualKeyCode == VK_BACK || ch == 8) {
                if (le->cursor > 0)
                    delete_before(le, le->cursor > 1 && le->buf[le->cursor - 1] >= 0xDC00
                                          && le->buf[le->cursor - 1] <= 0xDFFF ? 2 : 1);
            } else if (k.wVirtualKeyCode == VK_DELETE || ch == 4) {
                if (le->cursor < le->len) {
                    le->cursor++;
                    delete_before(le, 1);
                }
            } else if (k.wVirtualKeyCode == VK_LEFT || ch == 2) {
                if (le->cursor > 0)
                    le->cursor--;
            } else if (k.wVirtualKeyCode == VK_RIGHT || ch == 6) {
                if (le->cursor < le->len)
                    le->cursor++;
            } else if (k.wVirtualKeyCode == VK_HOME || ch == 1) {
                le->cursor = 0;
            } else if (k.wVirtualKeyCode == VK_END || ch == 5) {
                le->cursor = le->len;
            } else if (ch == 11) {                           /* Ctrl-K */
                le->len = le->cursor;
            } else if (ch == 21 || k.wVirtualKeyCode == VK_ESCAPE) {   /* Ctrl-U, Esc */
                le->len = le->cursor = 0;
            } else if (k.wVirtualKeyCode == VK_UP || ch == 16) {
                if (hist > 0) {
                    if (hist == le->n_history) {
                        free(draft);
                        draft = to_utf8(le->buf, le->len);
                    }
                    set_line(le, le->history[--hist]);
                }
            } else if (k.wVirtualKeyCode == VK_DOWN || ch == 14) {
                if (hist < le->n_history) {
                    hist++;
                    set_line(le, hist < le->n_history ? le->history[hist] : draft ? draft : "");
                }
            } else if (ch >= 0x20 && ch != 0x7f) {
                insert(le, &ch, 1);
            }
        }
        redraw(le);
    }
done:
    if (!SetConsoleMode(le->in, mode) && rc == LINEEDIT_OK)
        rc = LINEEDIT_ERROR;   /* the console would stay without echo */
    write_console(le, L"\r\n", 2);
    free(draft);
    return rc;
}

/* A line of a console in line mode (UTF-16, so any character), or of a
 * pipe or file (bytes, taken as UTF-8). */
static int plain_read(lineedit *le, const char *prompt, const char **line, size_t *len)
{
    DWORD mode;
    int console = GetConsoleMode(le->in, &mode);
    size_t n = 0;

    if (console) {
        wchar_t w[4096];
        DWORD got = 0;
        fputs(prompt, stderr);
        fflush(stderr);
        if (!ReadConsoleW(le->in, w, (DWORD)(sizeof(w) / sizeof(w[0])) - 1, &got, NULL))
            return LINEEDIT_ERROR;
        if (got == 0 || (got >= 1 && w[0] == 26))
            return LINEEDIT_EOF;
        while (got > 0 && (w[got - 1] == L'\n' || w[got - 1] == L'\r'))
            got--;
        return take_line(le, w, got, line, len);
    }
    for (;;) {
        int c = getchar();
        if (c == EOF) {
            if (ferror(stdin)) {
                clearerr(stdin);
                return LINEEDIT_ERROR;
            }
            if (n == 0)
                return LINEEDIT_EOF;
            break;
        }
        if (n + 2 > le->line_cap) {
            size_t cap = le->line_cap ? le->line_cap * 2 : 256;
            char *grown = realloc(le->line, cap);
            if (grown == NULL)
                return LINEEDIT_ERROR;
            le->line = grown;
            le->line_cap = cap;
        }
        if (c == '\n')
            break;
        le->line[n++] = (char)c;
    }
    if (n > 0 && le->line[n - 1] == '\r')
        n--;
    le->line[n] = '\0';
    *line = le->line;
    *len = n;
    return LINEEDIT_OK;
}

int lineedit_read(lineedit *le, const char *prompt, const char **line, size_t *len)
{
    fflush(stdout);
    fflush(stderr);
    if (le->editing)
        return edit_read(le, prompt, line, len);
    /* plain reading grows le->line itself: start from a buffer of its own */
    if (le->line_cap == 0) {
        free(le->line);
        le->line = NULL;
    }
    return plain_read(le, prompt, line, len);
}

static int history_add_entry(lineedit *le, const char *entry)
{
    char *copy;

    if (le->n_history > 0 && strcmp(le->history[le->n_history - 1], entry) == 0)
        return 0;   /* as H_SETUNIQUE: no repeats in a row */
    copy = malloc(strlen(entry) + 1);
    if (copy == NULL)
        return -1;
    strcpy(copy, entry);
    if (le->n_history == HISTORY_SIZE) {
        free(le->history[0]);
        memmove(le->history, le->history + 1, (HISTORY_SIZE - 1) * sizeof(char *));
        le->n_history--;
    }
    if (le->history == NULL) {
        le->history = malloc(HISTORY_SIZE * sizeof(char *));
        if (le->history == NULL) {
            free(copy);
            return -1;
        }
    }
    le->history[le->n_history++] = copy;
    return 0;
}

/* The history file: one entry a line, a newline inside an entry written
 * as \n and a backslash as \\. */
void lineedit_history_file(lineedit *le, const char *path)
{
    FILE *f;
    char buf[8192];

    if (!le->editing || path == NULL)
        return;
    free(le->history_path);
    le->history_path = malloc(strlen(path) + 1);
    if (le->history_path == NULL)
        return;
    strcpy(le->history_path, path);
    f = platform_fopen(path, "rb");
    if (f == NULL)
        return;
    while (fgets(buf, sizeof(buf), f) != NULL) {
        char *r = buf, *w = buf;
        for (; *r != '\0' && *r != '\n' && *r != '\r'; r++) {
            if (*r == '\\' && r[1] == 'n') {
                *w++ = '\n';
                r++;
            } else if (*r == '\\' && r[1] == '\\') {
                *w++ = '\\';
                r++;
            } else {
                *w++ = *r;
            }
        }
        *w = '\0';
        if (buf[0] != '\0' && history_add_entry(le, buf) != 0)
            break;
    }
    (void)fclose(f);   /* read only: nothing is lost */
}

static void save_history(lineedit *le)
{
    size_t size = 0, at = 0;
    char *text, err[256];
    int i;

    for (i = 0; i < le->n_history; i++)
        size += 2 * strlen(le->history[i]) + 1;
    text = malloc(size + 1);
    if (text == NULL)
        return;
    for (i = 0; i < le->n_history; i++) {
        const char *p;
        for (p = le->history[i]; *p != '\0'; p++) {
            if (*p == '\n' || *p == '\\') {
                text[at++] = '\\';
                text[at++] = *p == '\n' ? 'n' : '\\';
            } else if (*p != '\r') {
                text[at++] = *p;
            }
        }
        text[at++] = '\n';
    }
    /* owner-only, as the Linux history file is (0600) */
    if (platform_replace(le->history_path, text, at, 0600, PLATFORM_REPLACE_FORCE_MODE, err,
                         sizeof(err)) != 0)
        fprintf(stderr, "duo-lua: %s\n", err);
    free(text);
}

void lineedit_add_history(lineedit *le, const char *entry)
{
    if (!le->editing || entry == NULL || entry[0] == '\0')
        return;
    if (history_add_entry(le, entry) == 0 && le->history_path != NULL)
        save_history(le);
}
