/* duo._match: the two inner loops of suggest-mappings' engine
 * (workflows/lib/match.lua and match_index.lua), which in Lua took most
 * of its time on large tenants: the character-bigram similarity of two
 * names, and the scoring of candidate accounts over the name index
 * (core/match/scorer.h says how).
 *
 *   _match.bigram_dice(a, b)           -> 0..1
 *   local sc = _match.scorer(n_docs, lists)   -- lists[t] = { doc, ... }, docs 1..n_docs
 *   sc:offer(t, weight)                -- list t's weight in this query: the highest offered (> 0)
 *   sc:rarest()                        -> the shortest offered list's length, or nil
 *   sc:collect(low, high)              -- scores the offered lists with low < length <= high
 *   sc:top()                           -> the best score of the query so far
 *   sc:take(keep, floor)               -> { doc, ... } best first; clears the query */
#include <math.h>
#include <stdint.h>

#include <lauxlib.h>

#include "lduo.h"
#include "scorer.h"
#include "textsim.h"

#define SCORER_TYPE "duo.MatchScorer"
#define MAX_KEEP 64

static int m_bigram_dice(lua_State *L)
{
    size_t la, lb;
    const char *a = luaL_checklstring(L, 1, &la);
    const char *b = luaL_checklstring(L, 2, &lb);
    double d = duo_bigram_dice(a, la, b, lb);
    if (d < 0)
        return luaL_error(L, "not enough memory");
    lua_pushnumber(L, d);
    return 1;
}

/* The length of lists[t] (at the top of the stack), each entry checked. */
static uint32_t list_length(lua_State *L, lua_Integer n_docs, lua_Integer t)
{
    lua_Integer n;
    if (lua_type(L, -1) != LUA_TTABLE)
        luaL_error(L, "match.scorer: list %I is a %s, not a table", t, luaL_typename(L, -1));
    n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer k = 1; k <= n; k++) {
        int ok;
        lua_Integer d;
        lua_rawgeti(L, -1, k);
        d = lua_tointegerx(L, -1, &ok);
        if (!ok || d < 1 || d > n_docs)
            luaL_error(L, "match.scorer: list %I holds %s, not a document number 1..%I",
                       t, luaL_tolstring(L, -1, NULL), n_docs);
        lua_pop(L, 1);
    }
    if ((lua_Unsigned)n >= UINT32_MAX)
        luaL_error(L, "match.scorer: list %I is too long", t);
    return (uint32_t)n;
}

static int m_scorer(lua_State *L)
{
    lua_Integer n_docs = luaL_checkinteger(L, 1);
    lua_Integer n_terms;
    size_t n_postings = 0, bytes;
    uint32_t *lengths;
    duo_scorer *s;

    luaL_checktype(L, 2, LUA_TTABLE);
    n_terms = (lua_Integer)lua_rawlen(L, 2);
    luaL_argcheck(L, n_docs >= 0 && n_docs < UINT32_MAX, 1, "document count out of range");
    luaL_argcheck(L, n_terms < UINT32_MAX, 2, "too many lists");
    /* the lengths live in a userdata, so an error below leaks nothing */
    lengths = lua_newuserdatauv(L, (size_t)n_terms * sizeof *lengths + 1, 0);
    for (lua_Integer t = 1; t <= n_terms; t++) {
        lua_rawgeti(L, 2, t);
        lengths[t - 1] = list_length(L, n_docs, t);
        n_postings += lengths[t - 1];
        lua_pop(L, 1);
    }
    bytes = duo_scorer_size((size_t)n_docs, (size_t)n_terms, n_postings);
    if (bytes == 0)
        return luaL_error(L, "match.scorer: the index is too large");
    s = duo_scorer_init(lua_newuserdatauv(L, bytes, 0), (uint32_t)n_docs, (uint32_t)n_terms, lengths);
    for (uint32_t t = 0; t < (uint32_t)n_terms; t++) {
        uint32_t len;
        uint32_t *docs = duo_scorer_docs(s, t, &len);
        lua_rawgeti(L, 2, (lua_Integer)t + 1);
        for (uint32_t k = 0; k < len; k++) {
            lua_rawgeti(L, -1, (lua_Integer)k + 1);
            docs[k] = (uint32_t)lua_tointeger(L, -1) - 1;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    luaL_setmetatable(L, SCORER_TYPE);
    return 1;
}

static duo_scorer *check_scorer(lua_State *L)
{
    return luaL_checkudata(L, 1, SCORER_TYPE);
}

/* The list number at index 2, checked. */
static uint32_t check_term(lua_State *L, duo_scorer *s)
{
    lua_Integer t = luaL_checkinteger(L, 2);
    luaL_argcheck(L, t >= 1 && t <= (lua_Integer)duo_scorer_terms(s), 2, "no such list");
    return (uint32_t)(t - 1);
}

static int m_offer(lua_State *L)
{
    duo_scorer *s = check_scorer(L);
    uint32_t t = check_term(L, s);
    lua_Number w = luaL_checknumber(L, 3);
    luaL_argcheck(L, w > 0 && isfinite(w), 3, "the weight must be a positive number");
    duo_scorer_offer(s, t, w);
    return 0;
}

static int m_rarest(lua_State *L)
{
    uint32_t r = duo_scorer_rarest(check_scorer(L));
    if (r == UINT32_MAX)
        lua_pushnil(L);
    else
        lua_pushinteger(L, (lua_Integer)r);
    return 1;
}

/* A list length bound at index idx: an integer, or math.huge for none. */
static uint32_t check_length(lua_State *L, int idx)
{
    lua_Number n = luaL_checknumber(L, idx);
    luaL_argcheck(L, n >= 0, idx, "a list length must not be negative");
    return n >= (lua_Number)UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static int m_collect(lua_State *L)
{
    duo_scorer *s = check_scorer(L);
    duo_scorer_collect(s, check_length(L, 2), check_length(L, 3));
    return 0;
}

static int m_top(lua_State *L)
{
    lua_pushnumber(L, duo_scorer_top(check_scorer(L)));
    return 1;
}

static int m_take(lua_State *L)
{
    duo_scorer *s = check_scorer(L);
    lua_Integer keep = luaL_checkinteger(L, 2);
    lua_Number floor = luaL_checknumber(L, 3);
    uint32_t out[MAX_KEEP], n;
    luaL_argcheck(L, keep >= 1 && keep <= MAX_KEEP, 2, "keep must be 1..64");
    luaL_argcheck(L, !isnan(floor), 3, "the floor must be a number");
    n = duo_scorer_take(s, (uint32_t)keep, floor, out);
    lua_createtable(L, (int)n, 0);
    for (uint32_t k = 0; k < n; k++) {
        lua_pushinteger(L, (lua_Integer)out[k] + 1);
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 1;
}

static const luaL_Reg scorer_methods[] = {
    { "offer", m_offer },
    { "rarest", m_rarest },
    { "collect", m_collect },
    { "top", m_top },
    { "take", m_take },
    { NULL, NULL }
};

static const luaL_Reg match_functions[] = {
    { "bigram_dice", m_bigram_dice },
    { "scorer", m_scorer },
    { NULL, NULL }
};

int luaopen_duo_match(lua_State *L)
{
    if (luaL_newmetatable(L, SCORER_TYPE)) {
        luaL_newlib(L, scorer_methods);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    luaL_newlib(L, match_functions);
    return 1;
}
