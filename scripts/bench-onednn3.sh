#!/usr/bin/env bash
# The resnet20 GridMix step (local head, batch 128, 32x32) on wasm+onednn built against this
# machine's oneDNN 2.x and against oneDNN 3.x (in the Debian 13 root of .ci/setup-onednn3.sh, via
# scripts/onednn3-root.sh), in one run: 2.x, then 3.x, then 2.x again (the two 2.x figures show
# how much the machine drifted meanwhile), each a fresh process of gridmix bench's engine job
# (dist/src/bench/job-worker.js). Prints images/s of each and 3.x / 2.x.
#   usage: scripts/bench-onednn3.sh [ITERATIONS]   (default 10; after npm ci, as root)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
iterations="${1:-10}"
job() {
  node -e '
    const { benchSettings } = require("./dist/src/bench/settings.js");
    const settings = benchSettings({ iterations: Number(process.argv[1]), only: ["engines"] });
    console.log(JSON.stringify({ job: { kind: "engine", backbone: "resnet20", inputSize: 32, numClasses: 10 }, backend: "wasm+onednn", settings }));
  ' "$iterations"
}
imagesPerSecond() { node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { const r = s.trim().split("\n").map((l) => JSON.parse(l)).find((r) => r.kind === "train-step"); if (!r) process.exit(1); console.log(r.images_per_second.toFixed(1)); });'; }
cd "$repo"
input="$(job)"
first=$(node dist/src/bench/job-worker.js "$input" 2>/dev/null | imagesPerSecond)
echo "oneDNN 2.x: $first images/s ($(cat native/build/status.txt))"
inside="$(mktemp)"
trap 'rm -f "$inside"' EXIT
printf '%s\n' "node dist/src/bench/job-worker.js '$input' > bench-onednn3.jsonl" >"$inside"
scripts/onednn3-root.sh "$inside" >&2
work="${GRIDMIX_TRIXIE_ROOT:-/var/cache/gridmix-ci/trixie-root}/gridmix-ci"
third=$(imagesPerSecond <"$work/bench-onednn3.jsonl")
echo "oneDNN 3.x: $third images/s ($(cat "$work/native/build/status.txt"))"
rm -rf "${work:?}"
second=$(node dist/src/bench/job-worker.js "$input" 2>/dev/null | imagesPerSecond)
echo "oneDNN 2.x again: $second images/s"
node -e 'const [a, b, c] = process.argv.slice(1).map(Number); console.log(`3.x / 2.x: ${(c / ((a + b) / 2)).toFixed(3)} (against the mean of the two 2.x runs; they differ by ${(100 * Math.abs(a - b) / Math.max(a, b)).toFixed(1)}%)`);' "$first" "$second" "$third"
