# Windows x86_64 with Debian's mingw-w64 (.ci/build-windows). The
# libraries come from DUO_DEPS_PREFIX (.ci/build-deps mingw64), never from
# the build machine.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# mingw's own printf family: C99's formats (%zu, %lld) whatever the
# Windows version's C runtime knows.
add_compile_definitions(__USE_MINGW_ANSI_STDIO=1)
