"""What the step-by-step comparisons with reference libraries share (torch/compare_torch.py,
optax/compare_optax.py): the test functions as descent evaluates them, their starts, descent's
side of a run, and the error measure.

The gradients are the closed-form expressions descent evaluates, in its order of operations, so
that a reference library given them sees exactly the gradients descent saw at the same points.
"""
import csv
import os
import subprocess
import tempfile


def aniso(w1, w2):
    loss = w1 * w1 + 8.0 * (w2 * w2)
    return loss, (2 * w1, (2 * 8.0) * w2)


def rosen(x, y):
    t = y - x * x
    u = 1 - x
    loss = 100 * t * t + u * u
    return loss, (-400 * x * t - 2 * u, 200 * t)


# descent's function name: (its loss and gradient, the starts every row runs from)
FUNCTIONS = {
    "anisotropic": (aniso, [(1.0, 1.0), (-1.5, 0.5), (0.3, -1.2)]),
    "rosenbrock": (rosen, [(-1.2, 1.0), (0.5, -0.5), (1.5, 2.0)]),
}


def rel_err(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


def descent_runs(descent, function, start, steps, specs):
    """Runs the program `descent` once for all specs; returns their [(w1, w2, loss), ...] in
    spec order."""
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = os.path.join(tmp, "t.csv")
        cmd = [descent, "run", "--function", function, "--start", f"{start[0]!r},{start[1]!r}",
               "--steps", str(steps), "--trajectory", csv_path, "--out", tmp, "--no-plots"]
        for s in specs:
            cmd += ["-o", s]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        rows, order = {}, []
        with open(csv_path) as f:
            for r in csv.DictReader(f):
                if r["optimizer"] not in rows:
                    rows[r["optimizer"]] = []
                    order.append(r["optimizer"])
                rows[r["optimizer"]].append((float(r["w1"]), float(r["w2"]), float(r["loss"])))
        return [rows[o] for o in order]


def worst(a_rows, b_rows, reference):
    """The largest error between descent's rows `a_rows` and the library `reference`'s."""
    assert len(b_rows) >= len(a_rows), f"{reference} stopped before descent"
    return max((rel_err(x, y) for ra, rb in zip(a_rows, b_rows) for x, y in zip(ra, rb)),
               default=0.0)
