# Any Linux x86_64: musl's compiler wrapper from Debian's musl-tools
# (.ci/build-static), linked statically. musl-gcc sees only musl's own
# headers and libraries, and the libraries come from DUO_DEPS_PREFIX
# (.ci/build-deps musl).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER musl-gcc)
set(DUO_STATIC ON CACHE BOOL "" FORCE)
set(DUO_WITH_LIBEDIT OFF CACHE BOOL "" FORCE)
# Mbed TLS (built with MBEDTLS_ENTROPY_HARDWARE_ALT) calls
# mbedtls_hardware_poll, which core/crypto.c defines: an executable that
# links core as a library (the C tests) must take crypto.c's object from it
# even when only libmbedcrypto, scanned later, asks for it.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--undefined=mbedtls_hardware_poll")
