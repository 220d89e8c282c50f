#!/usr/bin/env bash
# Build the default library layers from Debian bookworm into python-wasm/layers/dist/.
#
# usage: bash python-wasm/layers/build-all.sh           # (re)build dist/ and its SHA256SUMS
#        bash python-wasm/layers/build-all.sh --check   # rebuild into a temp dir, compare with dist/
#
# Needs only /usr/bin/python3 (3.11.2, the runtime's bytecode magic: build_layer.py checks it),
# `apt-get download` (no install) and `dpkg-deb`.  Downloaded .debs are kept in
# $LAYER_DEB_CACHE (default: /tmp/codejail-wasm-debs) and reused when present.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dist="$here/dist"
cache="${LAYER_DEB_CACHE:-/tmp/codejail-wasm-debs}"
mode="${1:-build}"
out="$dist"
if [ "$mode" = "--check" ]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out" "$cache"
export PYTHONHASHSEED=0
build() { /usr/bin/python3 -B "$here/build_layer.py" --out "$out" --deb-cache "$cache" "$@" >/dev/null; }

# name version [options] sources... (exact Debian versions: bookworm)
build --name sympy --version 1.11.1-1 --drop-tests --check-import sympy \
  deb:python3-sympy=1.11.1-1 deb:python3-mpmath=1.2.1-2
build --name networkx --version 2.8.8-1 --drop-tests --check-import networkx \
  deb:python3-networkx=2.8.8-1
build --name pyparsing --version 3.0.9-1 --drop-tests --check-import pyparsing \
  deb:python3-pyparsing=3.0.9-1
build --name dateutil --version 2.8.2-2 --drop-tests \
  --check-import dateutil.parser --check-import dateutil.relativedelta --check-import dateutil.rrule \
  --check-import dateutil.tz --check-path "$repo/compat" \
  deb:python3-dateutil=2.8.2-2

(cd "$out" && sha256sum -- *.zip *.manifest.json | LC_ALL=C sort -k2 > SHA256SUMS)
if [ "$mode" = "--check" ]; then
  if diff -u "$dist/SHA256SUMS" "$out/SHA256SUMS"; then
    echo "layers reproduced: identical to $dist/SHA256SUMS"
  else
    echo "layers differ from $dist/SHA256SUMS" >&2
    exit 1
  fi
else
  cat "$out/SHA256SUMS"
  du -b "$out"/*.zip
fi
