# Shell helpers for python-wasm/openedx/components/*.sh (sourced: `source "$OPENEDX_LIB"`).
# build.sh runs each component script with the environment described in python-wasm/openedx/README.md.

log() { printf '[openedx %s %s] %s\n' "${COMPONENT:-link}" "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'openedx %s: %s\n' "${COMPONENT:-link}" "$*" >&2; exit 1; }

# need_debs PKG...: install the Debian packages that are not installed yet.
need_debs() {
  local missing p
  missing=$(for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done)
  [ -z "$missing" ] && return 0
  log "apt-get install $(echo $missing)"
  # Another engineer's build may hold the dpkg lock: wait for it instead of failing.
  apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends $missing >/dev/null
}

# headers_key PY_WASI PY_SRC: the part of the base build every component compiles against (its
# headers only: a new libpython needs no component rebuild).
headers_key() { (cat "$1/pyconfig.h"; echo "$2") | sha256sum | cut -c1-64; }

# component_key OPENEDX_DIR BUILD_DIR HEADERS_KEY NAME: the stamp of a current build of component
# NAME. It changes with the component's script, its directory, the headers, or the stamp of a
# component it names in a "# needs: a b" line. build.sh and components/scipy/continue.sh write it.
component_key() {
  local here=$1 b=$2 headers=$3 name=$4 needs dep list
  list=$(grep -Ev '^\s*(#|$)' "$here/components.list")
  needs=$(sed -n 's/^# needs: *//p' "$here/components/$name.sh")
  {
    echo "$headers"
    sha256sum < "$here/components/$name.sh"
    [ -d "$here/components/$name" ] && (cd "$here/components/$name" && find . -type f | LC_ALL=C sort | xargs -r sha256sum)
    for dep in $needs; do
      # (a bash test, not `printf | grep -qx` under pipefail, which once reported a listed
      # dependency, freetype for pillow, as missing on a loaded machine; the rerun passed)
      [[ $'\n'"$list"$'\n' == *$'\n'"$dep"$'\n'* ]] || die "component $name needs $dep, which components.list does not list"
      echo "$dep $(cat "$b/components/$dep/stamp")"
    done
  } | sha256sum | cut -c1-64
}

# vendor_unpack ARCHIVE DEST: check ARCHIVE (a file in $VENDOR) against $VENDOR/SHA256SUMS and
# unpack it into DEST (emptied first). Prints the directory the archive unpacks into.
vendor_unpack() {
  local archive=$1 dest=$2 line
  line=$(grep -E "^[0-9a-f]{64}  \*?${archive//./\\.}\$" "$VENDOR/SHA256SUMS") \
    || die "$archive is not listed in $VENDOR/SHA256SUMS"
  (cd "$VENDOR" && printf '%s\n' "$line" | sha256sum -c --strict --quiet -) \
    || die "$VENDOR/$archive does not match $VENDOR/SHA256SUMS"
  rm -rf "$dest" && mkdir -p "$dest"
  tar -xf "$VENDOR/$archive" -C "$dest"
  local top
  top=$(ls "$dest")
  [ "$(printf '%s\n' "$top" | wc -l)" = 1 ] || die "$archive does not unpack into one directory"
  printf '%s\n' "$dest/$top"
}

# apply_patches SRC_DIR [PREFIX]: apply $COMPONENT_DIR/PREFIX*.patch (sorted by name) with
# `patch -p1` in SRC_DIR; a component with several sources names its patches SOURCE-NNNN-*.patch.
apply_patches() {
  local p
  for p in $(ls "$COMPONENT_DIR/${2:-}"*.patch 2>/dev/null | LC_ALL=C sort); do
    patch -d "$1" -p1 -s --no-backup-if-mismatch -i "$p" || die "patch $(basename "$p") does not apply"
  done
}

# patch_list [PREFIX]: the component's patch file names, for buildinfo.txt.
patch_list() { (cd "$COMPONENT_DIR" 2>/dev/null && ls "${1:-}"*.patch 2>/dev/null | LC_ALL=C sort | tr '\n' ' '); }

# check_signatures DIR...: every C callback in DIR's .c files takes the parameters CPython
# passes it (wasm traps on a mismatch); uses numpy's checker on a copy laid out as it expects,
# with --all-forms (METH_* flags as numbers or ending the entry, getsets without a setter).
check_signatures() {
  local tmp=$WORK/signature-check
  rm -rf "$tmp" && mkdir -p "$tmp/a/numpy" "$tmp/b"
  local d
  for d in "$@"; do cp "$d"/*.c "$tmp/a/numpy/"; done
  /usr/bin/python3 "$REPO/python-wasm/numpy/scripts/check_signatures.py" --all-forms "$tmp/a" "$tmp/b" >&2 \
    || die "C callbacks with the wrong number of parameters (see above)"
}

# deb_source PACKAGE=VERSION DEST: `apt-get source` a Debian source package into DEST (emptied).
deb_source() {
  rm -rf "$2" && mkdir -p "$2"
  (cd "$2" && apt-get source -q "$1" >/dev/null 2>&1) || die "apt-get source $1 failed"
}
