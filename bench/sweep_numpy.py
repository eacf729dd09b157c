#!/usr/bin/env python3
"""The momentum sweep of `descent sweep`, done by vectorized numpy, timed beside descent.

Runs the 256 x 256 (lr, alpha) momentum sweep on the anisotropic bowl w1^2 + 8*w2^2 from (1, 1),
1000 steps per cell, metric steps_to_tol (tol 1e-6), as numpy programs over all 65536 cells at
once:
  - "function": the bowl's value and gradient written with in-place ufuncs (out=...);
  - "expression": the value and gradient evaluated from the expression's text on the arrays.
Each numpy run does what descent does per cell: the momentum update in the seed's velocity form,
the loss at every step, the first step with loss <= tol, and a divergence check (a non-finite
point, loss or gradient ends that cell). The script then runs `descent sweep` on the same cells
(`anisotropic` and the typed expression) at every SIMD level the CPU has (`--simd`), in the same
process tree, checks that every cell's steps_to_tol agrees, and prints, best of --rounds:
  - the engine's time, as descent prints it, and its ratio to numpy;
  - the whole command's wall time (start to exit, writing sweep.csv and sweep.json, no heatmap)
    and its ratio to the engine's time.

Usage: python3 bench/sweep_numpy.py PATH/TO/descent [--rounds 3] [--threads 1]
Exits 77 (skipped) when numpy is missing.
"""
import argparse
import csv
import math
import os
import re
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
except ImportError:
    print("sweep_numpy: numpy is not installed; skipped (apt-get install python3-numpy)")
    sys.exit(77)

LR = (1e-3, 1.0, 256)  # log spacing
ALPHA = (0.0, 0.999, 256)  # linear spacing
STEPS = 1000
TOL = 1e-6
EXPRESSION = "w1^2 + 8*w2^2"


def axis(lo, hi, count, log):
    # The same formula as descent's GridAxis::values: the ends exact, the inside evenly spaced
    # (in log10 for a log axis).
    out = []
    for i in range(count):
        if i == 0:
            out.append(lo)
        elif i + 1 == count:
            out.append(hi)
        else:
            t = i / (count - 1)
            if log:
                out.append(10.0 ** (math.log10(lo) + (math.log10(hi) - math.log10(lo)) * t))
            else:
                out.append(lo + (hi - lo) * t)
    return np.array(out)


def cells():
    lr = axis(*LR, True)
    alpha = axis(*ALPHA, False)
    # Row-major with the last axis (alpha) fastest, as descent writes them.
    return np.repeat(lr, len(alpha)), np.tile(alpha, len(lr))


def sweep_function(lr, alpha):
    """Value and gradient of w1^2 + 8*w2^2 with in-place ufuncs."""
    n = lr.size
    w1 = np.ones(n)
    w2 = np.ones(n)
    v1 = np.zeros(n)
    v2 = np.zeros(n)
    g1 = np.empty(n)
    g2 = np.empty(n)
    loss = np.empty(n)
    tmp = np.empty(n)
    bad = np.empty(n, dtype=bool)
    tmpb = np.empty(n, dtype=bool)
    alive = np.ones(n, dtype=bool)
    reached = np.full(n, -1.0)
    for k in range(STEPS + 1):
        np.multiply(w1, 2.0, out=g1)
        np.multiply(w2, 16.0, out=g2)
        np.multiply(w1, w1, out=loss)
        np.multiply(w2, w2, out=tmp)
        np.multiply(tmp, 8.0, out=tmp)
        np.add(loss, tmp, out=loss)
        # Non-finite anywhere in the point, the loss or the gradient ends the cell.
        np.subtract(loss, loss, out=tmp)
        np.add(tmp, g1, out=tmp)
        np.add(tmp, g2, out=tmp)
        np.add(tmp, w1, out=tmp)
        np.add(tmp, w2, out=tmp)
        np.isfinite(tmp, out=bad)
        np.logical_and(alive, bad, out=alive)
        # The first step within tol.
        np.less_equal(loss, TOL, out=bad)
        np.less(reached, 0.0, out=tmpb)
        np.logical_and(bad, tmpb, out=bad)
        np.logical_and(bad, alive, out=bad)
        reached[bad] = k
        if k == STEPS:
            break
        # v <- alpha*v + lr*g; w <- w - v
        np.multiply(v1, alpha, out=v1)
        np.multiply(lr, g1, out=tmp)
        np.add(v1, tmp, out=v1)
        np.subtract(w1, v1, out=w1)
        np.multiply(v2, alpha, out=v2)
        np.multiply(lr, g2, out=tmp)
        np.add(v2, tmp, out=v2)
        np.subtract(w2, v2, out=w2)
    return np.where(alive & (reached >= 0), reached, np.inf)


def sweep_expression(lr, alpha):
    """The same, with the value and gradient evaluated from the expression's text."""
    value = compile(EXPRESSION.replace("^", "**"), "<value>", "eval")
    gradient = [compile("2*w1", "<g1>", "eval"), compile("16*w2", "<g2>", "eval")]
    n = lr.size
    env = {"w1": np.ones(n), "w2": np.ones(n)}
    v = [np.zeros(n), np.zeros(n)]
    alive = np.ones(n, dtype=bool)
    reached = np.full(n, -1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(STEPS + 1):
            loss = eval(value, {}, env)
            g = [eval(gradient[0], {}, env), eval(gradient[1], {}, env)]
            finite = np.isfinite(loss - loss + g[0] + g[1] + env["w1"] + env["w2"])
            alive &= finite
            hit = alive & (reached < 0) & (loss <= TOL)
            reached[hit] = k
            if k == STEPS:
                break
            for i, name in enumerate(("w1", "w2")):
                v[i] *= alpha
                v[i] += lr * g[i]
                env[name] -= v[i]
    return np.where(alive & (reached >= 0), reached, np.inf)


def descent_sweep(binary, function, threads, level, out):
    cmd = [binary, "sweep", "--function", function, "--start", "1,1", "-o", "momentum",
           "--grid", "lr=%g:%g:log:%d" % LR, "--grid", "alpha=%g:%g:lin:%d" % ALPHA,
           "--steps", str(STEPS), "--tol", str(TOL), "--no-plots", "--out", out,
           "--simd", level]
    if threads:
        cmd += ["--threads", str(threads)]
    t0 = time.perf_counter()
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - t0
    m = re.search(r"steps\), ([0-9.]+) s on", text)
    if not m:
        sys.exit("sweep_numpy: could not read the time from: " + text)
    with open(os.path.join(out, "sweep.csv")) as f:
        rows = list(csv.DictReader(f))
    steps = np.array([float(r["steps_to_tol"]) for r in rows])
    return float(m.group(1)), wall, steps


def levels(binary):
    """The SIMD levels this CPU runs, widest first (descent refuses the others)."""
    out = []
    for level in ("avx512", "avx2", "sse2"):
        probe = subprocess.run([binary, "sweep", "--grid", "lr=0.1:0.1:lin:1", "--steps", "1",
                                "--no-plots", "--simd", level, "--out",
                                tempfile.mkdtemp(prefix="sweep-probe-")],
                               capture_output=True, text=True)
        if probe.returncode == 0:
            out.append(level)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("descent", help="path to the descent program")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="descent's threads (default: all)")
    args = ap.parse_args()
    lr, alpha = cells()
    best = {}
    wall = {}
    results = {}
    simd = levels(args.descent)
    with tempfile.TemporaryDirectory() as tmp, np.errstate(over="ignore", invalid="ignore"):
        for _ in range(args.rounds):
            for name, fn in (("numpy function", sweep_function),
                             ("numpy expression", sweep_expression)):
                t0 = time.perf_counter()
                results[name] = fn(lr, alpha)
                best[name] = min(best.get(name, math.inf), time.perf_counter() - t0)
            for level in simd:
                for kind, function in (("anisotropic", "anisotropic"), ("expression", EXPRESSION)):
                    name = "descent %s %s" % (kind, level)
                    seconds, whole, steps = descent_sweep(args.descent, function, args.threads,
                                                          level, tmp)
                    results[name] = steps
                    best[name] = min(best.get(name, math.inf), seconds)
                    wall[name] = min(wall.get(name, math.inf), whole)
    print("256 x 256 momentum sweep, %d steps per cell, best of %d rounds, %s thread(s)"
          % (STEPS, args.rounds, args.threads or "all"))
    print("  %-28s %8.3f s" % ("numpy function", best["numpy function"]))
    print("  %-28s %8.3f s" % ("numpy expression", best["numpy expression"]))
    print("  %-28s %8s   %8s   %12s   %s" % ("descent", "engine", "vs numpy", "whole command",
                                            "vs engine"))
    for level in simd:
        for kind, reference in (("anisotropic", "numpy function"),
                                ("expression", "numpy expression")):
            name = "descent %s %s" % (kind, level)
            print("  %-28s %8.4f s %7.1fx   %10.4f s   %6.2fx"
                  % (name, best[name], best[reference] / best[name], wall[name],
                     wall[name] / best[name]))
    agree = [np.array_equal(results["numpy function"], results[k]) for k in results]
    print("every cell's steps_to_tol agrees across all runs: %s" % ("yes" if all(agree) else "NO"))
    return 0 if all(agree) else 1


if __name__ == "__main__":
    sys.exit(main())
