#!/usr/bin/env bash
# CI set-up for the oneDNN 3.x build of the native kernels: a Debian 13 (trixie) root, made with
# debootstrap, holding trixie's nodejs (with its headers, libnode-dev), g++ and libdnnl-dev (oneDNN 3.x). Trixie's libdnnl needs a
# newer glibc and libstdc++ than Debian 12 has, so the addon is built and tested inside this root
# under chroot (.ci/test-onednn3.sh). The root is cached outside the clone and rebuilt only when it
# is missing or when the wanted package list changes; the mirror is the one this machine's own apt
# source entry names, read at run time.
#   usage: .ci/setup-onednn3.sh            (root: $GRIDMIX_TRIXIE_ROOT or /var/cache/gridmix-ci/trixie-root)
set -euo pipefail
root="${GRIDMIX_TRIXIE_ROOT:-/var/cache/gridmix-ci/trixie-root}"
packages="nodejs,libnode-dev,g++,libdnnl-dev"
stamp="$root/.gridmix-packages"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$packages" ]; then
  echo "trixie root: cached at $root ($packages)"
  exit 0
fi

# The first non-security Debian archive this machine's apt uses (deb822 .sources or a one-line
# sources.list entry).
mirror=""
for file in /etc/apt/sources.list.d/*.sources; do
  [ -f "$file" ] || continue
  mirror="$(awk '
    /^[[:space:]]*$/ { if (uri != "" && suites !~ /security/) { print uri; exit } uri = ""; suites = ""; next }
    /^URIs:/ { uri = $2 }
    /^Suites:/ { suites = $0 }
    END { if (uri != "" && suites !~ /security/) print uri }' "$file" | head -n 1)"
  [ -n "$mirror" ] && break
done
if [ -z "$mirror" ]; then
  mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }')"
fi
if [ -z "$mirror" ]; then
  echo "setup-onednn3: no Debian archive found in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list" >&2
  exit 1
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq debootstrap
fi

# Built beside the cache and moved into place only when complete, so an interrupted run leaves
# no half-made root that a later run would take for a good one.
mkdir -p "$(dirname "$root")"
building="$root.building"
rm -rf "$building" "$root"
echo "trixie root: debootstrap from $mirror into $root ($packages)"
nice -n 10 debootstrap --variant=minbase --include="$packages" trixie "$building" "$mirror" \
  >"$(dirname "$root")/debootstrap.log" 2>&1 || {
  echo "setup-onednn3: debootstrap failed; the last lines of $(dirname "$root")/debootstrap.log:" >&2
  tail -n 20 "$(dirname "$root")/debootstrap.log" >&2
  exit 1
}
rm -rf "$building/var/cache/apt/archives/"*.deb
echo "$packages" >"$building/.gridmix-packages"
mv "$building" "$root"
echo "trixie root: ready ($(chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' libdnnl-dev nodejs g++ | tr '\n' ' '))"
