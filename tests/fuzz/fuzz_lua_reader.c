/* A reader written in Lua (one of the embedded scripts) on a file holding
 * the input. Built once per reader, with READER_MODULE, READER_FUNCTION,
 * READER_SUFFIX (the file name's extension) and READER_BUDGET (thousands
 * of instructions per input) defined by tests/fuzz/CMakeLists.txt: when a
 * reader moves, only that line changes.
 *
 * The function is called with the path of a new file for each input
 * (readers may cache by path), in a state made afresh every 256 inputs
 * (starting one costs more than most inputs). It may return anything (a value with a stop method,
 * such as a sandbox, is stopped) or raise a duo.Error whose message is one
 * line without control bytes; any other error, such as "attempt to index
 * a nil value", is a finding. Memory is capped and the Lua code runs on an instruction
 * budget (fuzz_lua.h), so a config chunk that loops or allocates without
 * end counts as an ordinary refusal. */
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#define FUZZ_LUA_LINES 1
#include "fuzz_lua.h"
#include "json.h"
#include "lduo.h"

/* The host's settings of a run with no options. */
static const duo_settings no_settings;

#if !defined(READER_MODULE) || !defined(READER_BUDGET)
#error "define READER_MODULE, READER_FUNCTION, READER_SUFFIX and READER_BUDGET"
#endif

static lua_State *L;
static unsigned long runs;

static const char driver[] =
    "local module, name, path = ...\n"
    "local result = require(module)[name](path)\n"
    "if type(result) == 'table' and type(result.stop) == 'function' then result:stop() end\n";

/* Returns NULL when the error value is acceptable, else a description. */
static const char *judge_error(lua_State *L)
{
    const char *msg;
    if (lua_type(L, -1) == LUA_TTABLE && luaL_getmetafield(L, -1, "__name") == LUA_TSTRING) {
        int is_duo_error = strcmp(lua_tostring(L, -1), "duo.Error") == 0;
        lua_pop(L, 1);
        if (is_duo_error) {
            msg = luaL_tolstring(L, -1, NULL);
            for (const char *p = msg; *p != '\0'; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                    return msg;   /* a control byte would reach the terminal */
            return NULL;
        }
    }
    msg = luaL_tolstring(L, -1, NULL);
    if (strstr(msg, "not enough memory") != NULL || strstr(msg, FUZZ_BUDGET_MESSAGE) != NULL)
        return NULL;
    return msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[96];
    const char *bad;
    int fd;

    snprintf(path, sizeof path, "%s/duo-fuzz-%ld-%lu%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (long)getpid(), runs % 256, READER_SUFFIX);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size) || close(fd) != 0)
        fuzz_fail("cannot write the input file", path);

    if (runs++ % 256 == 0) {
        if (L != NULL)
            lua_close(L);
        L = fuzz_new_state(1);
        luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
        lua_pushcfunction(L, luaopen_duo);
        lua_setfield(L, -2, "duo");
        lua_pushcfunction(L, luaopen_duo_json);
        lua_setfield(L, -2, "duo.json");
        lua_pop(L, 1);
        duo_open_host(L, &no_settings);   /* every embedded tree: the readers are workflows' */
    }
    lua_settop(L, 0);

    fuzz_budget_reset(READER_BUDGET);
    if (luaL_loadbuffer(L, driver, sizeof driver - 1, "=fuzz") != LUA_OK)
        fuzz_fail("driver", lua_tostring(L, -1));
    lua_pushstring(L, READER_MODULE);
    lua_pushstring(L, READER_FUNCTION);
    lua_pushstring(L, path);
    if (lua_pcall(L, 3, 0, 0) != LUA_OK && (bad = judge_error(L)) != NULL)
        fuzz_fail("the reader raised a raw error (not a one-line duo.Error)", bad);
    lua_settop(L, 0);
    if (unlink(path) != 0)
        fuzz_fail("cannot remove the input file", path);
    return 0;
}
