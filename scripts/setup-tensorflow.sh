#!/usr/bin/env bash
# The `tensorflow` backend without tfjs-node's download: builds @tensorflow/tfjs-node's addon
# against the TensorFlow C API that ships inside the `tensorflow-cpu` Python wheel
# (libtensorflow_cc.so.2 exports the TF_*/TFE_* functions the addon calls).
#
#   scripts/setup-tensorflow.sh            # then: gridmix train --backend tensorflow ...
#
# Needs python3 with pip (any index that holds the wheel), a C++ compiler, make and the Node
# headers (Debian: `apt-get install g++ make libnode-dev`; a Node from nodejs.org has them). The
# first run downloads the wheel (274 MB), keeps only the two libraries and the C headers (815 MB)
# in the cache, and builds the addon (~100 s); later runs, also in other clones on this machine,
# take the library and the built addon from the cache (seconds). Run it again after `npm ci` or
# `npm install`: tfjs-node is installed with --no-save (it is not in package.json, see README), so
# npm removes it whenever it rebuilds node_modules.
#
# Environment: GRIDMIX_TENSORFLOW_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/gridmix/tensorflow),
# GRIDMIX_TENSORFLOW_WHEEL (a wheel already downloaded: skips pip).
set -euo pipefail

TF_VERSION=2.21.0
TFJS_NODE_VERSION=4.22.0
REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${GRIDMIX_TENSORFLOW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gridmix/tensorflow}
LIBTF=$CACHE/tensorflow-cpu-$TF_VERSION
PKG=$REPO/node_modules/@tensorflow/tfjs-node

say() { echo "setup-tensorflow: $*"; }
die() { echo "setup-tensorflow: $*" >&2; exit 1; }

command -v node >/dev/null || die "node is not on PATH"
mkdir -p "$CACHE"

# 1. The TensorFlow C library and headers, extracted once per machine (atomically: a folder that
#    exists is complete).
if [ ! -f "$LIBTF/lib/libtensorflow_cc.so.2" ]; then
  PY=$(command -v python3 || command -v python || true)
  [ -n "$PY" ] || die "python3 is needed to download and unpack the tensorflow-cpu wheel"
  work=$(mktemp -d "$CACHE/.download.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  wheel=${GRIDMIX_TENSORFLOW_WHEEL:-}
  if [ -z "$wheel" ]; then
    say "downloading tensorflow-cpu==$TF_VERSION (274 MB) with pip"
    # The C library is the same in every Python version's wheel: ask for one explicitly, so that
    # the Python running pip does not matter.
    "$PY" -m pip download --quiet --retries 1 --no-deps --only-binary=:all: --python-version 3.11 \
      --platform manylinux_2_27_x86_64 --platform manylinux2014_x86_64 \
      -d "$work" "tensorflow-cpu==$TF_VERSION" \
      || die "pip could not download tensorflow-cpu==$TF_VERSION (no index reachable?); set GRIDMIX_TENSORFLOW_WHEEL=/path/to/the.whl"
    wheel=$(ls "$work"/tensorflow_cpu-*.whl)
  fi
  say "extracting the C library and headers from $(basename "$wheel")"
  "$PY" - "$wheel" "$work/out" <<'EOF'
import os, re, shutil, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
libs = {'tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'}
headers = re.compile(r'tensorflow/include/(tensorflow/c/|tensorflow/core/platform/ctstring|'
                     r'tsl/platform/ctstring|xla/tsl/c/).*\.h$')
found = set()
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename
        if name in libs:
            dest = os.path.join(out, 'lib', os.path.basename(name))
        elif headers.match(name):
            dest = os.path.join(out, 'include', name[len('tensorflow/include/'):])
        else:
            continue
        found.add(name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(info) as src, open(dest, 'wb') as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
missing = libs - found
if missing:
    sys.exit('the wheel lacks ' + ', '.join(sorted(missing)))
EOF
  rm -rf "$LIBTF"
  mv "$work/out" "$LIBTF"
  rm -rf "$work"
  trap - EXIT
fi
say "TensorFlow $TF_VERSION C library: $LIBTF"

# 2. tfjs-node itself, without its install script (which would download libtensorflow 2.9.1) and
#    without writing package.json or package-lock.json.
installed=$(node -p "try { require('$PKG/package.json').version } catch { '' }")
if [ "$installed" != "$TFJS_NODE_VERSION" ]; then
  say "installing @tensorflow/tfjs-node@$TFJS_NODE_VERSION (--no-save --ignore-scripts)"
  (cd "$REPO" && npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error \
    "@tensorflow/tfjs-node@$TFJS_NODE_VERSION")
fi
# A tfjs-node-gpu without its addon (what `npm install --ignore-scripts` leaves of an optional
# dependency) would be tried first and register every kernel twice (155 warnings): remove it.
GPU_PKG=$REPO/node_modules/@tensorflow/tfjs-node-gpu
if [ -d "$GPU_PKG" ] && ! ls "$GPU_PKG"/lib/napi-v*/tfjs_binding.node >/dev/null 2>&1; then
  say "removing the half-installed @tensorflow/tfjs-node-gpu (no addon)"
  rm -rf "$GPU_PKG"
fi

# 3. deps/ as the addon's build and its rpath ($ORIGIN/../../deps/lib) expect, pointing into the
#    cache rather than copying 815 MB into every clone.
rm -rf "$PKG/deps"
mkdir -p "$PKG/deps/lib"
ln -s "$LIBTF/include" "$PKG/deps/include"
ln -s "$LIBTF/lib/libtensorflow_cc.so.2" "$PKG/deps/lib/libtensorflow_cc.so.2"
ln -s "$LIBTF/lib/libtensorflow_framework.so.2" "$PKG/deps/lib/libtensorflow_framework.so.2"
ln -s libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so"
ln -s libtensorflow_framework.so.2 "$PKG/deps/lib/libtensorflow_framework.so"

# 4. The addon: built once per (tfjs-node, TensorFlow, N-API) and kept in the cache. N-API
#    addons do not depend on the Node version beyond the N-API level.
napi=$(node -p "Math.min(8, Number(process.versions.napi))")
built=$CACHE/tfjs-node-$TFJS_NODE_VERSION-tf-$TF_VERSION-napi-v$napi/tfjs_binding.node
target=$PKG/lib/napi-v$napi/tfjs_binding.node
if [ ! -f "$built" ]; then
  say "building the tfjs-node addon against TensorFlow $TF_VERSION (~100 s)"
  nodedir=$(node -p "require('path').resolve(process.execPath, '..', '..')")
  gyp_args=(rebuild --build-from-source)
  if [ -f "$nodedir/include/node/node_api.h" ]; then gyp_args+=("--nodedir=$nodedir"); fi
  (cd "$PKG" && nice -n 10 "$REPO/node_modules/.bin/node-pre-gyp" "${gyp_args[@]}" >"$CACHE/build.log" 2>&1) \
    || { tail -20 "$CACHE/build.log" >&2; die "the addon build failed (log: $CACHE/build.log)"; }
  [ -f "$target" ] || die "the build wrote no $target (log: $CACHE/build.log)"
  mkdir -p "$(dirname "$built")"
  cp "$target" "$built.tmp" && mv "$built.tmp" "$built"
  rm -rf "$PKG/build"
else
  mkdir -p "$(dirname "$target")"
  cp "$built" "$target"
fi

# 5. It must load, register the backend once (no "already registered" warnings) and compute.
check=$(cd "$REPO" && TF_CPP_MIN_LOG_LEVEL=2 node -e "
  const tf = require('@tensorflow/tfjs-node');
  const ok = tf.getBackend() === 'tensorflow' && tf.matMul([[1, 2]], [[3], [4]]).dataSync()[0] === 11;
  console.log(ok ? 'ok ' + tf.version['tfjs-node'] : 'wrong');
" 2>"$CACHE/check.log" | tail -1)
case "$check" in
  ok*) say "the tensorflow backend loads (tfjs-node ${check#ok }, TensorFlow $TF_VERSION CPU)" ;;
  *) cat "$CACHE/check.log" >&2; die "tfjs-node was built but does not work" ;;
esac
