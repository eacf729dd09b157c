"""What the step-by-step comparisons with reference libraries share (torch/compare_torch.py,
optax/compare_optax.py): the test functions as descent evaluates them, their starts, descent's
side of a run, and the error measure.

The gradients are the closed-form expressions descent evaluates, in its order of operations, so
that a reference library given them sees exactly the gradients descent saw at the same points.
"""
import csv
import math
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


class MT19937_64:
    """std::mt19937_64, as the C++ standard defines it ([rand.predef]), for the functions whose
    data descent draws from it."""

    def __init__(self, seed):
        self.mt = [seed & 0xFFFFFFFFFFFFFFFF]
        for i in range(1, 312):
            prev = self.mt[-1]
            self.mt.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & 0xFFFFFFFFFFFFFFFF)
        self.index = 312

    def __call__(self):
        if self.index >= 312:
            for i in range(312):
                x = (self.mt[i] & 0xFFFFFFFF80000000) | (self.mt[(i + 1) % 312] & 0x7FFFFFFF)
                xa = x >> 1
                if x & 1:
                    xa ^= 0xB5026F5AA96619E9
                self.mt[i] = self.mt[(i + 156) % 312] ^ xa
            self.index = 0
        y = self.mt[self.index]
        self.index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        y ^= y >> 43
        return y & 0xFFFFFFFFFFFFFFFF


class MatrixLeastSquares:
    """descent's matrix_least_squares (src/functions/matrix_least_squares.cpp): |A W B - C|_F^2
    over a rows x cols W, its data drawn alike and its gradient summed in the same order."""

    def __init__(self, rows=6, cols=4, kappa=100.0, seed=0):
        self.p, self.q = rows, cols
        rng = MT19937_64(seed)
        unit = lambda: float(rng() >> 11) * 2.0 ** -52 - 1.0  # noqa: E731

        def spread(n, top):
            a = [0.0] * (n * n)
            for i in range(n):
                d = 1.0 if n == 1 else top ** (i / (n - 1))
                for j in range(n):
                    m = unit()
                    a[i * n + j] = d * ((1.0 if i == j else 0.0) + 0.3 * m / math.sqrt(n))
            return a

        self.a = spread(rows, kappa ** 0.25)
        self.b = spread(cols, kappa ** 0.25)
        self.w_star = [unit() for _ in range(rows * cols)]
        self.c = self.product(self.w_star)

    def product(self, x):
        p, q, a, b = self.p, self.q, self.a, self.b
        ax, out = [0.0] * (p * q), [0.0] * (p * q)
        for i in range(p):
            for k in range(p):
                for j in range(q):
                    ax[i * q + j] += a[i * p + k] * x[k * q + j]
        for i in range(p):
            for k in range(q):
                for j in range(q):
                    out[i * q + j] += ax[i * q + k] * b[k * q + j]
        return out

    def __call__(self, x):
        """(loss, gradient) at the row-major point x."""
        p, q, a, b = self.p, self.q, self.a, self.b
        r = self.product(x)
        f = 0.0
        for i in range(len(r)):
            r[i] -= self.c[i]
            f += r[i] * r[i]
        rb = [0.0] * (p * q)
        for i in range(p):
            for k in range(q):
                for j in range(q):
                    rb[i * q + j] += r[i * q + k] * b[j * q + k]
        g = [0.0] * (p * q)
        for k in range(p):
            for i in range(p):
                for j in range(q):
                    g[i * q + j] += 2 * a[k * p + i] * rb[k * q + j]
        return f, g

    def hessian_diagonal(self):
        """The Hessian's diagonal, row-major like the point: 2 (A^T A)[i,i] (B B^T)[j,j], summed
        in descent's order (it does not depend on the point)."""
        p, q, a, b = self.p, self.q, self.a, self.b
        ata = [sum(a[m * p + i] * a[m * p + i] for m in range(p)) for i in range(p)]
        bbt = [sum(b[j * q + m] * b[j * q + m] for m in range(q)) for j in range(q)]
        return [2 * ata[i] * bbt[j] for i in range(p) for j in range(q)]


def descent_matrix_runs(descent, function, steps, specs):
    """Runs `descent` on an n-D function from its default start; returns each spec's rows
    [(w..., loss), ...] in spec order."""
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = os.path.join(tmp, "t.csv")
        cmd = [descent, "run", "--function", function, "--steps", str(steps),
               "--trajectory", csv_path, "--out", tmp, "--no-plots"]
        for s in specs:
            cmd += ["-o", s]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        rows, order = {}, []
        with open(csv_path) as f:
            reader = csv.reader(f)
            header = next(reader)
            coords = [i for i, h in enumerate(header) if h.startswith("w")]
            loss = header.index("loss")
            for r in reader:
                if r[0] not in rows:
                    rows[r[0]] = []
                    order.append(r[0])
                rows[r[0]].append(tuple(float(r[i]) for i in coords) + (float(r[loss]),))
        return [rows[o] for o in order]
