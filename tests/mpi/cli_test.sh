#!/usr/bin/env bash
# `mpirun -np K descent ...` against the single process (CTest runs this in an MPI build):
#   - sweep, tune, study and landscape write the same files, byte for byte, at K = 2 and K = 4
#     (oversubscribed on a machine with fewer cores); landscape.json differs only in its timings,
#     thread and rank counts;
#   - train --data-parallel matches the single-process log within 1e-4 relative (the matrix
#     products round differently over a batch's shares; docs/distributed.md), and resumes from a
#     checkpoint written at another K;
#   - a bad argument is reported once, not K times; train without --data-parallel is refused;
#   - a rank that dies ends the job, non-zero, with the last checkpoint intact.
#   - a rank that fails alone ends the job rather than leave the others waiting for it.
# Usage: cli_test.sh DESCENT MPIEXEC WORK_DIR GROUP_TEST
set -uo pipefail
descent=$1
mpiexec=$2
work=$3
group_test=$4
# Open MPI refuses to run as root without these (containers, CI); docs/distributed.md.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
failed=0
fail() { echo "FAILED: $*" >&2; failed=1; }
run() { # run K OUT ARGS...: descent ARGS --out OUT on K ranks (K = 1: no mpirun)
  local k=$1 out=$2; shift 2
  if [ "$k" = 1 ]; then "$descent" "$@" --out "$out" > "$out.log" 2>&1
  else "$mpiexec" -np "$k" --oversubscribe "$descent" "$@" --out "$out" > "$out.log" 2>&1; fi
  local code=$?
  [ $code = 0 ] || { fail "descent $* on $k rank(s) exited $code:"; cat "$out.log" >&2; }
}
same_files() { # same_files A B [IGNORED_JSON]: every file of A equals B's
  local a=$1 b=$2 loose=${3:-}
  [ "$(cd "$a" && find . -type f | sort)" = "$(cd "$b" && find . -type f | sort)" ] ||
    fail "$a and $b hold different files"
  while IFS= read -r f; do
    if [ "$f" = "./$loose" ]; then
      python3 - "$a/$f" "$b/$f" <<'PY' || fail "$a/$f and $b/$f differ beyond timings and counts"
import json, sys
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if "seconds" not in k and k not in ("threads", "ranks")}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
a, b = (strip(json.load(open(p))) for p in sys.argv[1:])
sys.exit(a != b)
PY
    else
      cmp -s "$a/$f" "$b/$f" || fail "$a/$f and $b/$f differ"
    fi
  done < <(cd "$a" && find . -type f | sort)
}

data=/usr/share/datasets/fashion-mnist
sweep=(sweep --grid lr=1e-3:1:log:48 --grid alpha=0:0.99:lin:40 --starts 2)
tune=(tune -o adam -o momentum -o rmsprop --budget 24 --starts 2 --steps 300)
study=(study tuning --quick --problems valley,rosenbrock,softmax --data "$data" --no-plots)
for k in 1 2 4; do
  run $k sweep$k "${sweep[@]}"
  run $k tune$k "${tune[@]}"
  run $k study$k "${study[@]}"
done
run 1 trained train --data "$data" --hidden 16 --train-limit 600 --test-limit 200 --epochs 3 \
  --batch 100 -o sgd:lr=0.1 -o adam --no-plots
for k in 1 2 4; do
  run $k landscape$k landscape --from trained --grid 9 --images 300 --test-images 100
done
for k in 2 4; do
  same_files sweep1 sweep$k
  same_files tune1 tune$k
  same_files study1 study$k
  same_files landscape1 landscape$k landscape.json
done

# Data-parallel training: the logs agree within 1e-4 relative.
close_logs() { # close_logs A B: the numbers of A/train.csv and B/train.csv
  python3 - "$1/train.csv" "$2/train.csv" <<'PY' || fail "$1/train.csv and $2/train.csv differ by more than 1e-4"
import csv, sys
a, b = (list(csv.reader(open(p))) for p in sys.argv[1:])
ok = len(a) == len(b) and a[0] == b[0]
worst = 0.0
for ra, rb in zip(a[1:], b[1:]):
    ok = ok and ra[:2] == rb[:2]
    for x, y in zip(ra[2:], rb[2:]):
        x, y = float(x), float(y)
        worst = max(worst, abs(x - y) / max(abs(x), abs(y), 1e-300))
print(f"{sys.argv[1]} vs {sys.argv[2]}: worst relative difference {worst:.3g}")
sys.exit(0 if ok and worst <= 1e-4 else 1)
PY
}
dp=(train --data "$data" --hidden 16 --train-limit 1000 --test-limit 200 --batch 100
    -o sgd:lr=0.1 -o adam -o sophia:lr=0.0003 --no-plots --data-parallel)
for k in 1 2 4; do run $k dp$k "${dp[@]}" --epochs 4; done
close_logs dp1 dp2
close_logs dp1 dp4
# Two epochs on 2 ranks, then resumed to four on 4 ranks and on 1.
run 2 resumed4 "${dp[@]}" --epochs 2
cp -r resumed4 resumed1
run 4 resumed4 "${dp[@]}" --epochs 4 --resume
run 1 resumed1 "${dp[@]}" --epochs 4 --resume
close_logs dp1 resumed4
close_logs dp1 resumed1

# Ranks that read different training images (two programs in one job, mpirun's MPMD form): every
# rank stops with the reason, printed once.
"$mpiexec" -np 1 "$descent" "${dp[@]}" --epochs 1 --out differ : \
  -np 1 "$descent" train --data "$data" --hidden 16 --train-limit 900 --test-limit 200 \
  --batch 100 -o sgd:lr=0.1 -o adam --no-plots --data-parallel --epochs 1 --out differ \
  > differ.log 2>&1 && fail "ranks with different training images were not stopped"
[ "$(grep -c 'rank 1 holds other parameters, epochs or training images' differ.log)" = 1 ] ||
  { fail "ranks with different training images: no single reason"; cat differ.log >&2; }

# A bad argument: one message, not one per rank.
"$mpiexec" -np 4 --oversubscribe "$descent" sweep --grid lr=2:1:log:4 --out bad > bad.log 2>&1
[ "$(grep -c '^descent: error' bad.log)" = 1 ] || { fail "a bad argument is not reported once:"; cat bad.log >&2; }
"$mpiexec" -np 2 "$descent" train --data "$data" --train-limit 100 --out refused > refused.log 2>&1 &&
  fail "train under mpirun without --data-parallel was not refused"
grep -q "give --data-parallel" refused.log || fail "train without --data-parallel: no reason given"

# A rank killed in the middle of a training: the job ends, non-zero, the checkpoint still loads.
"$mpiexec" -np 2 "$descent" "${dp[@]}" --epochs 100000 --out killed > killed.log 2>&1 &
job=$!
for _ in $(seq 100); do [ -f killed/checkpoints/optimizer-1.ckpt ] && break; sleep 0.1; done
victim=$(pgrep -f -n -- "descent train .*--out killed") && kill -9 "$victim"
wait $job && fail "the job went on after a rank was killed"
grep -q "exited on signal 9" killed.log || { fail "no message for the killed rank:"; cat killed.log >&2; }
# Resumed from the checkpoint it left, by one process: it continues after the last epoch saved.
saved=$(grep -c '^"sgd' killed/train.csv)
"$descent" "${dp[@]}" --epochs $((saved + 1)) --resume --out killed > resumed.log 2>&1
# (The log may hold one epoch more than the checkpoint, if the kill came between the two.)
grep -Eq "^resumed +sgd.* after epoch ($saved|$((saved - 1)))\$" resumed.log ||
  { fail "the killed run does not resume after its epoch $saved:"; cat resumed.log >&2; }

# A rank that fails alone while rank 0 waits for it in a map: the job ends, saying why.
timeout 120 "$mpiexec" -np 2 "$group_test" alone > alone.log 2>&1
code=$?
[ $code != 0 ] && [ $code != 124 ] || fail "a rank failing alone: exit status $code"
grep -q "rank 1 failed alone" alone.log || { fail "a rank failing alone: no reason given"; cat alone.log >&2; }
grep -q "FAILED" alone.log && { fail "a rank failing alone: the job went on"; cat alone.log >&2; }

[ $failed = 0 ] && echo "passed: sweep, tune, study and landscape files identical at 1, 2 and 4 ranks; data-parallel training within bounds"
exit $failed
