#!/usr/bin/env bash
# Build the library layers into python-wasm/layers/dist/: the Debian bookworm set (image
# py311-sci-2026.1) and the Open edX sandbox set from the checksummed sources in ../shared/vendor
# ($VENDOR; image openedx-2026.1), patched with python-wasm/layers/patches/.
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
vendor="${VENDOR:-$(cd "$repo/.." && pwd)/shared/vendor}"
patches="$here/patches"
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

# The Open edX sandbox's libraries (codejail-service requirements/sandbox/base.txt), from the
# projects' own sources at the pinned tags (or the newest obtainable: openedx-calc 4.0.1, nltk
# 3.8.1). Each archive's sha256 is checked against $vendor/SHA256SUMS.
v() { # archive name version include [root] [patches]: a vendor: source spec
  printf 'vendor:%s/%s?name=%s&version=%s&include=%s%s%s' "$vendor" "$1" "$2" "$3" "$4" \
    "${5:+&root=$5}" "${6:+&patch=$6}"
}
build --name mpmath --version 1.3.0 --drop-tests --check-import mpmath \
  "$(v mpmath-1.3.0.tar.gz mpmath 1.3.0 mpmath)"
build --name sympy --version 1.14.0 --drop-tests --check-import sympy --check-path "$out/mpmath-1.3.0.zip" \
  "$(v sympy-1.14.0.tar.gz sympy 1.14.0 sympy,isympy.py "" "$patches/sympy-1.14.0-0001-import-without-ctypes.patch")"
build --name networkx --version 3.6.1 --drop-tests --check-import networkx \
  "$(v networkx-3.6.1.tar.gz networkx 3.6.1 networkx)"
build --name pyparsing --version 3.3.2 --drop-tests --check-import pyparsing \
  "$(v pyparsing-3.3.2.tar.gz pyparsing 3.3.2 pyparsing)"
build --name dateutil --version 2.9.0.post0 --drop-tests \
  --check-import dateutil.parser --check-import dateutil.relativedelta --check-import dateutil.rrule \
  --check-import dateutil.tz --check-path "$repo/compat" \
  "$(v python-dateutil-2.9.0.post0.tar.gz python-dateutil 2.9.0.post0 dateutil src \
       "$patches/python-dateutil-2.9.0.post0-0001-version-file.patch")"
# markupsafe 3.0.3 (the pin) is not obtainable here: Debian's 2.1.2, without its C speedups
# (markupsafe falls back to its own pure-Python escape()).
build --name markupsafe --version 2.1.2-1+b1 --omit-compiled --check-import markupsafe \
  deb:python3-markupsafe=2.1.2-1+b1
# nltk with what it declares (regex is built into the openedx runtime): joblib (patched to import
# without distutils, which the sandbox's stdlib leaves out), tqdm, click.
build --name nltk --version 3.8.1 --drop-package nltk.test \
  "$(v nltk-3.8.1.tar.gz nltk 3.8.1 nltk '' \
       "$patches/nltk-3.8.1-0001-sqlite3-when-used.patch,$patches/nltk-3.8.1-0002-downloader-without-home.patch")" \
  "deb:python3-joblib=1.2.0-4+deb12u1?patch=$patches/joblib-1.2.0-0001-import-without-distutils.patch" \
  deb:python3-tqdm=4.64.1-1 deb:python3-click=8.1.3-2
# Open edX's course-author libraries (pure Python).
build --name codejail-includes --version 2.0.0 --check-import verifiers.draganddrop --check-import loncapa \
  --check-import eia "$(v codejail-includes-2.0.0.tar.gz codejail-includes 2.0.0 verifiers,loncapa,eia.py)"
build --name chem --version 2.0.0 --drop-tests "$(v openedx-chem-2.0.0.tar.gz chem 2.0.0 chem)"
build --name openedx-calc --version 4.0.1 "$(v openedx-calc-4.0.1.tar.gz openedx-calc 4.0.1 calc,symmath)"

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
