#!/usr/bin/env bash
# Builds the fuzz targets (preset "fuzz": clang, libFuzzer, AddressSanitizer and UBSan) and runs
# each for SECONDS (default 600), one after another, on its seeds (tests/fuzz/corpus/<target>/)
# with its dictionary (tests/fuzz/dict/<target>.dict). Inputs that find new paths go to
# build/fuzz/corpus/<target>/; a crash, leak, timeout (10 s) or out-of-memory input (2 GB) is
# written to build/fuzz/findings/<target>/ (both are ignored by git) and the script exits 1 after
# the last target. Needs clang and libclang-rt-14-dev (scripts/install-deps.sh --test).
#   bash scripts/fuzz.sh [SECONDS] [TARGET ...]
# TARGET is one of: api checkpoint experiment expression spec trajectory_csv (default: all). To
# replay a finding: build/fuzz/tests/fuzz/descent_<target>_fuzz build/fuzz/findings/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds == 0)); then
  echo "fuzz: SECONDS must be a whole number > 0, got '$seconds'" >&2
  exit 2
fi
shift $(($# > 0 ? 1 : 0))

# The largest input each target is given, in bytes: an API body is at most 4096 here (its
# ApiLimits), a spec or an expression a line, the files a few screens.
declare -A max_len=([api]=4096 [checkpoint]=4096 [experiment]=4096 [expression]=2048
                    [spec]=512 [trajectory_csv]=4096)
targets=("$@")
if ((${#targets[@]} == 0)); then targets=(api checkpoint experiment expression spec trajectory_csv); fi
for t in "${targets[@]}"; do
  if [ -z "${max_len[$t]:-}" ]; then
    echo "fuzz: unknown target '$t' (valid: ${!max_len[*]})" >&2
    exit 2
  fi
done

binaries=()
for t in "${targets[@]}"; do binaries+=("descent_${t}_fuzz"); done
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "${binaries[@]}"

failed=()
for t in "${targets[@]}"; do
  corpus=build/fuzz/corpus/$t
  findings=build/fuzz/findings/$t
  mkdir -p "$corpus" "$findings"
  dict=()
  if [ -f "tests/fuzz/dict/$t.dict" ]; then dict=("-dict=tests/fuzz/dict/$t.dict"); fi
  echo "fuzz: $t for ${seconds} s"
  if ! build/fuzz/tests/fuzz/descent_${t}_fuzz "$corpus" "tests/fuzz/corpus/$t" "${dict[@]}" \
      -max_total_time="$seconds" -max_len="${max_len[$t]}" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$findings/" -print_final_stats=1 >"build/fuzz/$t.log" 2>&1; then
    failed+=("$t")
    tail -n 40 "build/fuzz/$t.log" >&2
    echo "fuzz: $t found a problem; the input is in $findings/, the log in build/fuzz/$t.log" >&2
  else
    grep -E '^stat::(number_of_executed_units|new_units_added)' "build/fuzz/$t.log" |
      sed "s/^/fuzz: $t: /"
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: problems found by: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no problem found"
