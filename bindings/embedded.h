/* The Lua sources compiled into the binary (scripts/), and how require
 * finds them. A leaf: it calls nothing else of bindings/. */
#ifndef DUO_EMBEDDED_H
#define DUO_EMBEDDED_H

#include <stddef.h>

#include <lua.h>

/* Which names the embedded searcher serves. */
typedef enum duo_embedded_scope {
    DUO_EMBEDDED_DUO,   /* "duo" and "duo.*" only: duo.so in another interpreter */
    DUO_EMBEDDED_ALL    /* every embedded tree: the duo-lua executable */
} duo_embedded_scope;

/* Adds the embedded-sources searcher to package.searchers, right after
 * the preload searcher, serving the names of scope ("duo.a.b" finds
 * scripts/duo/a/b.lua). Once per state: later calls change nothing. */
void duo_open_embedded(lua_State *L, duo_embedded_scope scope);
/* Whether the searcher registered in this state serves every tree. */
int duo_embedded_serves_all(lua_State *L);
/* Loads the embedded file at path (e.g. "duo/init.lua") as a chunk named
 * "@path"; returns a lua_load status, pushing the chunk or a message. */
int duo_load_embedded(lua_State *L, const char *path);
/* The bytes of an embedded file (NULL if there is none); the binary owns
 * them. */
const char *duo_embedded_data(const char *path, size_t *len);
/* Pushes a list of the embedded paths that start with prefix. */
void duo_push_embedded_list(lua_State *L, const char *prefix);
/* Pushes module `name` of the embedded tree `tree` ("sandbox"), loaded
 * with a require of its own: the tree's modules find one another inside
 * the binary, and no searcher serves their names to anyone else. Other
 * names go to the global require. Raises if there is no such module. */
void duo_require_private(lua_State *L, const char *tree, const char *name);

#endif
