#!/usr/bin/env bash
# The check on a real GPU, prepared here by scripts/prepare-gpu-check.sh: for a Linux machine with
# an NVIDIA GPU, a Vulkan driver, no network and no Node, with this repository (and .gpu-check/)
# copied onto it. Under 8 minutes. It runs, on the webgpu backend:
#   1. gridmix doctor;
#   2. the quickstart (configs/quickstart.yaml: top-1 and time);
#   3. gridmix bench: the resnet20 GridMix step at batch 128, and Table 3 (VGG19-BN, ResNet-101, CIFAR size);
#   4. where python3 with torch and a CUDA GPU is there, the PyTorch reference on the same GPU
#      (scripts/reference/resnet20_gridmix_step.py --device cuda) for the same steps: ours / PyTorch.
# Everything it prints is also in .gpu-check/results/ (bring that folder back).
#
#   scripts/gpu-check.sh [--backend webgpu]    # --backend wasm (or another) runs it where there is no GPU
#
# Each step has a time limit (together 7.5 minutes); GPU_CHECK_TIME_SCALE=3 triples them (for a
# CPU backend on a slow machine).
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BACKEND=webgpu
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) BACKEND=$2; shift 2 ;;
    *) echo "usage: scripts/gpu-check.sh [--backend webgpu|wasm|tensorflow|cpu]" >&2; exit 2 ;;
  esac
done
SCALE=${GPU_CHECK_TIME_SCALE:-1}
limit() { echo $(($1 * SCALE)); }
G=$REPO/.gpu-check
RESULTS=$G/results
cd "$REPO"
[ -f "$G/node.xz" ] && [ -f "$G/app.tar.xz" ] || { echo "gpu-check: .gpu-check/ is not prepared: run scripts/prepare-gpu-check.sh where Node is" >&2; exit 1; }
rm -rf "$RESULTS" && mkdir -p "$RESULTS" "$G/bin"
exec > >(tee "$RESULTS/gpu-check.log") 2>&1
start=$(date +%s)
step() { echo; echo "== $* ($(($(date +%s) - start)) s)"; }
# xz where there is one, else Python's lzma.
unxz_to() { if command -v xz >/dev/null; then xz -dc "$1" >"$2"; else python3 -c "import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], 'wb'))" "$1" "$2"; fi; }

step "unpacking Node and gridmix"
unxz_to "$G/node.xz" "$G/bin/node" && chmod +x "$G/bin/node"
rm -rf "$G/app"
unxz_to "$G/app.tar.xz" "$G/app.tar" && tar -C "$G" -xf "$G/app.tar" && rm -f "$G/app.tar"
NODE=$G/bin/node
"$NODE" --version || { echo "gpu-check: the unpacked node does not run here"; exit 1; }
gridmix() { "$NODE" "$G/app/gridmix" "$@"; }

if [ "$BACKEND" = webgpu ]; then
  step "Vulkan"
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
    echo "no Vulkan loader: installing .gpu-check/debs/"
    for f in "$G"/debs/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  # NVIDIA's driver ICD where the container has it but the loader's folders do not.
  nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia_icd" ] && ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
    export VK_DRIVER_FILES=$nvidia_icd
    echo "VK_DRIVER_FILES=$VK_DRIVER_FILES"
  fi
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total --format=csv,noheader

step "gridmix doctor"
gridmix doctor

step "the quickstart on $BACKEND"
qs_start=$(date +%s)
timeout "$(limit 120)" "$NODE" "$G/app/gridmix" train --config configs/quickstart.yaml --backend "$BACKEND" --out "$RESULTS/quickstart" --force
echo "quickstart: exit $?, $(($(date +%s) - qs_start)) s"

step "gridmix bench on $BACKEND: resnet20 at batch 128"
timeout "$(limit 60)" "$NODE" "$G/app/gridmix" bench --backend "$BACKEND" --quick --only steps --batch-size 128 --json >"$RESULTS/bench-steps.jsonl"
echo "exit $?"
step "gridmix bench on $BACKEND: Table 3 (VGG19-BN, ResNet-101 at 32x32, batch 128)"
timeout "$(limit 150)" "$NODE" "$G/app/gridmix" bench --backend "$BACKEND" --only table3 --json >"$RESULTS/bench-table3.jsonl"
echo "exit $?"
cat "$RESULTS"/bench-*.jsonl | grep -v '"kind":"environment"' | cut -c1-400

torch_python=""
for py in python3 /usr/bin/python3; do
  if command -v "$py" >/dev/null && "$py" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then torch_python=$py; break; fi
done
if [ -n "$torch_python" ]; then
  step "the PyTorch reference on the same GPU"
  for backbone in resnet20 vgg19_bn resnet101; do
    classes=10; [ "$backbone" = resnet20 ] || classes=100
    timeout "$(limit 40)" "$torch_python" scripts/reference/resnet20_gridmix_step.py --device cuda --backbone "$backbone" --classes "$classes" --batch 128 --warmup 3 --iterations 10 >>"$RESULTS/torch.jsonl"
  done
  cat "$RESULTS/torch.jsonl"
else
  step "no python3 with torch and a CUDA GPU: the PyTorch comparison is left out"
fi

step "summary"
"$NODE" - "$RESULTS" "$BACKEND" <<'JS'
const fs = require('fs');
const path = require('path');
const [dir, backend] = process.argv.slice(2);
const lines = (f) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const ours = [...lines('bench-steps.jsonl'), ...lines('bench-table3.jsonl')];
const torch = lines('torch.jsonl');
const summary = fs.existsSync(path.join(dir, 'quickstart/seed-0/summary.json')) ? JSON.parse(fs.readFileSync(path.join(dir, 'quickstart/seed-0/summary.json'), 'utf8')) : undefined;
console.log(summary ? `quickstart on ${summary.backend}: top-1 ${summary.top1}%, ${summary.train_seconds} s training, ${summary.images_per_second} images/s` : 'quickstart: no summary (failed)');
const rows = [
  ['resnet20 GridMix step, batch 128', ours.find((r) => r.kind === 'train-step' && r.backbone === 'resnet20' && r.local_head && r.batch_size === 128), torch.find((t) => t.backbone === 'resnet20')],
  ...['vgg19_bn', 'resnet101'].map((b) => [`Table 3 ${b} GridMix`, ours.find((r) => r.kind === 'table3' && r.backbone === b && r.method === 'gridmix'), torch.find((t) => t.backbone === b)]),
];
for (const [what, o, t] of rows) {
  const mine = o ? `${o.images_per_second.toFixed(1)} images/s${o.measured_batch_size && o.measured_batch_size !== 128 ? ` (at batch ${o.measured_batch_size})` : ''}` : 'not measured';
  const ref = t ? `${t.images_per_second.toFixed(1)} images/s (torch ${t.torch_version}, ${t.gpu})` : 'not run';
  const ratio = o && t ? `; ours / PyTorch = ${(o.images_per_second / t.images_per_second).toFixed(2)}x` : '';
  console.log(`${what}: ours on ${backend} ${mine}; PyTorch ${ref}${ratio}`);
}
for (const r of ours.filter((r) => r.kind === 'table3')) console.log(`Table 3 ${r.backbone} ${r.method}: ${r.it_per_second.toFixed(3)} it/s (paper ${r.paper_it_per_second})`);
for (const r of ours.filter((r) => r.kind === 'skipped')) console.log(`skipped: ${r.backbone}: ${r.reason}`);
JS
echo "gpu-check: done in $(($(date +%s) - start)) s; results in .gpu-check/results/"
