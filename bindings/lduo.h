/* The C half of the `duo` module. */
#ifndef DUO_LDUO_H
#define DUO_LDUO_H

#include <lua.h>

/* require "duo": the full module (C core plus the embedded Lua half). */
int luaopen_duo(lua_State *L);

/* Adds the embedded-sources searcher to package.searchers so that
 * require "duo.x" finds scripts/duo/x.lua inside the binary. */
void duo_open_embedded(lua_State *L);
/* Loads the embedded file at path (e.g. "duo/init.lua") as a chunk named
 * "@path"; returns a lua_load status, pushing the chunk or a message. */
int duo_load_embedded(lua_State *L, const char *path);
/* The bytes of an embedded file (NULL if there is none). */
const char *duo_embedded_data(const char *path, size_t *len);
/* Pushes a list of the embedded paths that start with prefix. */
void duo_push_embedded_list(lua_State *L, const char *prefix);

/* Registers the private modules duo._loop, duo._session, duo._sign and
 * duo._sys in package.preload. */
void duo_open_private(lua_State *L);

/* Each adds its functions to the table on top of the stack. */
void duo_open_sign(lua_State *L);
void duo_open_client(lua_State *L);
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

/* Turns core dumps off (Linux: PR_SET_DUMPABLE 0), once a secret key is
 * in memory; returns whether they are off. */
int duo_secret_loaded(void);

#endif
