"""The Python package against torch.optim and against descent's own C++ step.

1. The overhead of a call: descent.Adam().step on a 10-element float64 numpy array, against the
   same step in C++ (descent._descent.bench_step, timed inside the module), 200,000 calls each.
2. descent.torch.Adam against torch.optim.Adam (foreach off and on, and fused where the installed
   torch has it for the CPU) on one tensor of 64M float32 values and on a model of 100 tensors of
   640k values, at 1 and 2 threads, with a triad (a = b + s*c in one pass of torch.add: three
   streams) as the memory system's reference in the same run. Adam moves 7 streams per value (reads p, g, m, v; writes
   p, m, v) against the triad's 3, so its bandwidth is 7 * 4 bytes * n per step.

    .venv-py/bin/python bench/python_step.py [--repeat 5]
"""
import argparse
import statistics
import time
import timeit

import numpy as np
import torch

import descent
import descent.torch as dt
from descent import _descent

parser = argparse.ArgumentParser()
parser.add_argument("--repeat", type=int, default=5)
parser.add_argument("--values", type=int, default=64 * 2**20)
args = parser.parse_args()


def overhead():
    calls = 200_000
    w, g = np.ones(10), np.full(10, 1e-3)
    opt = descent.Adam(lr=1e-3)
    opt.step(w, g)
    py = min(timeit.repeat(lambda: opt.step(w, g), number=calls, repeat=args.repeat)) / calls
    cpp = min(_descent.bench_step("adam:lr=0.001", 10, calls) for _ in range(args.repeat))
    print(f"descent.Adam.step on 10 float64 values: {py * 1e6:.3f} us per call from Python, "
          f"{cpp * 1e6:.3f} us in C++: {(py - cpp) * 1e6:.3f} us of overhead")


def triad(n):
    b, c = torch.ones(n), torch.ones(n)
    a = torch.empty(n)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        torch.add(b, c, alpha=0.5, out=a)  # one pass: reads b and c, writes a
        times.append(time.perf_counter() - t0)
    return 3 * 4 * n / min(times)


def adam_time(make, tensors):
    params = [torch.nn.Parameter(torch.zeros(t)) for t in tensors]
    for p in params:
        p.grad = torch.full_like(p, 1e-3)
    opt = make(params)
    opt.step()
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        opt.step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def adams():
    n = args.values
    layouts = {"one tensor of %dM" % (n // 2**20): [n], "100 tensors": [n // 100] * 100}
    variants = {"descent.torch.Adam": lambda p: dt.Adam(p, lr=1e-3),
                "torch Adam (for-loop)": lambda p: torch.optim.Adam(p, lr=1e-3, foreach=False),
                "torch Adam (foreach)": lambda p: torch.optim.Adam(p, lr=1e-3, foreach=True)}
    try:
        torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], fused=True)
        variants["torch Adam (fused)"] = lambda p: torch.optim.Adam(p, lr=1e-3, fused=True)
    except (TypeError, RuntimeError, ValueError):
        pass
    print(f"\ntorch {torch.__version__}; Adam on {n} float32 values, median of {args.repeat} steps")
    for threads in (1, 2):
        torch.set_num_threads(threads)
        descent.set_threads(threads)
        bw = triad(n)
        print(f"\n{threads} thread(s): triad {bw / 1e9:.1f} GB/s")
        for layout, tensors in layouts.items():
            times = {name: adam_time(make, tensors) for name, make in variants.items()}
            best = min(t for name, t in times.items() if name != "descent.torch.Adam")
            for name, t in times.items():
                print(f"  {layout:18s} {name:24s} {t * 1e3:8.1f} ms  {7 * 4 * n / t / 1e9:5.1f} GB/s"
                      f"  {best / t:5.2f}x the fastest torch")


overhead()
adams()
