#!/usr/bin/env bash
# Installs the Debian 12 packages descent needs to build and run, and the lab page's plotting
# library (npm ci in web/); with --test also what the test suite compares against (Debian's
# PyTorch; JAX and optax from PyPI, pinned in scripts/requirements-ref.txt, in the virtual
# environment .venv-ref/ at the repository root, or DESCENT_REF_VENV), the Python package's
# build and test tools (pinned in scripts/requirements-python.txt, in .venv-py/, or
# DESCENT_PY_VENV), the browser the page is tested in (Debian's chromium), clang for the fuzz
# targets, stress-ng for testing the page under load and Open MPI for the MPI build (the test
# preset).
# Run as root (or through sudo). Packages already present are not fetched again.
#   bash scripts/install-deps.sh [--test]
set -euo pipefail

with_tests=0
for arg in "$@"; do
  case "$arg" in
    --test) with_tests=1 ;;
    *) echo "install-deps: unknown option '$arg' (valid: --test)" >&2; exit 2 ;;
  esac
done

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config clang-format
  # libraries (see README: Dependencies)
  libcli11-dev libfmt-dev nlohmann-json3-dev libtomlplusplus-dev
  libcairo2-dev libgif-dev fonts-dejavu-core
  libopenblas-dev libeigen3-dev zlib1g-dev libcpp-httplib-dev
  # Fashion-MNIST, for descent train (under /usr/share/datasets/fashion-mnist)
  dataset-fashion-mnist
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
)
if ((with_tests)); then
  # tests/torch/compare_torch.py checks every optimizer and schedule against torch.optim;
  # web/tests/e2e.test.mjs drives the page in chromium; scripts/fuzz.sh builds the fuzz targets
  # with clang and its libFuzzer runtime; scripts/e2e-under-load.sh loads the machine with
  # stress-ng.
  # tests/optax/compare_optax.py checks them against optax, from PyPI into a virtual environment.
  packages+=(python3 python3-torch python3-numpy python3-venv chromium clang libclang-rt-14-dev
             stress-ng)
  # The test preset builds the MPI variant (-DDESCENT_MPI=ON) and runs it under mpirun.
  packages+=(libopenmpi-dev openmpi-bin)
fi
# node and npm for the page's assets, unless a node with npm is already installed (Debian's npm
# would conflict with one from elsewhere).
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all packages present" >&2
fi

# The page's plotting library (plotly.js) and, for its tests, playwright-core: exactly the versions
# of web/package-lock.json.
echo "install-deps: npm ci in web/" >&2
npm ci --prefix "$(dirname "$0")/../web" --no-audit --no-fund --loglevel=error >&2

# JAX (CPU) and optax for tests/optax/compare_optax.py, exactly the versions of
# scripts/requirements-ref.txt, in a virtual environment owned by the user who ran sudo. The
# environment records the hash of the requirements it holds; while they match, nothing is fetched.
if ((with_tests)); then
  root="$(cd "$(dirname "$0")/.." && pwd)"
  venv="${DESCENT_REF_VENV:-$root/.venv-ref}"
  requirements="$root/scripts/requirements-ref.txt"
  as_user=()
  if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ]; then as_user=(sudo -u "$SUDO_USER"); fi
  want="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [ -x "$venv/bin/python3" ] && [ "$(cat "$venv/.requirements-sha256" 2>/dev/null)" = "$want" ]; then
    echo "install-deps: JAX and optax present in $venv" >&2
  else
    echo "install-deps: installing JAX and optax into $venv" >&2
    "${as_user[@]}" /usr/bin/python3 -m venv "$venv"
    "${as_user[@]}" "$venv/bin/pip" install --quiet --disable-pip-version-check \
      --require-virtualenv -r "$requirements" >&2
    echo "$want" | "${as_user[@]}" tee "$venv/.requirements-sha256" >/dev/null
  fi

  # The Python package's build and test tools (nanobind, scikit-build-core, pytest), exactly the
  # versions of scripts/requirements-python.txt, in .venv-py/: Debian's python3 with its own
  # packages visible (python3-torch, python3-numpy), which the package's tests use.
  pyvenv="${DESCENT_PY_VENV:-$root/.venv-py}"
  requirements="$root/scripts/requirements-python.txt"
  want="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [ -x "$pyvenv/bin/python3" ] && [ "$(cat "$pyvenv/.requirements-sha256" 2>/dev/null)" = "$want" ]; then
    echo "install-deps: the Python package's tools present in $pyvenv" >&2
  else
    echo "install-deps: installing the Python package's tools into $pyvenv" >&2
    "${as_user[@]}" /usr/bin/python3 -m venv --system-site-packages "$pyvenv"
    "${as_user[@]}" "$pyvenv/bin/pip" install --quiet --disable-pip-version-check \
      --require-virtualenv -r "$requirements" >&2
    echo "$want" | "${as_user[@]}" tee "$pyvenv/.requirements-sha256" >/dev/null
  fi
fi
