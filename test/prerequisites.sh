#!/usr/bin/env bash
# Make sure the Debian packages the test suite needs (test/prerequisites.txt) are installed:
# as root, install the missing ones with apt-get; otherwise name them and stop. `npm test`
# runs this first (package.json "pretest"), and so does .ci/run.
# CODEJAIL_WASM_SKIP_PREREQUISITES=1 skips the check (a machine without dpkg, at your own risk:
# the tests that compare with native runs then fail with their own messages).
set -euo pipefail
[ "${CODEJAIL_WASM_SKIP_PREREQUISITES:-}" = 1 ] && exit 0
list="$(dirname "$0")/prerequisites.txt"
mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$list")
if ! command -v dpkg-query >/dev/null; then
  echo "test prerequisites: this is not a Debian machine (no dpkg-query); the tests need these Debian packages:" >&2
  echo "  ${wanted[*]}" >&2
  echo "(set CODEJAIL_WASM_SKIP_PREREQUISITES=1 to run anyway)" >&2
  exit 1
fi
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "test prerequisites missing: ${missing[*]}" >&2
  echo "install them with:  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "test prerequisites: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
