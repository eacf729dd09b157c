#!/usr/bin/env python3
"""descent train against PyTorch on Fashion-MNIST: the same model, initialization scheme, batch
size, optimizers and epochs, timed side by side.

Both train the MLP 784-256-128-10 (ReLU; torch.nn.Linear's default initialization, which descent's
Mlp::initialize draws too: every weight and bias uniform in +-1/sqrt(fan_in)) with batch 128 and a
fresh shuffle every epoch, for each of SGD (lr 0.1), momentum (lr 0.05, 0.9), RMSProp (lr 1e-3,
alpha 0.99) and Adam (lr 1e-3), evaluating the 10,000 test images after every epoch. An epoch's
time is its training pass plus that evaluation, on both sides. The script prints each optimizer's
best test accuracy on each side and the median seconds per epoch.

Torch uses the system BLAS (libblas.so.3): install Debian's libopenblas0 first, or torch runs
about 15x slower and the timing means nothing; the script prints which BLAS it found. --threads N
gives both sides N threads for the matrix products: OpenBLAS's thread count for torch (which
otherwise uses one per core whatever torch.set_num_threads says) and descent's --threads. Torch's
own operations stay on one thread (torch.set_num_threads(1)), its fastest setting here: with two
threads of its own next to OpenBLAS's, an epoch took five times longer.

Usage: python3 bench/train_torch.py PATH/TO/descent [--threads 1] [--epochs 10] [--rounds 1]
       [--data DIR]
Exits 77 (skipped) when torch or numpy is missing.
"""
import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def _threads_from_argv():
    # OpenBLAS reads its thread count when it is loaded, so it is set before torch is imported.
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "1"


os.environ["OPENBLAS_NUM_THREADS"] = _threads_from_argv()
try:
    import numpy as np
    import torch
except ImportError:
    print("train_torch: torch or numpy is not installed; skipped "
          "(apt-get install python3-torch python3-numpy)")
    sys.exit(77)

OPTIMIZERS = [
    ("sgd:lr=0.1", lambda p: torch.optim.SGD(p, lr=0.1)),
    ("momentum:lr=0.05,alpha=0.9", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    ("rmsprop:lr=0.001,beta=0.99", lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.99)),
    ("adam:lr=0.001", lambda p: torch.optim.Adam(p, lr=1e-3)),
]


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(folder):
    def find(name):
        for candidate in (name, name + ".gz"):
            if os.path.exists(os.path.join(folder, candidate)):
                return os.path.join(folder, candidate)
        sys.exit("train_torch: %s has no %s" % (folder, name))
    x = {s: read_idx(find("%s-images-idx3-ubyte" % s)) for s in ("train", "t10k")}
    y = {s: read_idx(find("%s-labels-idx1-ubyte" % s)) for s in ("train", "t10k")}
    to_x = lambda a: torch.from_numpy(a.reshape(len(a), -1).astype(np.float32) / 255.0)
    to_y = lambda a: torch.from_numpy(a.astype(np.int64))
    return to_x(x["train"]), to_y(y["train"]), to_x(x["t10k"]), to_y(y["t10k"])


def torch_run(make, data, epochs, batch, seed):
    xtr, ytr, xte, yte = data
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    opt = make(model.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()
    accuracies, seconds = [], []
    for _ in range(epochs):
        t0 = time.perf_counter()
        order = torch.randperm(len(xtr))
        model.train()
        for first in range(0, len(xtr), batch):
            idx = order[first:first + batch]
            opt.zero_grad()
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            correct = (model(xte).argmax(1) == yte).sum().item()
        seconds.append(time.perf_counter() - t0)
        accuracies.append(correct / len(xte))
    return max(accuracies), statistics.median(seconds)


def descent_run(binary, spec, data_dir, epochs, batch, threads, seed):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([binary, "train", "--data", data_dir, "--epochs", str(epochs),
                        "--batch", str(batch), "--threads", str(threads), "--seed", str(seed),
                        "-o", spec, "--out", out, "--no-plots"],
                       check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(out, "train.json")) as f:
            run = json.load(f)["runs"][0]
    return run["best_test_accuracy"], statistics.median(run["seconds_per_epoch_this_run"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("descent", help="path to the descent program")
    ap.add_argument("--threads", type=int, default=1, help="threads on both sides (default 1)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--rounds", type=int, default=1,
                    help="train each optimizer this many times on each side, alternating, and "
                         "keep the fastest median epoch (this machine's speed drifts)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    print("torch %s; %d BLAS thread(s) on both sides (OPENBLAS_NUM_THREADS=%s); system BLAS %s"
          % (torch.__version__, args.threads, os.environ["OPENBLAS_NUM_THREADS"], blas))
    data = load(args.data)
    print("%-28s %12s %12s %8s %12s %12s %8s" % ("optimizer", "torch best", "descent best",
                                                 "diff", "torch s/ep", "descent s/ep", "speed"))
    worst = 0.0
    for spec, make in OPTIMIZERS:
        ts = ds = float("inf")
        for _ in range(args.rounds):
            ta, t = torch_run(make, data, args.epochs, args.batch, args.seed)
            da, d = descent_run(args.descent, spec, args.data, args.epochs, args.batch,
                                args.threads, args.seed)
            ts, ds = min(ts, t), min(ds, d)
        worst = max(worst, abs(da - ta))
        print("%-28s %11.2f%% %11.2f%% %+7.2f %12.3f %12.3f %7.2fx" % (
            spec, 100 * ta, 100 * da, 100 * (da - ta), ts, ds, ts / ds))
    print("largest accuracy difference: %.2f points" % (100 * worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
