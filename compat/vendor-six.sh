#!/usr/bin/env bash
# Reproduce compat/six.py from Debian's python3-six and verify its checksum.
#
#   bash compat/vendor-six.sh          # download, extract, verify, copy to compat/six.py
#   bash compat/vendor-six.sh --check  # download, extract, verify, compare with compat/six.py
#
# Needs apt-get (with a fresh `apt-get update` if the pinned version is not in
# the lists) and dpkg-deb.  See compat/VENDORED.md.
set -euo pipefail

PACKAGE=python3-six
VERSION=1.16.0-4
FILE_IN_DEB=usr/lib/python3/dist-packages/six.py
SHA256=4ce39f422ee71467ccac8bed76beb05f8c321c7f0ceda9279ae2dfa3670106b3

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="$here/six.py"
mode="${1:-install}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 0777 "$work"   # apt-get download drops privileges to _apt

(cd "$work" && apt-get download -q "$PACKAGE=$VERSION" >/dev/null)
deb="$(ls "$work"/"${PACKAGE}"_*.deb)"
dpkg-deb -x "$deb" "$work/root"
got="$(sha256sum "$work/root/$FILE_IN_DEB" | cut -d' ' -f1)"
if [ "$got" != "$SHA256" ]; then
  echo "vendor-six: checksum mismatch for $FILE_IN_DEB in $PACKAGE $VERSION: $got" >&2
  exit 1
fi

case "$mode" in
  --check)
    if cmp -s "$work/root/$FILE_IN_DEB" "$dest"; then
      echo "vendor-six: compat/six.py matches $PACKAGE $VERSION ($SHA256)"
    else
      echo "vendor-six: compat/six.py differs from $PACKAGE $VERSION" >&2
      exit 1
    fi
    ;;
  install)
    cp "$work/root/$FILE_IN_DEB" "$dest"
    echo "vendor-six: wrote compat/six.py from $PACKAGE $VERSION ($SHA256)"
    ;;
  *)
    echo "usage: $0 [--check]" >&2
    exit 2
    ;;
esac
