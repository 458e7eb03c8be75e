#!/usr/bin/env bash
# Runs a script inside the Debian 13 root that .ci/setup-onednn3.sh made (oneDNN 3.x, trixie's node
# and g++), on a copy of this working tree at /gridmix-ci in the root: sources and data, with
# node_modules bind-mounted read-only (pure JavaScript and wasm, apart from sharp's prebuilt
# linux-x64 binary, which needs only an older glibc). Inside, before the script: the addon is built
# against oneDNN 3.x (anything else fails) and the TypeScript compiled. The copy stays for the
# caller to read what the script wrote; a mount namespace of its own undoes every mount.
#   usage: scripts/onednn3-root.sh SCRIPT [ARGS...]   (SCRIPT: a bash file, run in the copy; root)
#   GRIDMIX_TRIXIE_ROOT: the root (default /var/cache/gridmix-ci/trixie-root)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
root="${GRIDMIX_TRIXIE_ROOT:-/var/cache/gridmix-ci/trixie-root}"
script="$1"; shift
if [ ! -f "$root/.gridmix-packages" ]; then
  echo "onednn3-root: no trixie root at $root (run .ci/setup-onednn3.sh first)" >&2
  exit 1
fi
work=/gridmix-ci
rm -rf "${root:?}$work"
mkdir -p "$root$work/node_modules"
tar -C "$repo" --exclude=./node_modules --exclude=./native/build --exclude=./dist --exclude=./results --exclude=./.git -cf - . \
  | tar -C "$root$work" -xf -
{
  echo 'set -euo pipefail'
  echo 'cd "$(dirname "$0")"'
  echo 'echo "trixie root: node $(node --version), $(g++ --version | head -n 1)"'
  echo 'node scripts/build-native.js'
  echo "if ! grep -q '^built .* against oneDNN 3\.' native/build/status.txt; then"
  echo '  echo "onednn3-root: no oneDNN 3.x build: $(cat native/build/status.txt)" >&2'
  echo '  exit 1'
  echo 'fi'
  echo 'node node_modules/typescript/bin/tsc -p tsconfig.json'
  cat "$script"
} >"$root$work/inside.sh"
unshare --mount --propagation private bash -euo pipefail -c '
  root="$1"; work="$2"; repo="$3"; shift 3
  mount --bind "$repo/node_modules" "$root$work/node_modules"
  mount -o remount,bind,ro "$root$work/node_modules"
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs tmpfs "$root/tmp"
  chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root CI=true GRIDMIX_REQUIRE_NATIVE=1 \
    bash "$work/inside.sh" "$@"
' onednn3-root "$root" "$work" "$repo" "$@"
