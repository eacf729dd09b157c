#!/usr/bin/env python3
"""torch.optim.Adam against descent's adam on one large float32 tensor, measured in one run.

    python3 bench/torch_adam.py build/release/apps/descent [--size 64M] [--rounds 5]

Each round times torch.optim.Adam (default settings, one tensor) for at least --min-time seconds,
once with torch's default thread count and once with every hardware thread, then runs
`descent bench --optimizers adam` for one round with 1 thread and with every thread. The medians
over the rounds are printed with their ratios. Exits 77 (skipped) when torch is not installed.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def parse_size(text):
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1].upper(), 1)
    return int(text[:-1] if scale > 1 else text) * scale


def time_torch(torch, n, threads, min_time):
    torch.set_num_threads(threads)
    p = torch.nn.Parameter(torch.full((n,), 0.5, dtype=torch.float32))
    p.grad = torch.linspace(-0.1, 0.1, n, dtype=torch.float32)
    opt = torch.optim.Adam([p])
    opt.step()  # first touch of the state
    start, calls = time.perf_counter(), 0
    while True:
        opt.step()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return 1e3 * elapsed / calls


def time_descent(cli, size, threads, min_time):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bench.json")
        subprocess.run([cli, "bench", "--optimizers", "adam", "--size", str(size), "--threads",
                        str(threads), "--repeat", "1", "--min-time", str(min_time), "--json", out],
                       check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            row = json.load(f)["results"][0]
    return row["ms_per_step"], row["triad_ms"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("descent")
    ap.add_argument("--size", default="64M")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.5)
    args = ap.parse_args()
    try:
        import torch
    except ImportError:
        print("torch_adam: python3-torch is not installed; skipping")
        return 77
    n = parse_size(args.size)
    hw = os.cpu_count() or 1
    default_threads = torch.get_num_threads()
    rows = {}
    for r in range(args.rounds):
        for t in sorted({default_threads, hw}):
            rows.setdefault(f"torch.optim.Adam, {t} thread(s)", []).append(
                time_torch(torch, n, t, args.min_time))
        for t in sorted({1, hw}):
            ms, triad = time_descent(args.descent, n, t, args.min_time)
            rows.setdefault(f"descent adam, {t} thread(s)", []).append(ms)
            rows.setdefault(f"descent triad, {t} thread(s)", []).append(triad)
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    gb = 28 * n / 1e9  # ideal bytes of one Adam step on float32
    print(f"torch {torch.__version__} (default threads {default_threads}), {n} float32 "
          f"parameters, medians of {args.rounds} rounds")
    print(f"{'':34} {'ms/step':>9} {'GB/s':>7}")
    med = {k: statistics.median(v) for k, v in rows.items()}
    for k, v in med.items():
        print(f"{k:34} {v:9.2f} {gb / (v / 1e3) if 'triad' not in k else 12 * n / 1e9 / (v / 1e3):7.2f}")
    best_torch = min(v for k, v in med.items() if k.startswith("torch"))
    for t in sorted({1, hw}):
        print(f"speed-up of descent adam ({t} thread(s)) over torch's fastest: "
              f"{best_torch / med[f'descent adam, {t} thread(s)']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
