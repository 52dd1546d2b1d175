/* Shared by the fuzz targets that need a Lua state: a state whose memory
 * is capped (so an input that asks for gigabytes fails like a normal
 * memory error) and whose Lua code runs on an instruction budget (so a
 * config chunk `while true do end` ends). Header-only: each target is one
 * translation unit. */
#ifndef DUO_FUZZ_LUA_H
#define DUO_FUZZ_LUA_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#define FUZZ_MEMORY_CAP ((size_t)64 << 20)
#define FUZZ_BUDGET_MESSAGE "fuzz: instruction budget exhausted"

static size_t fuzz_in_use;

static inline void *fuzz_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    if (ptr == NULL)
        osize = 0;
    if (nsize == 0) {
        free(ptr);
        fuzz_in_use -= osize;
        return NULL;
    }
    if (nsize > osize && fuzz_in_use + (nsize - osize) > FUZZ_MEMORY_CAP)
        return NULL;
    ptr = realloc(ptr, nsize);
    if (ptr != NULL)
        fuzz_in_use = fuzz_in_use - osize + nsize;
    return ptr;
}

static long fuzz_budget;

/* Lua line coverage for libFuzzer: the interpreter (Debian's liblua) is not
 * instrumented, so the lines the Lua code runs are counted here, in
 * libFuzzer's extra counters, hashed by chunk and line. */
#ifdef FUZZ_LUA_LINES
#define FUZZ_LUA_COUNTERS 16384
__attribute__((section("__libfuzzer_extra_counters")))
static unsigned char fuzz_lua_lines[FUZZ_LUA_COUNTERS];
#endif

static inline void fuzz_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
#ifdef FUZZ_LUA_LINES
    if (ar->event == LUA_HOOKLINE) {
        uintptr_t h;
        if (!lua_getinfo(L, "S", ar))
            return;
        h = ((uintptr_t)ar->source >> 4) * 2654435761u ^ (uintptr_t)ar->currentline * 40503u;
        fuzz_lua_lines[h % FUZZ_LUA_COUNTERS]++;
        return;
    }
#endif
    if (--fuzz_budget < 0)
        luaL_error(L, FUZZ_BUDGET_MESSAGE);
}

/* A new state with the standard libraries, on an instruction budget of
 * thousands of VM instructions (fuzz_budget_reset) and with Lua line
 * coverage when lines is non-zero. */
static inline lua_State *fuzz_new_state(int lines)
{
    lua_State *L = lua_newstate(fuzz_alloc, NULL);
    if (L == NULL)
        abort();
    luaL_openlibs(L);
    lua_sethook(L, fuzz_hook, LUA_MASKCOUNT | (lines ? LUA_MASKLINE : 0), 1000);
    return L;
}

static inline void fuzz_budget_reset(long thousands)
{
    fuzz_budget = thousands;
}

/* Reports a broken property and aborts, which libFuzzer records as a crash
 * with the input that caused it. */
static inline void fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz: %s: %s\n", what, detail ? detail : "");
    abort();
}

#endif
