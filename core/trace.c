#include "trace.h"

#include <string.h>

#include "date.h"
#include "termtext.h"

long duo_trace_error_code(const char *body, size_t len)
{
    static const char key[] = "\"code\"";
    const size_t klen = sizeof(key) - 1;
    long code = 0;
    size_t i;

    /* Offsets, not pointers: no arithmetic on NULL or past the end. */
    if (body == NULL || len < klen)
        return 0;
    for (i = 0; i + klen <= len; i++) {
        if (memcmp(body + i, key, klen) != 0)
            continue;
        i += klen;
        while (i < len && (body[i] == ' ' || body[i] == ':' || body[i] == '"'))
            i++;
        while (i < len && body[i] >= '0' && body[i] <= '9' && code < 1000000)
            code = code * 10 + (body[i++] - '0');
        return code;
    }
    return 0;
}

int duo_trace_mask(duo_buf *out, const char *key, size_t len)
{
    static const char dots[] = "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2";   /* "••••" */
    static const char ellipsis[] = "\xe2\x80\xa6";                                        /* "…" */

    if (len == 0) {
        /* nothing to hide */
    } else if (len <= 8) {
        duo_buf_puts(out, dots);
    } else {
        duo_buf_append(out, key, 2);
        duo_buf_puts(out, ellipsis);
        duo_buf_append(out, key + len - 4, 4);
    }
    return duo_buf_ok(out) ? 0 : -1;
}

int duo_trace_path(duo_buf *out, const char *path)
{
    static const char marker[] = "directorysync";
    const char *p = path;
    int mask_next = 0;

    while (*p != '\0') {
        const char *seg = p, *end;
        size_t n;
        if (*p == '/') {
            duo_buf_putc(out, '/');
            p++;
            continue;
        }
        end = strchr(seg, '/');
        n = end != NULL ? (size_t)(end - seg) : strlen(seg);
        if (mask_next)
            duo_trace_mask(out, seg, n);
        else
            duo_buf_append(out, seg, n);
        mask_next = n == sizeof(marker) - 1 && memcmp(seg, marker, n) == 0;
        p = seg + n;
    }
    return duo_buf_ok(out) ? 0 : -1;
}

/* A JSON string of s; control bytes become \u00XX, and so do all bytes
 * from 0x7f up unless s is UTF-8 (a masked key's "…" is). */
static void json_string(FILE *f, const char *s)
{
    int utf8 = duo_utf8_valid(s, strlen(s));

    fputc('"', f);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f || (c > 0x7f && !utf8))
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void duo_trace_write(FILE *trace, FILE *log, const duo_trace_attempt *a)
{
    const char *outcome = duo_net_error_name(a->error);
    long code = a->status >= 400 ? duo_trace_error_code(a->body, a->body_len) : 0;
    char room[256];
    duo_buf shown;
    const char *path;

    /* the path as shown: directory keys masked, never the key itself */
    duo_buf_use(&shown, room, sizeof(room));
    path = duo_trace_path(&shown, a->path) == 0 ? duo_buf_str(&shown) : "(path not shown: out of memory)";
    if (trace != NULL) {
        fprintf(trace, "duo-lua: %s %s %s ", a->method, a->host, path);
        if (outcome != NULL)
            fprintf(trace, "%s", outcome);
        else
            fprintf(trace, "%ld", a->status);
        if (code != 0)
            fprintf(trace, " (%ld)", code);
        fprintf(trace, " attempt %d %lld ms\n", a->attempt, a->ms);
        fflush(trace);
    }
    if (log != NULL) {
        char when[DUO_ISO_DATE_SIZE];
        if (duo_date_iso(a->unix_time, when) != 0)
            strcpy(when, "1970-01-01T00:00:00Z");
        fprintf(log, "{\"time\":\"%s\",\"verb\":", when);
        json_string(log, a->method);
        fputs(",\"host\":", log);
        json_string(log, a->host);
        fputs(",\"path\":", log);
        json_string(log, path);
        fputs(",\"account_id\":", log);
        if (a->account_id != NULL && a->account_id[0] != '\0')
            json_string(log, a->account_id);
        else
            fputs("null", log);
        fprintf(log, ",\"status\":%ld,\"attempt\":%d,\"ms\":%lld,\"code\":", a->status,
                a->attempt, a->ms);
        if (code != 0)
            fprintf(log, "%ld", code);
        else
            fputs("null", log);
        fputs(",\"error\":", log);
        if (outcome != NULL)
            json_string(log, outcome);
        else
            fputs("null", log);
        fputs("}\n", log);
        fflush(log);
    }
    duo_buf_free(&shown);
}
