#!/usr/bin/env bash
# CI: the native kernels built against oneDNN 3.x and tested, inside the Debian 13 root that
# .ci/setup-onednn3.sh made (scripts/onednn3-root.sh: a copy of the working tree built there with
# trixie's node and g++ against trixie's libdnnl-dev), the native-kernel suite run under chroot
# with GRIDMIX_REQUIRE_NATIVE=1. Then the same kernels' numbers on this machine's oneDNN 2.x build
# (native/build, made by `npm ci`) and on the 3.x build are compared (scripts/native-fingerprint.ts).
# Any failure fails CI.
#   usage: .ci/test-onednn3.sh    (after .ci/setup-onednn3.sh and npm ci; root as for the set-up)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
root="${GRIDMIX_TRIXIE_ROOT:-/var/cache/gridmix-ci/trixie-root}"
# The tests that exercise the native kernels: each kernel against wasm and references, the
# addon's recorded version, and training on wasm+onednn (data-parallel workers, the CLI's records).
tests=(
  dist/test/native/addon-version.test.js
  dist/test/engine/native-kernels.test.js
  dist/test/train/data-parallel.test.js
  dist/test/train/data-parallel-cli.test.js
  dist/test/e2e/native-flag.test.js
)
inside="$(mktemp)"
trap 'rm -f "$inside"' EXIT
# Inside the root, after the 3.x build: the tests (the files' few plain-wasm cases run too: cheaper
# than picking them out), then the 3.x numbers.
cat >"$inside" <<'INSIDE'
node --test --test-concurrency=1 "$@"
node dist/scripts/native-fingerprint.js --write fingerprint-onednn3.json
INSIDE
"$repo/scripts/onednn3-root.sh" "$inside" "${tests[@]}"

work="$root/gridmix-ci"
fingerprint2="$(mktemp --suffix=.json)"
node "$repo/dist/scripts/native-fingerprint.js" --write "$fingerprint2"
node "$repo/dist/scripts/native-fingerprint.js" --compare "$work/fingerprint-onednn3.json" "$fingerprint2"
echo "oneDNN 3.x: $(cat "$work/native/build/status.txt"); native-kernel suite passed under chroot"
rm -rf "${work:?}" "$fingerprint2"
