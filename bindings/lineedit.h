/* Reading lines for the REPL: libedit's line editor, history and Tab
 * completion on a terminal, plain line reading otherwise. No Lua here. */
#ifndef DUO_LINEEDIT_H
#define DUO_LINEEDIT_H

#include <stddef.h>

typedef struct lineedit lineedit;

/* What a Tab press does: delete `delete_bytes` bytes before the cursor,
 * insert `insert`, then show `listing` under the line. The completion
 * function fills it with malloc'd strings (or NULL) that lineedit frees. */
typedef struct lineedit_completion {
    size_t delete_bytes;
    char *insert;
    char *listing;
} lineedit_completion;

/* Called on Tab with the text before the cursor (NUL-terminated) and the
 * terminal width. */
typedef void (*lineedit_complete_fn)(void *data, const char *before, int width,
                                     lineedit_completion *out);

enum { LINEEDIT_OK, LINEEDIT_EOF, LINEEDIT_INTERRUPTED, LINEEDIT_ERROR };

/* Opens standard input: line editing when both standard input and output
 * are terminals (and libedit is built in), plain reading otherwise.
 * complete may be NULL. Returns NULL when out of memory. */
lineedit *lineedit_open(const char *program, lineedit_complete_fn complete, void *data);
void lineedit_close(lineedit *le);

/* The editor stops reading with LINEEDIT_INTERRUPTED as soon as
 * pending() is true (the SIGINT handler's flag). */
void lineedit_set_interrupt(lineedit *le, int (*pending)(void));

/* Whether the line editor (not plain reading) is in use. */
int lineedit_is_editing(const lineedit *le);

/* Reads one line without its newline. On LINEEDIT_OK *line points to it
 * (valid until the next call) and *len is its length. The prompt is
 * shown when editing, or on standard error when reading plain lines from
 * a terminal.
 * LINEEDIT_INTERRUPTED: a signal (Ctrl-C) interrupted the reading. */
int lineedit_read(lineedit *le, const char *prompt, const char **line, size_t *len);

/* Columns of the terminal (80 when unknown). */
int lineedit_width(const lineedit *le);

/* Uses the history file at path: loads it now, and rewrites it (mode
 * 0600) after each lineedit_add_history. No-op when not editing. */
void lineedit_history_file(lineedit *le, const char *path);
/* Adds an entry to the history (and its file). */
void lineedit_add_history(lineedit *le, const char *entry);

#endif
