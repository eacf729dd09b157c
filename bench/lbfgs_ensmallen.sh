#!/usr/bin/env bash
# descent's L-BFGS against ensmallen's on chained Rosenbrock, measured in the same run, both
# stopping at the same gradient norm (see bench/lbfgs_ensmallen/main.cpp).
#
#   bench/lbfgs_ensmallen.sh ENSMALLEN_INCLUDE_DIR [n = 1000] [repeats = 7] [grad norm = 1e-6]
#
# ENSMALLEN_INCLUDE_DIR holds ensmallen.hpp (ensmallen is header-only; its release tarball's
# include/ folder). Needs Armadillo (Debian: apt-get install libarmadillo-dev) and a release build
# of descent (DESCENT_BUILD, default build/release: cmake --workflow --preset release). It
# installs descent into a scratch prefix and builds bench/lbfgs_ensmallen/ there, outside the tree
# (LBFGS_ENSMALLEN_WORK, default /tmp/descent-lbfgs-ensmallen). Neither ensmallen nor Armadillo
# is a dependency of descent.
set -euo pipefail
if [[ $# -lt 1 || ! -f "$1/ensmallen.hpp" ]]; then
  echo "usage: $0 ENSMALLEN_INCLUDE_DIR [n] [repeats] [grad norm]  (the folder that holds ensmallen.hpp)" >&2
  exit 2
fi
include=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
work=${LBFGS_ENSMALLEN_WORK:-/tmp/descent-lbfgs-ensmallen}
build=${DESCENT_BUILD:-$root/build/release}
cmake --build "$build" >/dev/null
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$root/bench/lbfgs_ensmallen" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DENSMALLEN_INCLUDE_DIR="$include" >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/lbfgs_ensmallen" "${2:-1000}" "${3:-7}" ${4:+"$4"}
