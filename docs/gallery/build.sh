#!/usr/bin/env bash
# Rebuild the gallery: every docs/gallery/<kind>.yaml, merged over config.yaml on the
# example data (or a public table that docs/gallery/public.py writes, for a config that
# names its own data), run in a scratch copy of the workflow; the mosaic lands next to
# its config.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
PYTHONPATH="$repo/scripts" "$repo/.venv/bin/python" -m tilegrid.workflow.copy "$repo" "$scratch"
"$repo/.venv/bin/python" "$repo/docs/gallery/public.py" "$scratch"
for cfg in "$repo"/docs/gallery/${1:-*}.yaml; do
  kind=$(basename "$cfg" .yaml)
  (cd "$scratch" && rm -rf results && "$repo/.venv/bin/python" -m snakemake -j 2 -q \
     --configfile "$cfg" > "$scratch/$kind.log" 2>&1) || { tail -5 "$scratch/$kind.log"; exit 1; }
  cp "$scratch/results/mosaic.png" "$repo/docs/gallery/$kind.png"
  echo "docs/gallery/$kind.png"
done
