# Any Linux x86_64: musl's compiler wrapper from Debian's musl-tools
# (.ci/build-static), linked statically. musl-gcc sees only musl's own
# headers and libraries, and the libraries come from DUO_DEPS_PREFIX
# (.ci/build-deps musl).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER musl-gcc)
set(DUO_STATIC ON CACHE BOOL "" FORCE)
set(DUO_WITH_LIBEDIT OFF CACHE BOOL "" FORCE)
