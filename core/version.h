#ifndef DUO_VERSION_H
#define DUO_VERSION_H

#define DUO_LUA_VERSION "0.1.0"

#endif
