/* The C half of the `duo` module. */
#ifndef DUO_LDUO_H
#define DUO_LDUO_H

#include <stdio.h>

#include <lua.h>

#include "backend.h"
#include "request.h"

/* require "duo": the full module (C core plus the embedded Lua half). */
int luaopen_duo(lua_State *L);

/* What the command line says to the module: --profile, --config,
 * --sandbox, --dry-run, --workflows-dir, --trace, --log. The host fills
 * one in before it runs any Lua and keeps it (and its strings) for the
 * life of the state; Lua sees copies (_sys.settings()), so nothing a
 * script does can change it. */
typedef struct duo_settings {
    const char *profile, *config, *sandbox, *log;   /* NULL: not given */
    int dry_run, trace;
    const char *const *workflow_dirs;
    int n_workflow_dirs;
} duo_settings;

/* The host's state: the built-in modules, every embedded tree found by
 * require, and the settings (which must outlive L). */
void duo_open_host(lua_State *L, const duo_settings *settings);
/* The settings of L's host, or NULL in another interpreter. */
const duo_settings *duo_host_settings(lua_State *L);

/* Each adds its functions to the table on top of the stack. */
void duo_open_sign(lua_State *L);
void duo_open_session(lua_State *L);
void duo_open_loop(lua_State *L);
void duo_open_sys(lua_State *L);
void duo_open_codec(lua_State *L);
void duo_open_secrets(lua_State *L);
/* require "duo._file": locks, atomic replacement, secrets from the terminal. */
int luaopen_duo_file(lua_State *L);
/* require "duo._match": the inner loops of suggest-mappings' engine. */
int luaopen_duo_match(lua_State *L);

/* require "duo._termtext": text for a terminal made inert, keys masked. */
int luaopen_duo_termtext(lua_State *L);
/* require "duo._notify": mail over SMTP, syslog streams and datagrams. */
int luaopen_duo_notify(lua_State *L);

/* Reads the transport options (SPEC section 4) of the table at index 1
 * into opt and retry; ca_default is what an absent `ca` means. The strings
 * point into the table, which must stay on the stack while they are used. */
void duo_read_transport(lua_State *L, duo_ca_kind ca_default, duo_transport_options *opt,
                        duo_retry_policy *retry);

/* Lua file handles (the standard library's luaL_Stream, so every file
 * method works on them) for files opened through the platform layer
 * (bindings/lfile.c): duo_push_stream pushes a closed handle, made before
 * the file is opened so a failing allocation leaks nothing;
 * duo_stream_attach gives it the open file f, closed with the handle. */
struct luaL_Stream;
struct luaL_Stream *duo_push_stream(lua_State *L);
void duo_stream_attach(struct luaL_Stream *p, FILE *f);

/* Turns core dumps off (Linux: PR_SET_DUMPABLE 0), once a secret key is
 * in memory; returns whether they are off. */
int duo_secret_loaded(void);

#endif
