-- LuaRocks package of duo-lua: the `duo` module (duo.so) for Lua 5.4 and
-- the duo-lua executable, built with the project's CMake files.
--
-- From a checkout:   luarocks --lua-version 5.4 make bindings/duo-lua-0.1.0-1.rockspec
-- (run in the top folder of the checkout; it builds in build.luarocks/).
-- Debian 12 packages the build needs: cmake pkg-config liblua5.4-dev
-- lua-cjson-dev libmbedtls-dev libcurl4-openssl-dev libedit-dev.
rockspec_format = "3.0"
package = "duo-lua"
version = "0.1.0-1"

source = {
  -- the release archive of version 0.1.0; `luarocks make` uses the checkout
  url = "git+https://example.invalid/duo-lua.git",
  tag = "v0.1.0",
}

description = {
  summary = "Automate Duo Security (Admin, Accounts and Auth APIs) from Lua 5.4",
  detailed = [[
The `duo` module signs and sends requests to Duo's Admin, Accounts and Auth
APIs: one method per API endpoint, paging, child accounts of MSP parents,
concurrent calls on one event loop, Duo errors as values with hints. The
duo-lua executable is a Lua 5.4 interpreter with the module built in, an
interactive prompt with completion and history, and bundled workflows.
]],
  license = "MIT",
  labels = { "duo", "security", "api", "msp" },
}

dependencies = {
  "lua >= 5.4, < 5.5",
}

external_dependencies = {
  CURL = { library = "curl" },   -- Debian keeps curl.h in a multiarch folder
  MBEDCRYPTO = { header = "mbedtls/md.h", library = "mbedcrypto" },
  LIBEDIT = { header = "histedit.h", library = "edit" },
}

build = {
  type = "cmake",
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    CMAKE_INSTALL_BINDIR = "$(BINDIR)",
    DUO_LUA_CMOD_DIR = "$(LIBDIR)",
    LUA_INCLUDE_DIR = "$(LUA_INCDIR)",
  },
}

test = {
  type = "command",
  command = "cd build.luarocks && ctest --output-on-failure",
}
