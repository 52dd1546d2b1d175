/* bench_sign: the cost of duo.sign from Lua next to the bare HMAC it wraps.
 *
 * In one process: (a) a Lua loop calling duo.sign for a v5 GET with five
 * parameters, and (b) Mbed TLS's one-shot HMAC-SHA512 (key = the 40-byte
 * skey, so the key schedule is paid per call as duo.sign pays it) over
 * exactly the canonical string duo.sign produced. Rounds of N operations
 * alternate between the two; the best round of each is compared (the
 * median is printed too).
 *
 * usage: bench_sign [N [ROUNDS]]     (defaults: 100000 operations, 9 rounds)
 * Acceptance (the project's budget): duo.sign <= 1.4 x bare HMAC. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <mbedtls/md.h>

#include "lduo.h"

#define SKEY "Zh5eGmUq9zpfQnyUIu5OL9iWoMMv5ZNmk3zLJ4Ep"
#define MAX_ROUNDS 101

/* The loop runs inside one chunk; it returns the last result so the
 * caller gets the canonical string. */
static const char lua_loop[] =
    "local duo, n = ...\n"
    "local sign = duo.sign\n"
    "local req = {\n"
    "  version = 5, method = 'GET', host = 'api-xxxxxxxx.duosecurity.com',\n"
    "  path = '/admin/v1/users', date = 'Tue, 21 Aug 2012 17:29:18 -0000',\n"
    "  ikey = 'DIWJ8X6AEYOR5OMC6TQ1', skey = '" SKEY "',\n"
    "  params = { username = 'jdoe', realname = 'Jane Doe', email = 'jdoe@example.com',\n"
    "             limit = 100, offset = 0 },\n"
    "}\n"
    "for _ = 2, n do sign(req) end\n"
    "return sign(req)\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), compare_doubles);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One round of duo.sign; returns seconds, or -1 on a Lua error. */
static double lua_round(lua_State *L, int loop_ref, long n, char **canonical)
{
    double t0, t1;

    lua_rawgeti(L, LUA_REGISTRYINDEX, loop_ref);
    lua_getglobal(L, "duo");
    lua_pushinteger(L, n);
    t0 = now_s();
    if (lua_pcall(L, 2, 2, 0) != LUA_OK) {
        fprintf(stderr, "bench_sign: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    t1 = now_s();
    if (canonical != NULL && *canonical == NULL) {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        *canonical = malloc(len + 1);
        if (*canonical != NULL)
            memcpy(*canonical, s, len + 1);
    }
    lua_pop(L, 2);
    return t1 - t0;
}

static volatile unsigned char sink;

static double hmac_round(const mbedtls_md_info_t *md, const char *msg, size_t len, long n)
{
    unsigned char mac[64];
    double t0 = now_s();

    for (long i = 0; i < n; i++) {
        mbedtls_md_hmac(md, (const unsigned char *)SKEY, sizeof(SKEY) - 1,
                        (const unsigned char *)msg, len, mac);
        sink ^= mac[i & 63];
    }
    return now_s() - t0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    int rounds = argc > 2 ? atoi(argv[2]) : 9;
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA512);
    double sign_t[MAX_ROUNDS], hmac_t[MAX_ROUNDS], sign_best, hmac_best, sign_med, hmac_med;
    char *canonical = NULL;
    lua_State *L;
    int loop_ref;

    if (n < 1 || rounds < 1 || rounds > MAX_ROUNDS || md == NULL) {
        fprintf(stderr, "usage: bench_sign [N >= 1 [ROUNDS 1..%d]]\n", MAX_ROUNDS);
        return 2;
    }
    L = luaL_newstate();
    if (L == NULL)
        return 1;
    luaL_openlibs(L);
    luaL_requiref(L, "duo", luaopen_duo, 1);
    lua_pop(L, 1);
    if (luaL_loadbuffer(L, lua_loop, sizeof(lua_loop) - 1, "=bench_sign") != LUA_OK) {
        fprintf(stderr, "bench_sign: %s\n", lua_tostring(L, -1));
        return 1;
    }
    loop_ref = luaL_ref(L, LUA_REGISTRYINDEX);

    /* warm-up: caches, allocator, the canonical string to hash */
    if (lua_round(L, loop_ref, n / 10 + 1, &canonical) < 0 || canonical == NULL)
        return 1;
    hmac_round(md, canonical, strlen(canonical), n / 10 + 1);

    for (int r = 0; r < rounds; r++) {
        sign_t[r] = lua_round(L, loop_ref, n, NULL);
        if (sign_t[r] < 0)
            return 1;
        hmac_t[r] = hmac_round(md, canonical, strlen(canonical), n);
    }
    sign_best = sign_t[0];
    hmac_best = hmac_t[0];
    for (int r = 1; r < rounds; r++) {
        if (sign_t[r] < sign_best) sign_best = sign_t[r];
        if (hmac_t[r] < hmac_best) hmac_best = hmac_t[r];
    }
    sign_med = median(sign_t, rounds);
    hmac_med = median(hmac_t, rounds);

    printf("canonical string: %zu bytes; %d rounds x %ld ops, best (median)\n",
           strlen(canonical), rounds, n);
    printf("duo.sign v5 GET 5 params: %6.3f us/op (%.3f)\n",
           sign_best / (double)n * 1e6, sign_med / (double)n * 1e6);
    printf("bare mbedtls HMAC-SHA512: %6.3f us/op (%.3f)\n",
           hmac_best / (double)n * 1e6, hmac_med / (double)n * 1e6);
    printf("ratio %.2f (median %.2f) (acceptance: <= 1.4) %s\n",
           sign_best / hmac_best, sign_med / hmac_med,
           sign_best / hmac_best <= 1.4 ? "ok" : "OVER BUDGET");
    free(canonical);
    luaL_unref(L, LUA_REGISTRYINDEX, loop_ref);
    lua_close(L);
    return 0;
}
