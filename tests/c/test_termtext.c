/* core/termtext.h and the key masking of core/trace.h: known answers for
 * every class of byte a terminal acts on, the bytes that stay, malformed
 * UTF-8, the cell and Lua forms, and directory keys in paths.
 *
 * usage: test_termtext DATA_DIR (unused)
 * Prints one line per failed check and ends with "N passed, M failed". */
#include <stdio.h>
#include <string.h>

#include "termtext.h"
#include "trace.h"

static int passed, failed;

struct answer {
    const char *in;
    size_t len;        /* 0: strlen(in) */
    unsigned flags;
    const char *want;
};

static const struct answer answers[] = {
    { "plain text", 0, 0, "plain text" },
    { "", 0, 0, "" },
    { "\x1b]52;c;cm0=\x07", 0, 0, "\\x1b]52;c;cm0=\\x07" },
    { "a\x1b[2Jb\rc", 0, 0, "a\\x1b[2Jb\\x0dc" },
    { "del\x7f", 0, 0, "del\\x7f" },
    { "nul\0x", 4 + 1, 0, "nul\\x00x" },
    { "keep\nlines\tand tabs", 0, 0, "keep\nlines\tand tabs" },
    { "keep\nlines\tand tabs", 0, DUO_TERMTEXT_CELL, "keep lines and tabs" },
    { "back\\slash", 0, 0, "back\\slash" },
    { "\xc2\x9b" "31m", 0, 0, "\\u009b31m" },                         /* CSI as C1 */
    { "\xc2\x80\xc2\x9f\xc2\xa0", 0, 0, "\\u0080\\u009f\xc2\xa0" },    /* NBSP stays */
    { "\xe2\x80\xae" "abc", 0, 0, "\\u202eabc" },                     /* RLO */
    { "\xe2\x80\xaa\xe2\x80\xad", 0, 0, "\\u202a\\u202d" },
    { "\xe2\x81\xa6\xe2\x81\xa9", 0, 0, "\\u2066\\u2069" },            /* isolates */
    { "\xe2\x80\x8e\xe2\x80\x8f", 0, 0, "\\u200e\\u200f" },            /* LRM, RLM */
    { "\xe2\x80\x8d\xe2\x80\xaf", 0, 0, "\xe2\x80\x8d\xe2\x80\xaf" },  /* ZWJ, NNBSP stay */
    { "\xe2\x80\xae", 0, DUO_TERMTEXT_LUA, "\\u{202e}" },
    { "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80", 0, 0, "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80" },
    { "\x9b", 0, 0, "\\x9b" },                                        /* a raw C1 byte */
    { "\xff\xfe", 0, 0, "\\xff\\xfe" },
    { "\xc0\xaf", 0, 0, "\\xc0\\xaf" },                                /* overlong */
    { "\xed\xa0\x80", 0, 0, "\\xed\\xa0\\x80" },                       /* surrogate */
    { "\xf4\x90\x80\x80", 0, 0, "\\xf4\\x90\\x80\\x80" },              /* above U+10FFFF */
    { "\xe2\x80", 0, 0, "\\xe2\\x80" },                               /* cut short */
    { "\xe2\x80\xae", 0, DUO_TERMTEXT_CELL | DUO_TERMTEXT_LUA, "\\u{202e}" },
};

static void check_answer(const struct answer *a)
{
    duo_buf out = DUO_BUF_INIT;
    size_t len = a->len != 0 ? a->len : strlen(a->in);
    size_t want_len = strlen(a->want);
    int same_in = len == want_len && memcmp(a->in, a->want, len) == 0;

    if (duo_termtext_clean(&out, a->in, len, a->flags) != 0 || out.len != want_len
        || memcmp(duo_buf_str(&out), a->want, want_len) != 0) {
        failed++;
        printf("FAIL clean \"%s\" (flags %u): got \"%s\"\n", a->want, a->flags, duo_buf_str(&out));
    } else if (duo_termtext_is_clean(a->in, len, a->flags) != same_in) {
        failed++;
        printf("FAIL is_clean \"%s\" (flags %u)\n", a->want, a->flags);
    } else {
        passed++;
    }
    duo_buf_free(&out);
}

static void check_text(const char *what, duo_buf *out, int rc, const char *want)
{
    if (rc == 0 && strcmp(duo_buf_str(out), want) == 0) {
        passed++;
    } else {
        failed++;
        printf("FAIL %s: got \"%s\", want \"%s\"\n", what, duo_buf_str(out), want);
    }
    duo_buf_clear(out);
}

int main(void)
{
    duo_buf out = DUO_BUF_INIT;

    for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++)
        check_answer(&answers[i]);
    check_text("mask", &out, duo_trace_mask(&out, "DDTESTDIRECTORYKEY01", 20), "DD\xe2\x80\xa6" "EY01");
    check_text("mask short", &out, duo_trace_mask(&out, "DDSHORT1", 8),
               "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2");
    check_text("mask empty", &out, duo_trace_mask(&out, "", 0), "");
    check_text("path", &out, duo_trace_path(&out, "/admin/v1/users/directorysync/DDTESTDIRECTORYKEY01/syncuser"),
               "/admin/v1/users/directorysync/DD\xe2\x80\xa6" "EY01/syncuser");
    check_text("admin path", &out, duo_trace_path(&out, "/admin/v1/admins/directorysync/DDADMINSDIRKEY000001/syncadmin"),
               "/admin/v1/admins/directorysync/DD\xe2\x80\xa6" "0001/syncadmin");
    check_text("key last", &out, duo_trace_path(&out, "/x/directorysync/DDTESTDIRECTORYKEY01"),
               "/x/directorysync/DD\xe2\x80\xa6" "EY01");
    check_text("other path", &out, duo_trace_path(&out, "/admin/v1/users/DU123/directorysyncs"),
               "/admin/v1/users/DU123/directorysyncs");
    check_text("ends with the marker", &out, duo_trace_path(&out, "/a/directorysync/"), "/a/directorysync/");
    duo_buf_free(&out);
    if (duo_utf8_valid("caf\xc3\xa9", 5) != 1 || duo_utf8_valid("\xc3", 1) != 0) {
        failed++;
        printf("FAIL duo_utf8_valid\n");
    } else {
        passed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
