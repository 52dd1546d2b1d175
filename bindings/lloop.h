/* The per-state event loop and its operations as Lua values. */
#ifndef DUO_LLOOP_H
#define DUO_LLOOP_H

#include <lua.h>

#include "loop.h"

/* The loop of this Lua state, created on first use. Raises on failure. */
duo_loop *duo_lua_loop(lua_State *L);

/* Wraps a new operation: call with the userdata already pushed by
 * duo_push_op_box, then set its op. */
typedef struct duo_op_box {
    duo_op *op;
} duo_op_box;

/* Pushes an empty op userdata (to be filled right after) and returns it;
 * created before the C operation so __gc always sees a consistent box. */
duo_op_box *duo_push_op_box(lua_State *L);
/* Registers box->op so that the loop can hand the userdata back. The box
 * must be on top of the stack. */
void duo_register_op(lua_State *L, duo_op_box *box);

/* The task coroutine running now, or NULL (for a SIGINT handler). */
lua_State *duo_lua_running_thread(void);

/* Makes a waiting run_once return at once (for a SIGINT handler). */
void duo_lua_loop_interrupt(void);

#endif
