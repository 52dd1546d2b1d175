#!/usr/bin/env bash
# Regenerates the TLS fixtures used by the loopback test server
# (tests/server/duo_test_server.py). Run from anywhere:
#
#   tests/certs/make_certs.sh
#
# Outputs (all EC P-256, PEM; keys unencrypted, for tests only):
#   ca.pem / ca.key                 "duo-lua test CA", the root clients trust
#   server.pem / server.key         localhost + 127.0.0.1, signed by the test CA
#   wrongname.pem / wrongname.key   other.example only, signed by the test CA
#   unknown-ca.pem / unknown-ca.key an unrelated root that clients must not trust
#   untrusted.pem / untrusted.key   localhost + 127.0.0.1, signed by unknown-ca
#   expired.pem / expired.key       localhost + 127.0.0.1, signed by the test CA,
#                                   valid 2000-01-01 .. 2001-01-01 only
#
# `openssl ca` is used for the leaves because it is the only OpenSSL 3.0 command
# that accepts an explicit notBefore/notAfter (x509 -not_before arrived in 3.4).
# Its database and serial files live in a temporary directory that is removed
# on exit, so only the files above end up here.
set -euo pipefail

out="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A self-contained configuration so the system openssl.cnf cannot change the
# result.
cat >"$work/openssl.cnf" <<'EOF'
[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = placeholder

[ ca ]
default_ca = test_ca
[ test_ca ]
dir            = $ENV::CA_DIR
database       = $dir/index.txt
new_certs_dir  = $dir/newcerts
serial         = $dir/serial
default_md     = sha256
policy         = policy_any
unique_subject = no
copy_extensions = none
email_in_dn    = no
[ policy_any ]
commonName = supplied

[ v3_root ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ v3_leaf_local ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer
# 127.0.0.1 twice: as an IP address (what the standard says, and what
# OpenSSL checks) and as a DNS name, because the TLS libraries of the
# Windows and static builds match DNS names only (libcurl 7.88 with
# Schannel; Mbed TLS 2.28: README, "Platforms").
subjectAltName         = DNS:localhost, IP:127.0.0.1, DNS:127.0.0.1

[ v3_leaf_other ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName         = DNS:other.example
EOF
export OPENSSL_CONF="$work/openssl.cnf"
# Every command parses the whole file, so $ENV::CA_DIR must always be set;
# newleaf points it at the signing CA's directory.
export CA_DIR="$work"

newkey() { # name
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$out/$1.key" 2>/dev/null
}

# The roots are self-signed through `openssl ca -selfsign` so that their
# validity can start in 1999: the expired leaf (2000-2001) then lies inside its
# issuer's validity and fails verification only because it has expired.
newroot() { # name common-name
    newkey "$1"
    # A private signing database per CA.
    mkdir -p "$work/$1/newcerts"
    : >"$work/$1/index.txt"
    openssl req -new -key "$out/$1.key" -subj "/CN=$2" -out "$work/$1.csr"
    CA_DIR="$work/$1" openssl ca -batch -notext -rand_serial -selfsign \
        -keyfile "$out/$1.key" -extensions v3_root -in "$work/$1.csr" \
        -out "$out/$1.pem" -startdate 19990101000000Z -enddate 21241231000000Z \
        2>"$work/ca.log" || { cat "$work/ca.log" >&2; exit 1; }
}

# newleaf name ca-name extensions common-name [openssl ca validity options...]
newleaf() {
    local name=$1 ca=$2 ext=$3 cn=$4
    shift 4
    newkey "$name"
    openssl req -new -key "$out/$name.key" -subj "/CN=$cn" -out "$work/$name.csr"
    CA_DIR="$work/$ca" openssl ca -batch -notext -rand_serial \
        -cert "$out/$ca.pem" -keyfile "$out/$ca.key" \
        -extensions "$ext" -in "$work/$name.csr" -out "$out/$name.pem" \
        "$@" 2>"$work/ca.log" || { cat "$work/ca.log" >&2; exit 1; }
}

newroot ca "duo-lua test CA"
newroot unknown-ca "duo-lua unknown CA"

# Fixed, back-dated validity (not "now"): the files are committed, and a test
# machine whose clock lags the generating machine's must still accept them.
valid=(-startdate 20200101000000Z -enddate 21241230000000Z)
newleaf server    ca         v3_leaf_local "localhost"     "${valid[@]}"
newleaf wrongname ca         v3_leaf_other "other.example" "${valid[@]}"
newleaf untrusted unknown-ca v3_leaf_local "localhost"     "${valid[@]}"
newleaf expired   ca         v3_leaf_local "localhost" \
    -startdate 20000101000000Z -enddate 20010101000000Z

# Sanity checks: fail loudly rather than ship a fixture that tests nothing.
openssl verify -CAfile "$out/ca.pem" "$out/server.pem" >/dev/null
openssl verify -CAfile "$out/ca.pem" "$out/wrongname.pem" >/dev/null
openssl verify -CAfile "$out/unknown-ca.pem" "$out/untrusted.pem" >/dev/null
if openssl verify -CAfile "$out/ca.pem" "$out/untrusted.pem" >/dev/null 2>&1; then
    echo "untrusted.pem unexpectedly verifies against ca.pem" >&2; exit 1
fi
verdict="$(openssl verify -CAfile "$out/ca.pem" "$out/expired.pem" 2>&1 || true)"
if [[ "$verdict" != *"certificate has expired"* ]]; then
    echo "expired.pem does not fail as expired" >&2; exit 1
fi
openssl verify -CAfile "$out/ca.pem" -attime 959817600 "$out/expired.pem" >/dev/null \
    || { echo "expired.pem does not verify inside its validity period" >&2; exit 1; }

echo "certificates written to $out"
