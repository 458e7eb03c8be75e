#!/usr/bin/env bash
# Prepares .gpu-check/ (ignored by git) for scripts/gpu-check.sh on a Linux machine with an NVIDIA
# GPU, a Vulkan driver, no network and no Node: this repository copied there with .gpu-check/ must
# stay under 64 MiB. Run here, after `npm ci` (and `npm run build`):
#
#   scripts/prepare-gpu-check.sh          # then copy the repository, .gpu-check/ included
#
# What it holds: node.xz (this machine's node binary, xz-compressed), app.tar.xz (gridmix bundled
# by esbuild into three files, the CLI and its two worker entry points, beside tfjs's wasm binaries,
# plus the packages that cannot be bundled: `webgpu` with its linux-x64 dawn.node, sharp with its
# libvips, vega and vega-lite (ES modules with a top-level await, loaded by import()), and debs/
# (the Vulkan loader, libvulkan1, for a machine that lacks it).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$REPO/.gpu-check
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
cd "$REPO"
say() { echo "prepare-gpu-check: $*"; }

[ -f dist/src/cli/main.js ] || { echo "prepare-gpu-check: build first (npm run build)" >&2; exit 1; }
mkdir -p "$OUT" "$STAGE/app/cli" "$STAGE/app/node_modules"
rm -rf "$OUT/app.tar.xz" "$OUT/debs"

# 1. Node itself (kept from an earlier run when it is the same binary: xz takes minutes).
node_id="$(node --version) $(stat -c '%s %Y' "$(command -v node)")"
if [ ! -f "$OUT/node.xz" ] || [ "$(cat "$OUT/node.id" 2>/dev/null)" != "$node_id" ]; then
  say "compressing $(command -v node) ($(node --version))"
  xz -T0 -6 -c "$(command -v node)" >"$OUT/node.xz.tmp" && mv "$OUT/node.xz.tmp" "$OUT/node.xz"
  echo "$node_id" >"$OUT/node.id"
fi

# 2. gridmix in three bundles. They sit in .gpu-check/app/cli/ so that the paths the code takes
#    from its own folder (three levels up: the repository, for data/ and scripts/reference/; the
#    bench's job-worker.js beside the CLI) hold there as they do in dist/.
external=(--external:webgpu --external:sharp --external:vega --external:vega-lite --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu)
bundle() { node_modules/.bin/esbuild "$1" --bundle --platform=node --target=node20 --minify --log-level=warning "${external[@]}" --outfile="$STAGE/app/cli/$2"; }
bundle dist/src/cli/main.js main.js
bundle dist/src/bench/job-worker.js job-worker.js
[ -f dist/src/train/data-parallel/replica-worker.js ] && bundle dist/src/train/data-parallel/replica-worker.js replica-worker.js
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$STAGE/app/cli/"
cat >"$STAGE/app/gridmix" <<'LAUNCH'
#!/usr/bin/env node
'use strict';
require('./cli/main.js').main(process.argv).then((code) => { process.exitCode = code; });
LAUNCH
chmod +x "$STAGE/app/gridmix"

# 3. The packages esbuild leaves outside, with everything they require (their production closure).
node - "$STAGE/app/node_modules" webgpu sharp vega vega-lite <<'JS'
const fs = require('fs');
const path = require('path');
const [dest, ...roots] = process.argv.slice(2);
const seen = new Set();
// Node's own lookup (node_modules folders from `from` upwards), on package folders: some packages
// (sharp) do not export their package.json to require.resolve.
function locate(name, from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}
function copy(name, from) {
  const dir = locate(name, from);
  if (!dir) return false;
  if (seen.has(dir)) return true;
  seen.add(dir);
  fs.cpSync(dir, path.join(dest, name), { recursive: true, dereference: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  // Optional dependencies are platform builds (sharp's @img/sharp-linux-x64): those installed here.
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) copy(dep, dir);
  return true;
}
for (const root of roots) console.log(`prepare-gpu-check: ${root}: ${copy(root, process.cwd()) ? 'copied with its dependencies' : 'NOT INSTALLED here (that part of gpu-check will fail)'}`);
JS
# The webgpu package ships Dawn for every platform (~130 MB); the GPU machine needs linux-x64's alone.
find "$STAGE/app/node_modules/webgpu/dist" -mindepth 1 -maxdepth 1 -type d ! -name linux-x64 -exec rm -rf {} +
[ -f "$STAGE/app/node_modules/webgpu/dist/linux-x64/dawn.node" ] || { echo "prepare-gpu-check: webgpu's linux-x64 dawn.node is missing" >&2; exit 1; }
tar -C "$STAGE" -cf - app | xz -T0 -6 >"$OUT/app.tar.xz"

# 4. The Vulkan loader, for a GPU machine without one (from this machine's own apt sources).
mkdir -p "$OUT/debs"
if (cd "$OUT/debs" && apt-get download -qq libvulkan1 >/dev/null 2>&1); then
  say "libvulkan1: $(ls "$OUT/debs")"
else
  say "apt-get download libvulkan1 failed (run apt-get update first?); the GPU machine must have its own Vulkan loader"
fi

# 5. What travels: the repository's own files plus .gpu-check/.
total=$(du -cb "$OUT" | tail -1 | cut -f1)
tracked=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | grep total$ | awk '{s += $1} END {print s}')
for f in "$OUT"/node.xz "$OUT"/app.tar.xz "$OUT"/debs/*; do [ -f "$f" ] && say "$(du -h "$f" | cut -f1)	${f#"$REPO"/}"; done
say ".gpu-check/ $((total / 1048576)) MiB + tracked files $((tracked / 1048576)) MiB = $(((total + tracked) / 1048576)) MiB (limit 64 MiB)"
[ $((total + tracked)) -le $((64 * 1048576)) ] || { echo "prepare-gpu-check: over the 64 MiB limit" >&2; exit 1; }
