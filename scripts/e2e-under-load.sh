#!/usr/bin/env bash
# Runs the page's browser test (ctest web.page_in_chromium) RUNS times (default 20) while
# stress-ng keeps every core busy (`stress-ng --cpu N`, N the number of cores), and says how many
# passed; exits 1 unless all did. The test waits on the page's state, never on time, so a loaded
# machine only makes it slower. Needs a built test preset (cmake --workflow --preset test) and
# stress-ng (scripts/install-deps.sh --test).
#   bash scripts/e2e-under-load.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-20}
if ! [[ "$runs" =~ ^[0-9]+$ ]] || ((runs == 0)); then
  echo "e2e-under-load: RUNS must be a whole number > 0, got '$runs'" >&2
  exit 2
fi
if ! command -v stress-ng >/dev/null; then
  echo "e2e-under-load: stress-ng is missing (apt-get install stress-ng)" >&2
  exit 2
fi
if [ ! -f build/test/CTestTestfile.cmake ]; then
  echo "e2e-under-load: build the tests first: cmake --workflow --preset test" >&2
  exit 2
fi

cores=$(nproc)
stress-ng --cpu "$cores" --quiet &
stress=$!
trap 'kill "$stress" 2>/dev/null; wait "$stress" 2>/dev/null || true' EXIT

passed=0
for ((i = 1; i <= runs; i++)); do
  start=$(date +%s)
  if ctest --test-dir build/test -R '^web\.page_in_chromium$' --output-on-failure \
      >"build/test/e2e-under-load-$i.log" 2>&1; then
    passed=$((passed + 1))
    echo "e2e-under-load: run $i passed in $(($(date +%s) - start)) s"
  else
    echo "e2e-under-load: run $i FAILED in $(($(date +%s) - start)) s (build/test/e2e-under-load-$i.log)"
  fi
done
echo "e2e-under-load: $passed of $runs runs passed with stress-ng --cpu $cores"
((passed == runs))
