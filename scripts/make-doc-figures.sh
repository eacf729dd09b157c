#!/usr/bin/env bash
# Regenerates the figures shown in README.md and docs/ from the seed experiment.
# Run after building (cmake --workflow --preset release).
set -euo pipefail
cd "$(dirname "$0")/.."
descent=build/release/apps/descent
out=docs/figures
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$descent" run --out "$tmp/seed" >/dev/null
cp "$tmp/seed/surface3d.png" "$tmp/seed/contour.png" "$tmp/seed/loss.png" \
   "$tmp/seed/animation.gif" "$out/"
"$descent" run examples/seed/aniso_momentum_alpha0.99.toml --out "$tmp/m99" >/dev/null
cp "$tmp/m99/contour.png" "$out/momentum-0.99-contour.png"
for case in axis_aligned turned_45; do
  "$descent" run "examples/rotation/$case.toml" --out "$tmp/$case" >/dev/null
  cp "$tmp/$case/contour.png" "$out/rotation-$case.png"
done
# Momentum's phase diagram (README, Sweeps).
"$descent" sweep --grid lr=1e-3:1:log:64 --grid alpha=0:0.999:lin:64 --out "$tmp/sweep" >/dev/null
cp "$tmp/sweep/heatmap.png" "$out/sweep-momentum.png"
# The 256 x 256 sweep timed against numpy (docs/PERFORMANCE.md).
"$descent" sweep --grid lr=1e-3:1:log:256 --grid alpha=0:0.999:lin:256 --out "$tmp/sweep256" \
  >/dev/null
cp "$tmp/sweep256/heatmap.png" "$out/sweep-momentum-256.png"
# Five optimizers tuned on Rosenbrock (README, Tuning).
"$descent" tune --function rosenbrock -o sgd -o momentum -o nesterov -o rmsprop -o adam \
  --budget 64 --out "$tmp/tune" >/dev/null
cp "$tmp/tune/contour.png" "$out/tune-rosenbrock-contour.png"
cp "$tmp/tune/loss.png" "$out/tune-rosenbrock-loss.png"
# The layer-wise methods on the matrix function, beside Adam and L-BFGS (README, Optimizers by
# layer).
cos="@cosine:t_max=300,eta_min=0"
"$descent" run -f matrix_least_squares -n 300 -o sgd:lr=0.002 -o "adam:lr=0.05$cos" \
  -o "muon:lr=0.2,beta=0.95$cos" -o "lamb:lr=0.05$cos" -o "lars:lr=5$cos" \
  -o "novograd:lr=0.05$cos" -o "adafactor:lr=0.1,step_size=optax$cos" -o sm3:lr=1 \
  -o "shampoo:lr=0.1$cos" -o "soap:lr=0.1,weight_decay=0$cos" \
  -o "sophia:lr=0.05,beta1=0.9,gamma=0.05,clip=10,update_every=1,weight_decay=0$cos" \
  -o lbfgs:lr=1 \
  --out "$tmp/matrix" >/dev/null
cp "$tmp/matrix/loss.png" "$out/matrix-least-squares-loss.png"
# The four optimizers training the MLP on Fashion-MNIST (README, Training).
"$descent" train --out "$tmp/train" >/dev/null
cp "$tmp/train/train-loss.png" "$tmp/train/test-accuracy.png" "$out/"
# The lab page, one screenshot per view, taken by its end-to-end tests (README, The lab page).
DESCENT_BIN="$PWD/$descent" DESCENT_SCREENSHOTS="$PWD/$out" node --test web/tests/e2e.test.mjs \
  >/dev/null
# The lessons, each chapter at 1440 and 400 px wide, taken by their tests (README, The lessons).
DESCENT_BIN="$PWD/$descent" DESCENT_SCREENSHOTS="$PWD/$out" node --test web/tests/lessons.test.mjs \
  >/dev/null
# The tuning study (docs/tuning-study.md).
"$descent" study tuning --out docs/tuning-study >/dev/null
echo "figures written to $out"
