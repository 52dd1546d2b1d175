#!/bin/sh
# Rebuilds pinned_roots.pem: Duo's 15 pinned root CAs, picked by SHA-256
# fingerprint (pinned_roots.txt) from the system bundle. Debian 12's
# ca-certificates lacks "IdenTrust Commercial Root TLS ECC CA 2", which is
# kept beside this script; its fingerprint is checked like the others.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bundle=${1:-/etc/ssl/certs/ca-certificates.crt}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Split the bundle (plus the extra root) into one file per certificate.
cat "$bundle" "$here/identrust_tls_ecc_ca2.pem" |
    awk -v dir="$work" '/BEGIN CERT/ { n++ } n { print > (dir "/" n ".pem") }'

out="$here/pinned_roots.pem.new"
: > "$out"
while read -r fp name; do
    found=
    for f in "$work"/*.pem; do
        got=$(openssl x509 -in "$f" -outform der | openssl dgst -sha256 -r | cut -d' ' -f1)
        if [ "$got" = "$fp" ]; then found=$f; break; fi
    done
    if [ -z "$found" ]; then echo "pinned_roots.sh: $name ($fp) not found" >&2; exit 1; fi
    printf '# %s\n# SHA-256 %s\n' "$name" "$fp" >> "$out"
    openssl x509 -in "$found" >> "$out"
done < "$here/pinned_roots.txt"
mv "$out" "$here/pinned_roots.pem"
echo "pinned_roots.pem: $(grep -c 'BEGIN CERT' "$here/pinned_roots.pem") roots"
