#!/usr/bin/env bash
# CI: a WebGPU adapter on a machine without a GPU. Dawn (the npm package `webgpu`) runs on Vulkan;
# Mesa's lavapipe is a Vulkan driver on the CPU. Debian 12's own Mesa (22.3.6) lacks
# shaderUniform*ArrayDynamicIndexing, so Dawn refuses it; bookworm-backports' Mesa 25.x works.
# The backports source is derived from this machine's own apt entry (same URIs and keyring, suite
# bookworm-backports), so no mirror address lives in the repository. Idempotent: quick when done.
# Ends by asking Dawn for an adapter: no adapter is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

main_sources=/etc/apt/sources.list.d/debian.sources
backports=/etc/apt/sources.list.d/gridmix-bookworm-backports.sources

mesa_version() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true; }

# Dawn needs Mesa >= 23 (the version tested: 25.0.7 from bookworm-backports).
mesa_ok() {
  local v
  v=$(mesa_version)
  [ -n "$v" ] && dpkg --compare-versions "$v" ge 23 && dpkg -s libvulkan1 >/dev/null 2>&1
}

if ! mesa_ok; then
  if [ ! -f "$backports" ]; then
    [ -f "$main_sources" ] || { echo "setup-webgpu: $main_sources is absent: cannot derive a bookworm-backports source" >&2; exit 1; }
    # The first deb822 stanza whose Suites list "bookworm": its URIs, Components and Signed-By.
    awk '
      BEGIN { RS = ""; FS = "\n" }
      {
        uris = ""; comps = ""; signed = ""; isMain = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) uris = $i
          else if ($i ~ /^Components:/) comps = $i
          else if ($i ~ /^Signed-By:/) signed = $i
          else if ($i ~ /^Suites:/ && $i ~ /(^|[ \t])bookworm([ \t]|$)/) isMain = 1
        }
        if (isMain && uris != "") {
          print "Types: deb"; print uris; print "Suites: bookworm-backports"; print comps
          if (signed != "") print signed
          found = 1; exit
        }
      }
      END { if (!found) exit 1 }
    ' "$main_sources" > "$backports.tmp" || { rm -f "$backports.tmp"; echo "setup-webgpu: no bookworm entry in $main_sources" >&2; exit 1; }
    mv "$backports.tmp" "$backports"
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
  mesa_ok || { echo "setup-webgpu: mesa-vulkan-drivers $(mesa_version) installed; Dawn needs >= 23" >&2; exit 1; }
fi
echo "setup-webgpu: mesa-vulkan-drivers $(mesa_version)"

# An adapter must appear (node_modules must hold the `webgpu` package: run after npm ci).
node -e '
  const { create, globals } = require("webgpu");
  Object.assign(globalThis, globals);
  const gpu = create([]);
  gpu.requestAdapter().then((a) => {
    if (!a) { console.error("setup-webgpu: Dawn reports no WebGPU adapter"); process.exit(1); }
    const i = a.info || {};
    console.log(`setup-webgpu: adapter ${i.vendor} ${i.architecture} "${i.description}" fallback=${a.isFallbackAdapter ?? i.isFallbackAdapter}`);
    process.exit(0);
  }, (e) => { console.error(`setup-webgpu: requestAdapter failed: ${e.message}`); process.exit(1); });
'
