/* The duo-lua executable: shared pieces of main.c and repl.c. */
#ifndef DUO_HOST_H
#define DUO_HOST_H

#include <lua.h>

/* Runs the function on top of the stack (with nargs arguments below it)
 * under the error handler; on error prints the message to stderr and
 * returns the status. */
int duo_host_call(lua_State *L, int nargs, int nresults);
/* The same, but leaves the error value on the stack, unreported. */
int duo_host_pcall(lua_State *L, int nargs, int nresults);
/* Runs a script's main chunk (on top of the stack, nargs arguments below
 * it) as a scope: when it returns, waits for the tasks it spawned; on
 * error or Ctrl-C cancels them. Keeps nresults results on success; reports
 * any error (leaving no results); returns the status. */
int duo_host_run(lua_State *L, int nargs, int nresults);
/* The same for a REPL statement, keeping nresults results (LUA_MULTRET)
 * and leaving the error value unreported (nil when already printed). */
int duo_host_run_statement(lua_State *L, int nresults);
/* Prints an error value the way duo-lua reports uncaught errors. */
void duo_host_report(lua_State *L, int status);
/* Set once an uncaught error reported was a usage error (a duo.Error
 * whose field usage is true: an unknown profile, an unusable config or
 * input file), so that the exit status is 2 (SPEC section 1). */
int duo_host_usage_failed(void);
/* Installs the SIGINT handler that interrupts running Lua code. */
void duo_host_catch_sigint(lua_State *L);
/* Set once Ctrl-C interrupted the program. */
int duo_host_interrupted(void);
/* Forgets a Ctrl-C, removing its hook if no Lua code consumed it. */
void duo_host_clear_interrupt(void);

/* Lua's standard library with UTF-8 file names (bindings/hostnames.c):
 * io.open, io.lines, os.remove, os.rename, os.getenv, loadfile, dofile. */
void duo_host_open_names(lua_State *L);
/* luaL_loadfilex through the platform layer (name NULL: standard input). */
int duo_host_loadfile(lua_State *L, const char *name, const char *mode);

/* The REPL: reads statements from the terminal until end of input. */
void duo_repl(lua_State *L);

#endif
