#!/usr/bin/env bash
# CI: the native kernels built against oneDNN 3.x and tested, inside the Debian 13 root that
# .ci/setup-onednn3.sh made. A copy of the working tree (sources and data; node_modules bind-mounted
# read-only: pure JavaScript and wasm, apart from sharp's prebuilt linux-x64 binary, which needs only
# an older glibc) is built there with trixie's node and g++ against trixie's libdnnl-dev, and the
# native-kernel suite runs under chroot with GRIDMIX_REQUIRE_NATIVE=1. Then the same kernels' numbers
# on this machine's oneDNN 2.x build (native/build, made by `npm ci`) and on the 3.x build are
# compared (scripts/native-fingerprint.ts). Any failure fails CI.
#   usage: .ci/test-onednn3.sh    (after .ci/setup-onednn3.sh and npm ci; root as for the set-up)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
root="${GRIDMIX_TRIXIE_ROOT:-/var/cache/gridmix-ci/trixie-root}"
if [ ! -f "$root/.gridmix-packages" ]; then
  echo "test-onednn3: no trixie root at $root (run .ci/setup-onednn3.sh first)" >&2
  exit 1
fi
# The tests that exercise the native kernels: each kernel against wasm and references, the
# addon's recorded version, and training on wasm+onednn (data-parallel workers, the CLI's records).
tests=(
  dist/test/native/addon-version.test.js
  dist/test/engine/native-kernels.test.js
  dist/test/train/data-parallel.test.js
  dist/test/train/data-parallel-cli.test.js
  dist/test/e2e/native-flag.test.js
)
work=/gridmix-ci
rm -rf "${root:?}$work"
mkdir -p "$root$work/node_modules"
tar -C "$repo" --exclude=./node_modules --exclude=./native/build --exclude=./dist --exclude=./results --exclude=./.git -cf - . \
  | tar -C "$root$work" -xf -

# The 2.x numbers, from this machine's build.
fingerprint2="$root$work/fingerprint-onednn2.json"
node "$repo/dist/scripts/native-fingerprint.js" --write "$fingerprint2"

# In a mount namespace of its own, so that every mount below goes when this script ends, however it ends.
unshare --mount --propagation private bash -euo pipefail -c '
  root="$1"; work="$2"; repo="$3"; shift 3
  mount --bind "$repo/node_modules" "$root$work/node_modules"
  mount -o remount,bind,ro "$root$work/node_modules"
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs tmpfs "$root/tmp"
  chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root CI=true GRIDMIX_REQUIRE_NATIVE=1 \
    bash -euo pipefail -c "
      cd $work
      echo \"trixie root: node \$(node --version), \$(g++ --version | head -n 1)\"
      node scripts/build-native.js
      grep -q \"^built .* against oneDNN 3\\.\" native/build/status.txt || { echo \"test-onednn3: the oneDNN 3.x build failed\" >&2; exit 1; }
      node node_modules/typescript/bin/tsc -p tsconfig.json
      node --test --test-concurrency=1 $*
      node dist/scripts/native-fingerprint.js --write fingerprint-onednn3.json
    "
' unshare-onednn3 "$root" "$work" "$repo" "${tests[@]}"

node "$repo/dist/scripts/native-fingerprint.js" --compare "$root$work/fingerprint-onednn3.json" "$fingerprint2"
echo "oneDNN 3.x: $(cat "$root$work/native/build/status.txt"); native-kernel suite passed under chroot"
rm -rf "${root:?}$work"
