"""descent on numpy arrays: every optimizer's step against the C++ runner bit for bit, parameter
groups, state round trips, the laboratory's calls, and the errors."""
import subprocess
import sys

import numpy as np
import pytest

import descent

# The methods that step from a gradient (and the loss) alone: all but L-BFGS, whose line search
# evaluates the objective again. (Wrappers take a method after a '/': tested below.)
STEPPERS = [o["name"] for o in descent._CATALOG
            if o["family"] != "wrapper" and o["evaluations_per_step"] == 1]
READS_HESSIAN = {o["name"] for o in descent._CATALOG if o["reads_hessian_diagonal"]}


def valley(w):
    """The seed's valley w1^2 + 8 w2^2 and its gradient, as descent computes them."""
    return w[0] * w[0] + 8.0 * (w[1] * w[1]), np.array([2.0 * w[0], 16.0 * w[1]])


def test_the_catalog_is_covered():
    assert {"sgd", "momentum", "rmsprop", "adam", "lion", "prodigy", "cocob"} <= set(STEPPERS)
    assert len(STEPPERS) >= 30


@pytest.mark.parametrize("name", STEPPERS + ["lookahead/adam", "ema/sgd", "cautious/adamw"])
def test_numpy_steps_equal_the_cpp_run_bit_for_bit(name):
    steps = 30
    run = descent.run("anisotropic", [name], steps=steps, start=[1.0, 1.0])["results"][0]
    points = run["points"]
    w = np.array([1.0, 1.0])
    opt = descent.optimizer(name)
    # The valley's exact Hessian diagonal, for the methods that read it (as the runner gives it).
    diagonal = (lambda x: np.array([2.0, 16.0])) if name in READS_HESSIAN else None
    for k in range(1, len(points)):
        loss, g = valley(w)
        opt.step(w, g, loss, hessian_diagonal=diagonal)
        assert np.array_equal(w, points[k]), f"{name} step {k}: {w} != {points[k]}"
    assert opt.dtype == "float64"


def test_float32_arrays_step_in_float32():
    w32 = np.array([1.0, 1.0], dtype=np.float32)
    w64 = np.array([1.0, 1.0])
    a, b = descent.Adam(lr=0.1), descent.Adam(lr=0.1)
    for _ in range(20):
        a.step(w32, np.array([2 * w32[0], 16 * w32[1]], dtype=np.float32))
        b.step(w64, valley(w64)[1])
    assert a.dtype == "float32" and w32.dtype == np.float32
    np.testing.assert_allclose(w32, w64, rtol=1e-5, atol=1e-6)


def test_a_list_of_arrays_steps_as_one_vector():
    rng = np.random.default_rng(0)
    parts = [rng.normal(size=(3, 4)), rng.normal(size=5)]
    whole = np.concatenate([p.ravel() for p in parts])
    a, b = descent.optimizer("adamw:lr=0.01,weight_decay=0.1"), descent.optimizer("adamw:lr=0.01,weight_decay=0.1")
    for _ in range(10):
        grads = [2 * p for p in parts]
        a.step(parts, grads)
        b.step(whole, 2 * whole)
    np.testing.assert_array_equal(np.concatenate([p.ravel() for p in parts]), whole)


def newton_schulz(x, steps=5, eps=1e-8):
    """Muon's quintic Newton-Schulz iteration, transcribed (on the wide orientation)."""
    tall = x.shape[0] > x.shape[1]
    w = x.T if tall else x
    w = w / (np.linalg.norm(w) + eps)
    for _ in range(steps):
        gram = w @ w.T
        w = 3.4445 * w + (-4.7750 * gram + 2.0315 * gram @ gram) @ w
    return w.T if tall else w


def test_layerwise_methods_see_each_arrays_shape():
    # Muon steps each array as a matrix (a vector as n x 1): a numpy transcription of its rule
    # (nesterov, bias-corrected), 10 steps with a state_dict round trip after the fifth.
    rng = np.random.default_rng(1)
    parts = [rng.normal(size=(4, 6)), rng.normal(size=(6, 3)), rng.normal(size=6)]
    ref = [p.copy() if p.ndim == 2 else p.reshape(-1, 1).copy() for p in parts]
    moms = [np.zeros_like(r) for r in ref]
    lr, beta = 0.02, 0.95
    opt = descent.optimizer("muon")
    for t in range(1, 11):
        grads = [2 * p + 0.1 for p in parts]
        opt.step(parts, grads)
        for k, r in enumerate(ref):
            g = 2 * r + 0.1
            moms[k] = beta * moms[k] + (1 - beta) * g
            u = beta * moms[k] / (1 - beta ** (t + 1)) + (1 - beta) * g / (1 - beta**t)
            r -= lr * np.sqrt(max(1.0, r.shape[0] / r.shape[1])) * newton_schulz(u)
        if t == 5:
            saved = opt.state_dict()
            assert saved["shapes"] == [(4, 6), (6, 3), (6, 1)]
            opt = descent.optimizer("muon")
            opt.load_state_dict(saved)
    for p, r in zip(parts, ref):
        np.testing.assert_allclose(p.reshape(r.shape), r, rtol=1e-11, atol=1e-13)
    # Arrays shaped otherwise than at the first step are refused, not stepped as something else.
    with pytest.raises(ValueError, match="not shaped as at the first step"):
        opt.step([parts[0].reshape(6, 4), parts[1], parts[2]], [2 * parts[0].reshape(6, 4),
                                                             2 * parts[1], 2 * parts[2]])
    one = descent.optimizer("lookahead/muon")
    one.step(parts[0], 2 * parts[0])
    with pytest.raises(ValueError, match="not shaped as at the first step"):
        one.step(parts[0].reshape(6, 4), 2 * parts[0].reshape(6, 4))


def test_the_hessian_diagonal_is_read_through_a_function():
    assert READS_HESSIAN == {"sophia"}
    opt = descent.optimizer("sophia:update_every=2")
    w = np.array([1.0, 1.0])
    with pytest.raises(ValueError, match="pass hessian_diagonal=f"):
        opt.step(w, valley(w)[1])
    seen = []

    def diagonal(x):
        seen.append(x.copy())
        return [2.0, 16.0]

    for k in range(5):
        assert opt.reads_hessian_diagonal_next == (k % 2 == 0)  # said before steps 1, 3 and 5
        opt.step(w, valley(w)[1], hessian_diagonal=diagonal)
    assert len(seen) == 3  # steps 1, 3 and 5
    assert not opt.reads_hessian_diagonal_next
    assert not descent.optimizer("adam").reads_hessian_diagonal_next
    assert descent.optimizer("hidden=sophia rest=adamw").reads_hessian_diagonal_next  # unsure yet
    opt.step(w, valley(w)[1], hessian_diagonal=diagonal)
    assert len(seen) == 3  # step 6 does not read it
    with pytest.raises(ValueError, match="gave 1 values for a point of 2"):
        opt.step(w, valley(w)[1], hessian_diagonal=lambda x: [1.0])  # step 7 reads it
    with pytest.raises(ZeroDivisionError):
        descent.optimizer("sophia").step(w, valley(w)[1], hessian_diagonal=lambda x: 1 / 0)
    # A refused first step leaves the optimizer unstarted; the function may not use it meanwhile.
    fresh = descent.optimizer("sophia")
    with pytest.raises(ValueError, match="pass hessian_diagonal=f"):
        fresh.step(w.astype(np.float32), valley(w)[1].astype(np.float32))
    assert fresh.dtype == ""
    with pytest.raises(ValueError, match="must not use it"):
        fresh.step(w, valley(w)[1], hessian_diagonal=lambda x: [fresh.lr, 1.0])
    # With maximize, the method minimizes -f: the diagonal it is given is negated.
    up = descent.optimizer("sophia:maximize=true,beta1=0,beta2=0,weight_decay=0,update_every=1")
    v = np.array([0.001, 0.001])
    for _ in range(2):
        up.step(v, -valley(v)[1], hessian_diagonal=lambda x: [-2.0, -16.0])  # f = -valley
    np.testing.assert_allclose(v, [0.0, 0.0], atol=1e-17)  # Newton's step on -f, as on f


def test_state_dict_round_trip_continues_exactly():
    w = np.array([1.0, 1.0])
    opt = descent.Adam(lr=0.05, beta1=0.8)
    for _ in range(5):
        opt.step(w, valley(w)[1])
    saved, at = opt.state_dict(), w.copy()
    for _ in range(5):
        opt.step(w, valley(w)[1])
    again = descent.optimizer(opt.spec)
    again.load_state_dict(saved)
    for _ in range(5):
        again.step(at, valley(at)[1])
    np.testing.assert_array_equal(at, w)
    assert saved["spec"] == "adam:lr=0.05,beta1=0.8,beta2=0.999,eps=1e-08,weight_decay=0,amsgrad=false"
    assert set(saved["state"]) >= {"exp_avg", "exp_avg_sq", "step"}


def test_lr_changes_between_steps():
    w = np.array([1.0])
    opt = descent.SGD(lr=0.1)
    opt.step(w, np.array([1.0]))
    opt.lr = 0.5
    opt.step(w, np.array([1.0]))
    assert w[0] == pytest.approx(1.0 - 0.1 - 0.5, abs=0)
    assert opt.lr == 0.5


@pytest.mark.parametrize("make, message", [
    (lambda: descent.optimizer("adamx"), "unknown optimizer 'adamx'"),
    (lambda: descent.Adam(lr=-1), "lr"),
    (lambda: descent.Adam(betaa=0.9), "unknown key 'betaa'"),
    (lambda: descent.run("nowhere", ["sgd"]), "nowhere"),
    (lambda: descent.run("anisotropic", ["sgd"], steps=-1), "steps"),
    (lambda: descent.sweep(["lr=1:0:lin:4"]), "lr"),
    (lambda: descent.Adam(lr="0.5,beta1=0.1"), "lr: '0.5,beta1=0.1' is not one value"),
    (lambda: descent.Muon().step(np.ones((3, 2)), np.ones((2, 3))),
     r"parameter array 0 has shape \(3, 2\) and its gradient \(2, 3\)"),
])
def test_bad_input_raises_the_programs_message(make, message):
    with pytest.raises(descent.DescentError, match=message):
        make()


def test_bad_arrays_are_refused_with_a_message():
    opt = descent.SGD(lr=0.1)
    with pytest.raises(descent.DescentError, match="float32 or float64"):
        opt.step(np.array([1, 2]), np.array([1, 2]))
    with pytest.raises(descent.DescentError, match="2 values and its gradient 3"):
        opt.step(np.zeros(2), np.zeros(3))
    with pytest.raises(descent.DescentError, match="C-contiguous"):
        opt.step(np.zeros((4, 4))[:, 1], np.zeros(4))
    opt.step(np.zeros(2), np.zeros(2))
    with pytest.raises(descent.DescentError, match="3 values where the optimizer holds 2"):
        opt.step(np.zeros(3), np.zeros(3))
    with pytest.raises(descent.DescentError, match="steps float64 arrays, not float32"):
        opt.step(np.zeros(2, dtype=np.float32), np.zeros(2, dtype=np.float32))
    opt.reset()
    opt.step(np.zeros(3, dtype=np.float32), np.zeros(3, dtype=np.float32))
    # An array of no elements steps as nothing, also for a method whose products need both sides.
    for spec in ("shampoo", "shampoo:blocked=true,max_dim=2", "soap", "muon"):
        descent.optimizer(spec).step([np.ones((3, 0)), np.ones((2, 2))],
                                     [np.ones((3, 0)), np.ones((2, 2))])


def test_the_seed_experiment_in_a_few_lines():
    r = descent.run("anisotropic", ["sgd:lr=0.1", "momentum:lr=0.1,alpha=0.9", "rmsprop:lr=0.1,beta=0.9"],
                    steps=50, start=[1, 1])
    sgd, momentum, rmsprop = r["results"]
    assert sgd["points"].shape == (51, 2)
    assert sgd["metrics"]["steps_to_tol"] == 31 and rmsprop["metrics"]["steps_to_tol"] == 19
    assert momentum["metrics"]["steps_to_tol"] is None
    png = r._repr_png_()
    assert png.startswith(b"\x89PNG")
    assert r.figure("surface3d", "svg").lstrip().startswith(b"<?xml")


def test_sweep_analyze_tuning_and_surface():
    s = descent.sweep(["lr=0.01:0.3:lin:4", "alpha=0:0.9:lin:3"], steps=100)
    assert s["median"].shape == (4, 3)
    a = descent.analyze("anisotropic")
    np.testing.assert_array_equal(a["eigenvalues"], [2.0, 16.0])
    t = descent.tuning(["sgd", "cocob"], points=5, steps=50)
    assert t["curves"][0]["score"].shape == (5,)
    f = descent.surface("rosenbrock", resolution=11)
    assert np.asarray(f["z"]).shape == (11, 11)
    assert any(e["name"] == "adam" for e in descent.optimizers())
    assert any(e["name"] == "rosenbrock" for e in descent.functions())


def test_docstrings_come_from_the_registry():
    assert "Kingma" in descent.Adam.__doc__
    assert "lr = 0.001" in descent.Adam.__doc__
    assert descent.RMSprop._name == "rmsprop" and descent.SGD._name == "sgd"


def test_imports_without_torch():
    code = "import sys; sys.modules['torch'] = None; import descent; print(descent.Adam(lr=0.1).spec)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("adam:lr=0.1")


def test_the_example_notebook_runs():
    """examples/python/descent.ipynb, executed cell by cell (its cells assert what they show)."""
    pytest.importorskip("torch")
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python" / "descent.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the run drew itself


def test_a_failed_load_leaves_the_state_and_the_lr_round_trips():
    w = np.ones(5)
    opt = descent.Momentum(lr=0.1)
    opt.step(w, w.copy())
    opt.lr = 0.5
    good = opt.state_dict()
    assert good["lr"] == 0.5
    bad = dict(good, state={})
    with pytest.raises(ValueError, match="the state lacks"):
        opt.load_state_dict(bad)
    with pytest.raises(ValueError, match="not one that state_dict"):
        opt.load_state_dict(dict(good, state={"velocity": [1, 2]}, size="x"))
    assert opt.state_dict()["size"] == 5 and opt.lr == 0.5
    again = descent.optimizer(opt.spec)
    again.load_state_dict(good)
    assert again.lr == 0.5


def test_a_state_with_a_bad_rate_is_refused():
    w = np.ones(3)
    opt = descent.SGD(lr=0.1)
    opt.step(w, np.ones(3))
    for lr in (-1.0, float("nan"), float("inf")):
        with pytest.raises(descent.DescentError, match="lr: must be a number >= 0"):
            opt.load_state_dict(dict(opt.state_dict(), lr=lr))
    assert opt.lr == 0.1


def test_a_copy_or_a_pickle_steps_on_as_the_original():
    import copy
    import pickle
    w = np.array([1.0, 1.0])
    opt = descent.Adam(lr=0.05, amsgrad=np.True_)  # a numpy bool is a setting too
    for _ in range(3):
        opt.step(w, valley(w)[1])
    twins = [copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))]
    points = [w.copy(), w.copy()]
    for _ in range(3):
        opt.step(w, valley(w)[1])
        for twin, x in zip(twins, points):
            twin.step(x, valley(x)[1])
    for twin, x in zip(twins, points):
        assert twin.spec == opt.spec and "amsgrad=true" in twin.spec
        np.testing.assert_array_equal(x, w)


def test_read_only_arrays_and_the_loss_of_a_list():
    ro = np.ones(3)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        descent.SGD(lr=0.1).step(ro, np.ones(3))
    # Polyak's step uses the loss; with a list of arrays it steps them as one vector.
    u, v = np.array([1.0, 2.0]), np.array([3.0])
    whole = np.array([1.0, 2.0, 3.0])
    a, b = descent.optimizer("polyak"), descent.optimizer("polyak")
    a.step([u, v], [2 * u, 2 * v], loss=14.0)
    b.step(whole, 2 * whole, loss=14.0)
    np.testing.assert_array_equal(np.concatenate([u, v]), whole)


def test_a_python_function_runs_as_the_registrys_does():
    def valley_fn(w):
        return valley(w)

    mine = descent.run(valley_fn, ["momentum:lr=0.1", "adam:lr=0.1"], steps=40, start=[1.0, 1.0])
    theirs = descent.run(descent.functions.anisotropic(ratio=8), ["momentum:lr=0.1", "adam:lr=0.1"],
                         steps=40, start=[1.0, 1.0])
    for a, b in zip(mine["results"], theirs["results"]):
        np.testing.assert_array_equal(a["points"], b["points"])
        assert a["metrics"]["steps_to_tol"] == b["metrics"]["steps_to_tol"]
    assert mine["function"] == "valley_fn" and mine._repr_png_() is None
    assert descent.functions.anisotropic(ratio=30, angle=45) == "anisotropic:ratio=30,angle=45"
    assert "rosenbrock" in dir(descent.functions)
    with pytest.raises(AttributeError):
        descent.functions.nowhere
    with pytest.raises(ValueError, match="needs a start"):
        descent.run(valley_fn, ["sgd"])
    with pytest.raises(ValueError, match="must return \\(value, gradient\\)"):
        descent.run(lambda w: 1.0, ["sgd"], start=[0.0])
    with pytest.raises(ZeroDivisionError):  # the function's own error, unchanged
        descent.run(lambda w: (1 / 0, w), ["sgd"], start=[0.0])


def test_tune_answers_as_descent_tune_writes():
    t = descent.tune(["sgd", "adam"], function="rosenbrock", budget=8, steps=200)
    assert len(t["leaderboard"]) == 2 and t["runs"] == 16
    assert [o["optimizer"].split(":")[0] for o in t["optimizers"]] == ["sgd", "adam"]
    assert len(t["optimizers"][1]["trials"]) == 8
    assert t["optimizers"][0]["space"][0]["key"] == "lr"
    with pytest.raises(ValueError, match="budget"):
        descent.tune(["sgd"], budget=0)


def test_figures_are_written_to_files(tmp_path):
    r = descent.run("rosenbrock", ["adam:lr=0.05"], steps=30)
    svg = tmp_path / "paths.svg"
    data = r.figure("contour", path=str(svg))
    assert svg.read_bytes() == data and data.lstrip().startswith(b"<?xml")
    assert descent.figure(r, "animation", path=str(tmp_path / "race.gif")).startswith(b"GIF8")
    with pytest.raises(ValueError, match="surface3d"):
        r.figure("nope")


def test_a_schedule_that_reads_the_loss_refuses_a_step_without_it():
    opt = descent.optimizer("sgd:lr=0.1@plateau")
    w = np.ones(2)
    with pytest.raises(descent.DescentError, match="reads the loss at each step"):
        opt.step(w, np.ones(2))
    with pytest.raises(descent.DescentError, match="reads the loss at each step"):  # in a group too
        descent.optimizer("matrices=muon rest=adamw@plateau").step(w, np.ones(2))
    assert w.tolist() == [1.0, 1.0]  # refused before anything moved
    moved = []
    for _ in range(30):  # a loss that never falls: the rate is cut after the patience
        before = w[0]
        opt.step(w, np.ones(2), loss=1.0)
        moved.append(before - w[0])
    assert moved[0] == pytest.approx(0.1) and moved[-1] < 0.05
    # In a group the loss reaches the group's schedule, which cuts the rate as it does alone; a
    # list of arrays with the loss steps as their concatenation does.
    alone = descent.optimizer("sgd:lr=0.1@plateau")
    grouped = descent.optimizer("all=sgd:lr=0.1@plateau")
    v, u, parts = np.ones(3), np.ones(3), [np.ones(2), np.ones(1)]
    listed = descent.optimizer("sgd:lr=0.1@plateau")
    for _ in range(30):
        alone.step(v, np.ones(3), loss=1.0)
        grouped.step(u, np.ones(3), loss=1.0)
        listed.step(parts, [np.ones(2), np.ones(1)], loss=1.0)
    assert u.tolist() == v.tolist() and np.concatenate(parts).tolist() == v.tolist()
    assert v[0] > 1.0 - 30 * 0.1 + 0.5  # the cuts left it well short of 30 full steps
    with pytest.raises(descent.DescentError, match="reads the loss"):
        descent.optimizer("polyak").step(v, np.ones(3))
