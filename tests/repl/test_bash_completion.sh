#!/bin/bash
# The bash completion of duo-lua, without the bash-completion package:
# sets COMP_WORDS/COMP_CWORD as bash would and calls the function.
#   test_bash_completion.sh path/to/duo-lua path/to/duo-lua.bash-completion
set -u
duo=$1
# shellcheck source=/dev/null
source "$2"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/config.lua" <<'EOF'
return { default = "main", profiles = {
  main = { admin = { host = "api-x.duosecurity.com", ikey = "DIXXXXXXXXXXXXXXXXXX", skey = env "NO_SUCH_VARIABLE" } },
  ["second-site"] = {},
} }
EOF
export XDG_CONFIG_HOME="$tmp/none" HOME="$tmp"
unset DUO_LUA_CONFIG DUO_ADMIN_HOST DUO_ADMIN_IKEY DUO_ADMIN_SKEY

passed=0
failed=0
# check "expected words" word...   (the last word is the one completed)
check()
{
    local want=$1
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _duo_lua
    local got="${COMPREPLY[*]}"
    if [[ $got == "$want" ]]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: [${*:2}]: got '$got', want '$want'"
    fi
}

workflows=$("$duo" -w list | cut -d' ' -f1 | tr '\n' ' ')
check "--profile" "$duo" --pro
check "--dry-run" "$duo" --dr
check "--sandbox --sandbox=" "$duo" --sa
check "main second-site" "$duo" -c "$tmp/config.lua" -p ""
check "second-site" "$duo" --config = "$tmp/config.lua" --profile = s
check "main" "$duo" -c "$tmp/config.lua" --profile m
check "env" "$duo" -p ""                               # no config file: the environment profile
check "$tmp/config.lua" "$duo" -c "$tmp/con"
check "$(echo list $workflows | xargs)" "$duo" -w ""
check "" "$duo" -e ""
check "$tmp/config.lua" "$duo" script.lua "$tmp/con"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
