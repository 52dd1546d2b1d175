#!/bin/sh
# The Debian package: makes it with cpack from the build tree's
# CPackConfig.cmake (into a scratch folder, so a `make package` running
# meanwhile is not disturbed), checks its control fields and files,
# unpacks it with dpkg -x into a scratch root and runs what it installs
# there with a bare environment, far from the build and source trees.
#   test_deb.sh CPACK BUILD_DIR [LUA5.4 COMMAND...]
set -u
cpack=$1
build=$2
shift 2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT INT TERM
fail() { echo "test_deb: $*" >&2; exit 1; }

(cd "$scratch" && "$cpack" -G DEB -B "$scratch/out" --config "$build/CPackConfig.cmake" >"$scratch/cpack.log" 2>&1) \
    || { cat "$scratch/cpack.log" >&2; fail "cpack failed"; }
set -- "$scratch"/out/duo-lua_*_amd64.deb "$@"
deb=$1
shift
[ -f "$deb" ] || fail "no duo-lua_VERSION_amd64.deb in $(ls "$scratch/out")"
case "$(basename "$deb")" in
    duo-lua_[0-9]*.[0-9]*.[0-9]*_amd64.deb) ;;
    *) fail "unexpected package name $(basename "$deb")" ;;
esac

depends=$(dpkg-deb -f "$deb" Depends)
for lib in libcurl4 libedit2 libmbedcrypto7 libc6; do
    echo "$depends" | grep -q "\\b$lib\\b" || fail "Depends lacks $lib: $depends"
done
echo "Depends: $depends"

root=$scratch/root
dpkg -x "$deb" "$root" || fail "dpkg -x failed"
for f in usr/bin/duo-lua usr/lib/lua/5.4/duo.so usr/share/man/man1/duo-lua.1 \
         usr/share/bash-completion/completions/duo-lua usr/share/doc/duo-lua/README.md \
         usr/share/doc/duo-lua/REFERENCE.md usr/share/doc/duo-lua/copyright \
         usr/lib/systemd/system/duo-lua-alerts.service usr/lib/systemd/system/duo-lua-alerts.timer \
         usr/lib/systemd/system/duo-lua-export-logs.service usr/lib/systemd/system/duo-lua-export-logs.timer; do
    [ -s "$root/$f" ] || fail "the package has no $f"
done
grep -q '^License: MIT$' "$root/usr/share/doc/duo-lua/copyright" || fail "copyright does not say MIT"

# A bare environment in an empty folder: no build tree, no config.
mkdir -p "$scratch/home" "$scratch/cwd"
run() { (cd "$scratch/cwd" && env -i PATH=/usr/bin:/bin HOME="$scratch/home" "$@"); }
version=$(run "$root/usr/bin/duo-lua" -v) || fail "usr/bin/duo-lua -v failed"
echo "$version" | head -1
echo "$version" | grep -q '^duo-lua [0-9]' || fail "unexpected -v output: $version"
# the bundled workflows are inside the binary
run "$root/usr/bin/duo-lua" --sandbox -w user-counts --format json >"$scratch/counts.json" \
    || fail "duo-lua --sandbox -w user-counts failed"
grep -q '"account_id"' "$scratch/counts.json" || fail "user-counts printed no accounts"
# duo.so in the stock interpreter
if [ $# -gt 0 ]; then
    v=$(run "$@" -e "package.path = '' package.cpath = '$root/usr/lib/lua/5.4/?.so'
                     io.write(require('duo').version)") || fail "lua5.4 could not load the packaged duo.so"
    [ -n "$v" ] || fail "duo.version is empty"
    echo "lua5.4 + duo.so: duo $v"
fi
echo "test_deb: ok"
