# The Debian package: cmake --build build --target package makes
# duo-lua_VERSION_ARCH.deb from the install rules. Runtime dependencies
# come from dpkg-shlibdeps (libcurl4, libedit2, libmbedcrypto7, libc6:
# whatever the binary and duo.so link dynamically).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME duo-lua)
set(CPACK_PACKAGE_VENDOR "the duo-lua authors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Automate Duo Security (Admin, Accounts and Auth APIs) from Lua 5.4")
set(CPACK_PACKAGE_DESCRIPTION
"duo-lua is a Lua 5.4 interpreter with a built-in duo module that signs and
sends requests to Duo's Admin, Accounts and Auth APIs, with bundled
workflows for MSPs with many child accounts, an interactive prompt and a
simulated Duo tenant (--sandbox). The package also holds duo.so, the same
module for Debian's stock lua5.4.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "the duo-lua authors")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "lua5.4")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# The control file has no licence field: Debian says it in
# /usr/share/doc/PACKAGE/copyright, machine-readable (DEP-5), made here
# from LICENSE.
file(READ ${PROJECT_SOURCE_DIR}/LICENSE DUO_LICENSE_TEXT)
string(REGEX REPLACE "\n+$" "" DUO_LICENSE_TEXT "${DUO_LICENSE_TEXT}")
string(REGEX REPLACE "\n\n" "\n.\n" DUO_LICENSE_TEXT "${DUO_LICENSE_TEXT}")
string(REPLACE "\n" "\n " DUO_LICENSE_TEXT "${DUO_LICENSE_TEXT}")
file(WRITE ${PROJECT_BINARY_DIR}/copyright
"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: duo-lua

Files: *
Copyright: 2026 the duo-lua authors
License: MIT
 ${DUO_LICENSE_TEXT}
")
install(FILES ${PROJECT_BINARY_DIR}/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})

include(CPack)
