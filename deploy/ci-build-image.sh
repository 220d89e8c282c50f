#!/usr/bin/env bash
# Build the codejail-wasm container image when a container engine is available.
#   deploy/ci-build-image.sh [TAG]        (default tag: codejail-wasm:ci)
# Uses docker, else podman, whichever answers `info` (i.e. has a working engine).
# Without one it prints "skipped: no container engine" and exits 0, so CI on machines
# without Docker stays green. Set CODEJAIL_WASM_REQUIRE_IMAGE_BUILD=1 to make that an error.
set -euo pipefail

here="${BASH_SOURCE[0]}"
case "$here" in */*) here="${here%/*}" ;; *) here="." ;; esac
cd "$here/.."
tag="${1:-codejail-wasm:ci}"

engine=""
for tool in docker podman; do
  if command -v "$tool" >/dev/null 2>&1 && "$tool" info >/dev/null 2>&1; then
    engine="$tool"
    break
  fi
done

if [ -z "$engine" ]; then
  if [ "${CODEJAIL_WASM_REQUIRE_IMAGE_BUILD:-0}" = "1" ]; then
    echo "error: no container engine (docker/podman info failed) and CODEJAIL_WASM_REQUIRE_IMAGE_BUILD=1" >&2
    exit 1
  fi
  echo "skipped: no container engine"
  exit 0
fi

echo "building $tag with $engine"
"$engine" build --pull=false -t "$tag" -f Dockerfile .

# Smoke check of the built image: non-root user and the expected entry point.
user="$("$engine" image inspect --format '{{.Config.User}}' "$tag")"
case "$user" in
  ""|0|0:*|root|root:*) echo "error: image $tag runs as root (User=$user)" >&2; exit 1 ;;
esac
echo "built $tag (user $user)"
