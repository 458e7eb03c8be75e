#!/usr/bin/env bash
# CI: the tensorflow backend (tfjs-node built against the tensorflow-cpu wheel's C library) through
# scripts/setup-tensorflow.sh, with its cache in /var/cache/gridmix-ci (outside the clone): the
# first run downloads the wheel and builds the addon (~2 minutes), later runs take seconds. Run after
# `npm ci` (which empties node_modules). Needs python3 + pip, g++, make.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for package in make g++; do command -v "$package" >/dev/null || missing+=("$package"); done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi
GRIDMIX_TENSORFLOW_CACHE=${GRIDMIX_TENSORFLOW_CACHE:-/var/cache/gridmix-ci/tensorflow} scripts/setup-tensorflow.sh
