#!/usr/bin/env bash
# The CPU-scale tables of the README: mini Table 1 (five methods) for one backbone, the mini
# Table 4 ablation, then the report. Finished runs are skipped when re-run (train refuses to
# overwrite them; ablate skips them), so the script can be stopped and started again.
# Usage: scripts/mini-tables.sh [backbone: vgg_small | resnet20] [results dir]
set -uo pipefail
cd "$(dirname "$0")/.."
backbone=${1:-vgg_small}
results=${2:-results}
for method in baseline mixup cutmix gridmix-wo gridmix; do
  config=configs/mini/table1/$backbone-$method.yaml
  name=mini-table1-$backbone-$method
  if [ -f "$results/$name/seed-0/summary.json" ] && grep -q '"finished": true' "$results/$name/seed-0/summary.json"; then
    echo "$name: finished, skipped"
  elif [ -f "$results/$name/seed-0/checkpoint/last.ckpt" ]; then
    node bin/gridmix train --config "$config" --out "$results/$name" --resume || exit 1
  else
    node bin/gridmix train --config "$config" --out "$results/$name" || exit 1
  fi
done
node bin/gridmix ablate --config configs/mini/table4/vgg_small-ablation.yaml --out "$results/mini-table4-vgg_small" || exit 1
node bin/gridmix report --results "$results"
