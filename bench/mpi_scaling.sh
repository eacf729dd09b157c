#!/usr/bin/env bash
# Scaling over MPI ranks (docs/PERFORMANCE.md, "Over MPI"): the same jobs on 1 process and on
# 2 and 4 ranks, each rank with its share of the cores (on 2 cores: 2 threads, 1 and 1), best of
# ROUNDS, with the engine's time as the command prints it (for training: the last epoch's) and
# the whole command's wall time.
#   bash bench/mpi_scaling.sh BUILD_DIR [ROUNDS]
set -euo pipefail
build=${1:?usage: mpi_scaling.sh BUILD_DIR [ROUNDS]}
rounds=${2:-3}
descent=$build/apps/descent
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jobs=(
  "sweep-256|sweep --grid lr=1e-3:1:log:256 --grid alpha=0:0.999:lin:256 --no-plots"
  "sweep-256-rosenbrock|sweep -f rosenbrock --grid lr=1e-5:1e-2:log:256 --grid alpha=0:0.999:lin:256 --steps 5000 --starts 4 --metric final_loss --no-plots"
  "study-mlp|study tuning --problems mlp -o sgd -o adam --points 15 --no-plots"
  "train-data-parallel|train --data-parallel --train-limit 20000 --test-limit 1000 --epochs 2 -o adam --no-plots"
)
echo "cores: $(nproc); $(lscpu | sed -n 's/^Model name: *//p')"
printf '%-22s %5s %12s %12s\n' job ranks engine_s wall_s
for job in "${jobs[@]}"; do
  name=${job%%|*}
  args=${job#*|}
  for k in 1 2 4; do
    best_engine=1e9 best_wall=1e9
    for _ in $(seq "$rounds"); do
      start=$(date +%s.%N)
      if [ "$k" = 1 ]; then
        # shellcheck disable=SC2086
        "$descent" $args --out "$work/o" > "$work/log" 2>&1
      else
        # shellcheck disable=SC2086
        mpirun -np "$k" --oversubscribe "$descent" $args --out "$work/o" > "$work/log" 2>&1
      fi
      wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
      # The engine's seconds: "..., 0.0307 s on ..." (sweep), "ran in 4.2 s" (study), or the
      # last epoch's "(1.23 s)" (train).
      engine=$(grep -oE '[0-9.]+ s on' "$work/log" | head -1 | cut -d' ' -f1 || true)
      [ -n "$engine" ] || engine=$(grep -oE 'ran +in [0-9.]+ s' "$work/log" | grep -oE '[0-9.]+' || true)
      [ -n "$engine" ] || engine=$(grep -oE '\([0-9.]+ s\)' "$work/log" | tail -1 | tr -d '( s)' || true)
      [ -n "$engine" ] || engine=$wall
      best_engine=$(awk -v a="$engine" -v b="$best_engine" 'BEGIN { print (a < b ? a : b) }')
      best_wall=$(awk -v a="$wall" -v b="$best_wall" 'BEGIN { print (a < b ? a : b) }')
    done
    printf '%-22s %5s %12.4f %12.4f\n' "$name" "$k" "$best_engine" "$best_wall"
  done
done
