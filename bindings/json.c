#include "json.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#define JSON_MAXDEPTH 1000
#define ARRAY_MT "duo.array"

/* Every module function has array_mt as its first upvalue. */
#define ARRAY_MT_IDX lua_upvalueindex(1)

/* Like luaL_error but without the "file:line:" prefix, which would depend
 * on how the function was called (a tail call reports the caller). */
static int json_error(lua_State *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    return lua_error(L);
}

static int is_null(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TLIGHTUSERDATA
        && lua_touserdata(L, idx) == NULL;
}

static int has_array_mt(lua_State *L, int idx)
{
    int r;
    if (!lua_getmetatable(L, idx))
        return 0;
    r = lua_rawequal(L, -1, ARRAY_MT_IDX);
    lua_pop(L, 1);
    return r;
}

/* Decodes one strict UTF-8 sequence (no overlongs, surrogates or code
 * points above U+10FFFF). Returns its length, or 0 when invalid. */
static int utf8_decode(const unsigned char *p, const unsigned char *end,
                       unsigned long *cp)
{
    unsigned c = p[0];
    unsigned lo = 0x80, hi = 0xBF;
    int n;
    unsigned long v;

    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (end - p < n || p[1] < lo || p[1] > hi)
        return 0;
    v = (v << 6) | (p[1] & 0x3F);
    for (int i = 2; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    *cp = v;
    return n;
}

/* ---------------------------------------------------------------- decode */

typedef struct parser {
    lua_State *L;
    const char *start;  /* for error offsets */
    const char *p;
    const char *end;
    int depth;
} parser;

/* 1 for the bytes that end a plain run inside a string: '"', '\\', control
 * characters and non-ASCII (validated as UTF-8). */
static const unsigned char str_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Raises "json: <what> at byte <offset>"; any failure at the end of the
 * input is reported as truncation. */
static int fail_at(parser *ps, const char *at, const char *what)
{
    if (at >= ps->end)
        what = "unexpected end of input";
    return json_error(ps->L, "json: %s at byte %I", what,
                      (lua_Integer)(at - ps->start));
}

static void skip_space(parser *ps)
{
    const char *p = ps->p, *end = ps->end;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    ps->p = p;
}

/* Skips whitespace and returns the next byte; running out is an error. */
static int peek(parser *ps)
{
    skip_space(ps);
    if (ps->p == ps->end)
        fail_at(ps, ps->p, "unexpected end of input");
    return (unsigned char)*ps->p;
}

static void parse_value(parser *ps);

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads the 4 hex digits after "\u" at p; -1 when they are not hex. */
static long read_hex4(parser *ps, const char *p)
{
    long v = 0;
    if (ps->end - p < 6)
        fail_at(ps, ps->end, "unexpected end of input");
    for (int i = 2; i < 6; i++) {
        int d = hexval((unsigned char)p[i]);
        if (d < 0)
            return -1;
        v = (v << 4) | d;
    }
    return v;
}

static void add_utf8(luaL_Buffer *b, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    luaL_addlstring(b, u, n);
}

/* Handles the escape at p (p[0] == '\\'), returns the byte after it. */
static const char *parse_escape(parser *ps, luaL_Buffer *b, const char *p)
{
    long cp, lo;
    if (p + 1 >= ps->end)
        fail_at(ps, ps->end, "unexpected end of input");
    switch (p[1]) {
    case '"': luaL_addchar(b, '"'); return p + 2;
    case '\\': luaL_addchar(b, '\\'); return p + 2;
    case '/': luaL_addchar(b, '/'); return p + 2;
    case 'b': luaL_addchar(b, '\b'); return p + 2;
    case 'f': luaL_addchar(b, '\f'); return p + 2;
    case 'n': luaL_addchar(b, '\n'); return p + 2;
    case 'r': luaL_addchar(b, '\r'); return p + 2;
    case 't': luaL_addchar(b, '\t'); return p + 2;
    case 'u':
        break;
    default:
        fail_at(ps, p, "invalid escape");
    }
    if ((cp = read_hex4(ps, p)) < 0)
        fail_at(ps, p, "invalid escape");
    p += 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        /* A high surrogate combines with an immediately following low one;
         * anything else leaves it unpaired, which becomes U+FFFD like an
         * unpaired low surrogate. */
        if (ps->end - p >= 6 && p[0] == '\\' && p[1] == 'u'
            && (lo = read_hex4(ps, p)) >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
        } else {
            cp = 0xFFFD;
        }
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
    }
    add_utf8(b, (unsigned long)cp);
    return p;
}

/* Skips a plain run starting at p, validating any UTF-8 in it; returns a
 * pointer to the '"', '\\' or control character that ends it. */
static const char *scan_plain(parser *ps, const char *p)
{
    const char *end = ps->end;
    unsigned long cp;
    for (;;) {
        int n;
        while (p < end && !str_special[(unsigned char)*p])
            p++;
        if (p == end)
            fail_at(ps, p, "unexpected end of input");
        if ((unsigned char)*p < 0x80)
            return p;
        n = utf8_decode((const unsigned char *)p, (const unsigned char *)end,
                        &cp);
        if (n == 0)
            fail_at(ps, p, "invalid UTF-8");
        p += n;
    }
}

/* Parses the string whose opening quote is at ps->p and pushes it. */
static void parse_string(parser *ps)
{
    lua_State *L = ps->L;
    const char *run = ps->p + 1;
    const char *p = scan_plain(ps, run);
    luaL_Buffer b;

    if (*p == '"') {  /* the common case: no escapes */
        lua_pushlstring(L, run, (size_t)(p - run));
        ps->p = p + 1;
        return;
    }
    luaL_buffinit(L, &b);
    for (;;) {
        luaL_addlstring(&b, run, (size_t)(p - run));
        if (*p == '"')
            break;
        if (*p != '\\')
            fail_at(ps, p, "control character in string");
        run = parse_escape(ps, &b, p);
        p = scan_plain(ps, run);
    }
    luaL_pushresult(&b);
    ps->p = p + 1;
}

static lua_Number read_float(parser *ps, const char *s, size_t len)
{
    char small[64];
    char *buf = small;
    char *q;
    double d;

    if (len >= sizeof small)  /* Lua-owned scratch, so errors cannot leak it */
        buf = (char *)lua_newuserdatauv(ps->L, len + 1, 0);
    memcpy(buf, s, len);
    buf[len] = '\0';
    /* strtod follows LC_NUMERIC, which the host may have set. */
    if ((q = strchr(buf, '.')) != NULL)
        *q = localeconv()->decimal_point[0];
    d = strtod(buf, NULL);
    if (buf != small)
        lua_pop(ps->L, 1);
    return (lua_Number)d;
}

static int is_digit(const char *p, const char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

/* A number missing digits at p is truncated when p is the end of the
 * input, and malformed (reported at its start s) otherwise. */
static void bad_number(parser *ps, const char *s, const char *p)
{
    fail_at(ps, p < ps->end ? s : p, "invalid number");
}

/* Parses the number at ps->p (which starts with '-' or a digit). */
static void parse_number(parser *ps)
{
    const char *s = ps->p, *p = s, *end = ps->end;
    int neg = 0, isfloat = 0, overflow = 0;
    lua_Unsigned v = 0, limit = (lua_Unsigned)LUA_MAXINTEGER;
    lua_Number d;

    if (*p == '-') {
        neg = 1;
        limit += 1;  /* -2^63 is representable */
        p++;
    }
    if (!is_digit(p, end))
        bad_number(ps, s, p);
    if (*p == '0') {
        p++;
        if (is_digit(p, end))
            bad_number(ps, s, p);
    } else {
        do {
            unsigned d = (unsigned)(*p++ - '0');
            if (v > (limit - d) / 10)
                overflow = 1;
            else
                v = v * 10 + d;
        } while (is_digit(p, end));
    }
    if (p < end && *p == '.') {
        isfloat = 1;
        p++;
        if (!is_digit(p, end))
            bad_number(ps, s, p);
        while (is_digit(p, end))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        isfloat = 1;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!is_digit(p, end))
            bad_number(ps, s, p);
        while (is_digit(p, end))
            p++;
    }
    ps->p = p;

    if (!isfloat && !overflow) {
        if (!neg)
            lua_pushinteger(ps->L, (lua_Integer)v);
        else if (v == limit)
            lua_pushinteger(ps->L, LUA_MININTEGER);
        else
            lua_pushinteger(ps->L, -(lua_Integer)v);
        return;
    }
    d = read_float(ps, s, (size_t)(p - s));
    /* What encode would refuse is refused here, where the position is
     * known (a store holding 1e400 fails when read, not when saved). */
    if (isinf(d))
        fail_at(ps, s, "number out of range");
    /* A fraction or an exponent makes a float even when whole (1.0, 1e3):
     * encode writes whole floats as 1.0 or 1e+16, so the type survives a
     * round trip. */
    lua_pushnumber(ps->L, d);
}

static void parse_literal(parser *ps, const char *word, size_t len)
{
    size_t avail = (size_t)(ps->end - ps->p);
    if (avail < len) {
        if (memcmp(ps->p, word, avail) == 0)
            fail_at(ps, ps->end, "unexpected end of input");
        fail_at(ps, ps->p, "invalid literal");
    }
    if (memcmp(ps->p, word, len) != 0)
        fail_at(ps, ps->p, "invalid literal");
    ps->p += len;
}

/* Containers collect up to CHUNK elements on the stack before moving them
 * into the table, so that most tables are created at their final size
 * instead of being rehashed as they grow. */
#define CHUNK 32

static void enter(parser *ps)
{
    if (++ps->depth > JSON_MAXDEPTH)
        fail_at(ps, ps->p, "nesting too deep");
    /* the container, a chunk of keys and values, slack for luaL_Buffer */
    luaL_checkstack(ps->L, 2 * CHUNK + 8, "json: nesting too deep");
}

/* Moves the n values above the array at index t (nil until the first
 * flush) into it, after the count elements it already has. */
static void flush_array(lua_State *L, int t, int n, lua_Integer count)
{
    if (lua_isnil(L, t)) {
        lua_createtable(L, n, 0);
        lua_pushvalue(L, ARRAY_MT_IDX);
        lua_setmetatable(L, -2);
        lua_replace(L, t);
    }
    for (int i = n; i > 0; i--)
        lua_rawseti(L, t, count + i);
}

/* Moves the n key/value pairs above the object at index t (nil until the
 * first flush) into it, in order, so a repeated key keeps its last value. */
static void flush_object(lua_State *L, int t, int n)
{
    if (lua_isnil(L, t)) {
        lua_createtable(L, 0, n);
        lua_replace(L, t);
    }
    for (int i = 0; i < n; i++) {
        lua_pushvalue(L, t + 1 + 2 * i);
        lua_pushvalue(L, t + 2 + 2 * i);
        lua_rawset(L, t);
    }
    lua_settop(L, t);
}

static void parse_array(parser *ps)
{
    lua_State *L = ps->L;
    lua_Integer count = 0;
    int n = 0, t;

    enter(ps);
    ps->p++;
    lua_pushnil(L);
    t = lua_gettop(L);
    if (peek(ps) == ']') {
        ps->p++;
    } else {
        for (;;) {
            int c;
            parse_value(ps);
            if (++n == CHUNK) {
                flush_array(L, t, n, count);
                count += n;
                n = 0;
            }
            c = peek(ps);
            ps->p++;
            if (c == ']')
                break;
            if (c != ',')
                fail_at(ps, ps->p - 1, "expected ',' or ']'");
        }
    }
    flush_array(L, t, n, count);
    ps->depth--;
}

static void parse_object(parser *ps)
{
    lua_State *L = ps->L;
    int n = 0, t;

    enter(ps);
    ps->p++;
    lua_pushnil(L);
    t = lua_gettop(L);
    if (peek(ps) == '}') {
        ps->p++;
    } else {
        for (;;) {
            int c;
            if (peek(ps) != '"')
                fail_at(ps, ps->p, "expected string key");
            parse_string(ps);
            if (peek(ps) != ':')
                fail_at(ps, ps->p, "expected ':'");
            ps->p++;
            parse_value(ps);
            if (++n == CHUNK) {
                flush_object(L, t, n);
                n = 0;
            }
            c = peek(ps);
            ps->p++;
            if (c == '}')
                break;
            if (c != ',')
                fail_at(ps, ps->p - 1, "expected ',' or '}'");
        }
    }
    flush_object(L, t, n);
    ps->depth--;
}

static void parse_value(parser *ps)
{
    switch (peek(ps)) {
    case '{': parse_object(ps); break;
    case '[': parse_array(ps); break;
    case '"': parse_string(ps); break;
    case 't':
        parse_literal(ps, "true", 4);
        lua_pushboolean(ps->L, 1);
        break;
    case 'f':
        parse_literal(ps, "false", 5);
        lua_pushboolean(ps->L, 0);
        break;
    case 'n':
        parse_literal(ps, "null", 4);
        lua_pushlightuserdata(ps->L, NULL);
        break;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        parse_number(ps);
        break;
    default:
        fail_at(ps, ps->p, "unexpected character");
    }
}

static int json_decode(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    parser ps;

    ps.L = L;
    ps.start = ps.p = s;
    ps.end = s + len;
    ps.depth = 0;
    parse_value(&ps);
    skip_space(&ps);
    if (ps.p != ps.end)
        fail_at(&ps, ps.p, "trailing garbage");
    return 1;
}

/* ---------------------------------------------------------------- encode */

/* The output lives in a full userdata at stack slot OUT_IDX, replaced by a
 * bigger one when it fills up, so an error anywhere leaks nothing. */
#define OUT_IDX 2

typedef struct encoder {
    lua_State *L;
    char *b;
    size_t n, cap;
    int depth;
} encoder;

static void reserve(encoder *e, size_t extra)
{
    size_t cap = e->cap;
    char *nb;
    if (cap - e->n >= extra)
        return;
    while (cap - e->n < extra)
        cap *= 2;
    nb = (char *)lua_newuserdatauv(e->L, cap, 0);
    memcpy(nb, e->b, e->n);
    lua_replace(e->L, OUT_IDX);
    e->b = nb;
    e->cap = cap;
}

static void put_mem(encoder *e, const char *s, size_t n)
{
    reserve(e, n);
    memcpy(e->b + e->n, s, n);
    e->n += n;
}

static void put_char(encoder *e, char c)
{
    reserve(e, 1);
    e->b[e->n++] = c;
}

/* 1 for the bytes written as they are: printable ASCII other than '"' and
 * '\\'. DEL (0x7f) is escaped, as Python's ensure_ascii does. */
static const unsigned char str_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
};

static void put_u16(encoder *e, unsigned long u)
{
    static const char hex[] = "0123456789abcdef";
    char s[6];
    s[0] = '\\';
    s[1] = 'u';
    s[2] = hex[(u >> 12) & 0xF];
    s[3] = hex[(u >> 8) & 0xF];
    s[4] = hex[(u >> 4) & 0xF];
    s[5] = hex[u & 0xF];
    put_mem(e, s, 6);
}

static void put_string(encoder *e, const char *str, size_t len)
{
    const unsigned char *p = (const unsigned char *)str, *end = p + len;

    reserve(e, len + 2);
    put_char(e, '"');
    while (p < end) {
        const unsigned char *run = p;
        unsigned long cp = 0;  /* quiets -Wmaybe-uninitialized */
        int n;
        while (p < end && str_plain[*p])
            p++;
        put_mem(e, (const char *)run, (size_t)(p - run));
        if (p == end)
            break;
        switch (*p) {
        case '"': put_mem(e, "\\\"", 2); break;
        case '\\': put_mem(e, "\\\\", 2); break;
        case '\b': put_mem(e, "\\b", 2); break;
        case '\f': put_mem(e, "\\f", 2); break;
        case '\n': put_mem(e, "\\n", 2); break;
        case '\r': put_mem(e, "\\r", 2); break;
        case '\t': put_mem(e, "\\t", 2); break;
        default:
            n = utf8_decode(p, end, &cp);
            if (n == 0)
                json_error(e->L, "json: invalid UTF-8 in string");
            if (cp >= 0x10000) {
                cp -= 0x10000;
                put_u16(e, 0xD800 | (cp >> 10));
                put_u16(e, 0xDC00 | (cp & 0x3FF));
            } else {
                put_u16(e, cp);
            }
            p += n;
            continue;
        }
        p++;
    }
    put_char(e, '"');
}

static void put_integer(encoder *e, lua_Integer i)
{
    char s[24];
    char *q = s + sizeof s;
    lua_Unsigned u = (lua_Unsigned)i;
    if (i < 0)
        u = 0u - u;
    do {
        *--q = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (i < 0)
        *--q = '-';
    put_mem(e, q, (size_t)(s + sizeof s - q));
}

/* Writes d the way Python's repr does: the shortest digits that read back
 * as d, in positional notation for exponents -5 < exp < 16 (with ".0" when
 * whole) and as d.ddde+XX otherwise. */
static void put_float(encoder *e, lua_Number d)
{
    char tmp[40], digits[20], out[48];
    int nd = 0, exp, len = 0;
    const char *q;

    if (isnan(d) || isinf(d))
        json_error(e->L, "json: cannot encode NaN or infinity");
    /* 15 significant digits are exact whenever they round-trip, except for
     * subnormals, whose lower precision allows shorter forms. */
    for (int prec = fabs(d) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, (double)d);
        if (prec == 17 || strtod(tmp, NULL) == (double)d)
            break;
    }
    /* tmp is "[-]d<point>ddd...e[+-]XX"; the point may follow the locale. */
    for (q = tmp; *q != 'e'; q++)
        if (*q >= '0' && *q <= '9')
            digits[nd++] = *q;
    exp = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;

    if (tmp[0] == '-')
        out[len++] = '-';
    if (exp < -4 || exp >= 16) {
        out[len++] = digits[0];
        if (nd > 1) {
            out[len++] = '.';
            memcpy(out + len, digits + 1, (size_t)(nd - 1));
            len += nd - 1;
        }
        len += snprintf(out + len, sizeof out - (size_t)len, "e%c%02d",
                        exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    } else if (exp < 0) {
        out[len++] = '0';
        out[len++] = '.';
        for (int i = -1; i > exp; i--)
            out[len++] = '0';
        memcpy(out + len, digits, (size_t)nd);
        len += nd;
    } else {
        int ip = exp + 1;  /* digits before the point */
        for (int i = 0; i < ip; i++)
            out[len++] = i < nd ? digits[i] : '0';
        out[len++] = '.';
        if (nd > ip) {
            memcpy(out + len, digits + ip, (size_t)(nd - ip));
            len += nd - ip;
        } else {
            out[len++] = '0';
        }
    }
    put_mem(e, out, (size_t)len);
}

static void encode_value(encoder *e, int idx);

static void encode_array(encoder *e, int t, lua_Integer n)
{
    put_char(e, '[');
    for (lua_Integer i = 1; i <= n; i++) {
        if (i > 1)
            put_char(e, ',');
        lua_rawgeti(e->L, t, i);
        encode_value(e, -1);
        lua_pop(e->L, 1);
    }
    put_char(e, ']');
}

typedef struct strref {
    const char *s;
    size_t len;
} strref;

static int strref_cmp(const void *a, const void *b)
{
    const strref *x = (const strref *)a, *y = (const strref *)b;
    int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
    if (c != 0)
        return c;
    return (x->len > y->len) - (x->len < y->len);
}

static void encode_object(encoder *e, int t, size_t nkeys)
{
    lua_State *L = e->L;
    strref *keys = NULL;
    size_t i = 0;

    /* The key strings stay alive as keys of t, which is on the stack. */
    if (nkeys > 0)
        keys = (strref *)lua_newuserdatauv(L, nkeys * sizeof *keys, 0);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            json_error(L, "json: cannot encode a table with non-string key %s",
                       luaL_tolstring(L, -1, NULL));
        keys[i].s = lua_tolstring(L, -1, &keys[i].len);
        i++;
    }
    if (nkeys > 1)
        qsort(keys, nkeys, sizeof *keys, strref_cmp);
    put_char(e, '{');
    for (i = 0; i < nkeys; i++) {
        if (i > 0)
            put_char(e, ',');
        put_string(e, keys[i].s, keys[i].len);
        put_char(e, ':');
        lua_pushlstring(L, keys[i].s, keys[i].len);
        lua_rawget(L, t);
        encode_value(e, -1);
        lua_pop(L, 1);
    }
    put_char(e, '}');
    if (nkeys > 0)
        lua_pop(L, 1);
}

/* Pushes and returns the string at idx, quoted, cut to 40 bytes, with
 * every byte that is not printable ASCII as \xNN: keys end up in error
 * messages and may hold anything. */
static const char *printable_key(lua_State *L, int idx)
{
    size_t len;
    const char *k = lua_tolstring(L, idx, &len);
    luaL_Buffer b;

    luaL_buffinit(L, &b);
    luaL_addchar(&b, '"');
    for (size_t i = 0; i < len && i < 40; i++) {
        unsigned char c = (unsigned char)k[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
            char hex[5];
            snprintf(hex, sizeof hex, "\\x%02x", c);
            luaL_addlstring(&b, hex, 4);
        } else {
            luaL_addchar(&b, (char)c);
        }
    }
    luaL_addstring(&b, len > 40 ? "\"..." : "\"");
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

/* The length of the table t marked as an array, whose keys must be exactly
 * 1..n: a hole or another key would otherwise be dropped silently. */
static lua_Integer checked_array_length(lua_State *L, int t)
{
    lua_Integer max = 0, count = 0;

    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
            if (lua_type(L, -1) == LUA_TSTRING)
                json_error(L, "json: an array (json.array) has the string key %s",
                           printable_key(L, -1));
            json_error(L, "json: an array (json.array) has the non-index key %s",
                       luaL_tolstring(L, -1, NULL));
        }
        if (lua_tointeger(L, -1) > max)
            max = lua_tointeger(L, -1);
        count++;
    }
    if (count != max) {
        lua_Integer i = 1;
        while (lua_rawgeti(L, t, i) != LUA_TNIL) {
            lua_pop(L, 1);
            i++;
        }
        json_error(L, "json: an array (json.array) has a hole at index %I "
                   "(%I elements up to index %I); use json.null for a null",
                   i, count, max);
    }
    return max;
}

static void encode_table(encoder *e, int t)
{
    lua_State *L = e->L;
    lua_Integer max = 0;
    size_t count = 0, nkeys = 0;
    int seq = 1;

    if (++e->depth > JSON_MAXDEPTH)
        json_error(L, "json: nesting too deep (cycle?)");
    luaL_checkstack(L, 6, "json: nesting too deep (cycle?)");
    if (has_array_mt(L, t)) {
        encode_array(e, t, checked_array_length(L, t));
        e->depth--;
        return;
    }
    /* An array when the keys are exactly 1..n. */
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        nkeys++;
        if (seq && lua_isinteger(L, -1)) {
            lua_Integer k = lua_tointeger(L, -1);
            if (k > 0) {
                count++;
                if (k > max)
                    max = k;
                continue;
            }
        }
        seq = 0;
    }
    if (seq && count > 0 && (lua_Unsigned)max == count)
        encode_array(e, t, max);
    else
        encode_object(e, t, nkeys);
    e->depth--;
}

static void encode_value(encoder *e, int idx)
{
    lua_State *L = e->L;
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        put_mem(e, "null", 4);
        break;
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, idx))
            put_mem(e, "true", 4);
        else
            put_mem(e, "false", 5);
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            put_integer(e, lua_tointeger(L, idx));
        else
            put_float(e, lua_tonumber(L, idx));
        break;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        put_string(e, s, len);
        break;
    }
    case LUA_TTABLE:
        encode_table(e, idx);
        break;
    case LUA_TLIGHTUSERDATA:
        if (is_null(L, idx)) {
            put_mem(e, "null", 4);
            break;
        }
        /* FALLTHROUGH */
    default:
        json_error(L, "json: cannot encode a %s", luaL_typename(L, idx));
    }
}

static int json_encode(lua_State *L)
{
    encoder e;

    lua_settop(L, 1);
    e.L = L;
    e.n = 0;
    e.cap = 256;
    e.depth = 0;
    e.b = (char *)lua_newuserdatauv(L, e.cap, 0);  /* at OUT_IDX */
    encode_value(&e, 1);
    lua_pushlstring(L, e.b, e.n);
    return 1;
}

/* ---------------------------------------------------------------- module */

static int json_array(lua_State *L)
{
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    } else {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 1);
    }
    lua_pushvalue(L, ARRAY_MT_IDX);
    lua_setmetatable(L, 1);
    return 1;
}

static int json_is_array(lua_State *L)
{
    lua_pushboolean(L, lua_type(L, 1) == LUA_TTABLE && has_array_mt(L, 1));
    return 1;
}

static const luaL_Reg json_funcs[] = {
    {"decode", json_decode},
    {"encode", json_encode},
    {"array", json_array},
    {"is_array", json_is_array},
    {NULL, NULL}
};

int luaopen_duo_json(lua_State *L)
{
    luaL_newlibtable(L, json_funcs);
    luaL_newmetatable(L, ARRAY_MT);  /* sets __name; reused if it exists */
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "array_mt");
    luaL_setfuncs(L, json_funcs, 1);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    return 1;
}
