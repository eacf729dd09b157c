"""descent.torch against torch.optim: the same model trained 100 steps in float32 with two
parameter groups and a scheduler ends at the same parameters; state_dict round trips; bad tensors
are refused with a message."""
import io

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import descent.torch as dt  # noqa: E402

TORCH_MAJOR = int(torch.__version__.split(".")[0])


def model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))


def train(make_optimizer, steps=100, schedule=lambda o: torch.optim.lr_scheduler.StepLR(o, 30, 0.5)):
    m = model()
    groups = [{"params": m[0].parameters()}, {"params": m[2].parameters(), "lr": 0.5 * LR}]
    opt = make_optimizer(groups)
    sched = schedule(opt)
    gen = torch.Generator().manual_seed(1)
    for _ in range(steps):
        x = torch.randn(32, 8, generator=gen)
        y = torch.randint(0, 4, (32,), generator=gen)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(m(x), y)
        loss.backward()
        opt.step()
        sched.step()
    return torch.cat([p.detach().ravel() for p in m.parameters()]).numpy()


LR = 0.01
CASES = [
    ("SGD", dict(lr=LR)),
    ("SGD", dict(lr=LR, momentum=0.9, weight_decay=1e-3)),
    ("SGD", dict(lr=LR, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=LR)),
    ("Adam", dict(lr=LR, betas=(0.8, 0.99), weight_decay=1e-2, amsgrad=True)),
    ("AdamW", dict(lr=LR, weight_decay=0.1)),
    ("Adamax", dict(lr=LR)),
    ("RAdam", dict(lr=LR)),
    ("Adagrad", dict(lr=LR)),
    ("Adadelta", dict(lr=1.0)),
    ("RMSprop", dict(lr=LR, alpha=0.9)),
    ("Rprop", dict(lr=LR)),
    ("ASGD", dict(lr=LR)),
]
if TORCH_MAJOR >= 2:  # torch 1.13's NAdam differs (see tests/torch/compare_torch.py)
    CASES.append(("NAdam", dict(lr=LR)))


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trains_as_torch_optim_does(name, kwargs):
    ours = train(lambda g: getattr(dt, name)(g, **kwargs))
    theirs = train(lambda g: getattr(torch.optim, name)(g, **kwargs))
    scale = np.abs(theirs).max()
    worst = np.abs(ours - theirs).max() / scale
    assert worst < 1e-6, f"{name}: worst difference {worst:.3g} of the largest parameter"


S = torch.optim.lr_scheduler
SCHEDULES = {
    # OneCycleLR moves the momentum (SGD) or beta1 (Adam) at every step too.
    "one-cycle": lambda o: S.OneCycleLR(o, max_lr=[LR, 0.5 * LR], total_steps=100),
    # A warm-up from 0: torch's momentum buffer grows while the rate is 0.
    "warm-up from 0": lambda o: S.LambdaLR(o, lambda e: min(1.0, e / 10)),
}


@pytest.mark.parametrize("schedule", list(SCHEDULES))
@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=LR, momentum=0.9)), ("Adam", dict(lr=LR))])
def test_schedulers_that_move_settings_or_start_at_zero(schedule, name, kwargs):
    ours = train(lambda g: getattr(dt, name)(g, **kwargs), schedule=SCHEDULES[schedule])
    theirs = train(lambda g: getattr(torch.optim, name)(g, **kwargs), schedule=SCHEDULES[schedule])
    worst = np.abs(ours - theirs).max() / np.abs(theirs).max()
    assert worst < 1e-6, f"{name} with {schedule}: {worst:.3g}"


ROUND_TRIPS = {
    "sgd": lambda params: dt.SGD(params, lr=0.037, momentum=0.9),
    # Layer-wise methods keep state by each tensor's shape (Shampoo: a factor per side).
    "muon": lambda params: dt.Muon(params, lr=0.02),
    "shampoo": lambda params: dt.Shampoo(params, lr=0.01, update_every=2),
    # Sophia keeps its step count across the save: it reads the diagonal at steps 1, 4, 7, 10.
    "sophia": lambda params: dt.Sophia(params, lr=0.01, update_every=3),
}


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_state_dict_round_trip_through_torch_save(name):
    m = model()
    opt = ROUND_TRIPS[name](m.parameters())
    x, y = torch.randn(16, 8), torch.randint(0, 4, (16,))

    def one():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(m(x), y).backward()
        if name == "sophia":
            opt.step(hessian_diagonal=lambda ps: dt.gauss_newton_bartlett(
                m(x), ps, torch.Generator().manual_seed(3)))
        else:
            opt.step()

    for _ in range(5):
        one()
    buf = io.BytesIO()
    torch.save({"model": m.state_dict(), "opt": opt.state_dict()}, buf)
    for _ in range(5):
        one()
    after = [p.detach().clone() for p in m.parameters()]
    buf.seek(0)
    if TORCH_MAJOR >= 2:
        saved = torch.load(buf, weights_only=True)  # tensors and numbers only
    else:  # torch 1.13's weights-only loader refuses floats, torch's own optimizers' included
        saved = torch.load(buf)
    assert "descent" not in opt.state.get(next(m.parameters()), {})
    m.load_state_dict(saved["model"])
    opt = ROUND_TRIPS[name](m.parameters())
    opt.load_state_dict(saved["opt"])
    for _ in range(5):
        one()
    for a, b in zip(after, m.parameters()):
        assert torch.equal(a, b.detach())


def test_a_state_it_cannot_continue_is_refused_at_load_or_at_the_first_step():
    # A torch.optim state_dict: refused, nothing loaded.
    a = torch.nn.Parameter(torch.ones(3))
    theirs = torch.optim.Adam([a], lr=0.1)
    a.grad = torch.ones(3)
    theirs.step()
    opt = dt.Adam([a], lr=0.1)
    with pytest.raises(ValueError, match="torch.optim state_dict cannot be loaded"):
        opt.load_state_dict(theirs.state_dict())
    assert not opt.state
    # A state saved while only b and c had gradients, loaded where a has one too.
    a, b, c = (torch.nn.Parameter(torch.ones(2)) for _ in range(3))
    opt = dt.Adam([a, b, c], lr=0.1)
    b.grad = c.grad = torch.ones(2)
    opt.step()
    saved = opt.state_dict()
    a2, b2, c2 = (torch.nn.Parameter(torch.ones(2)) for _ in range(3))
    again = dt.Adam([a2, b2, c2], lr=0.1)
    again.load_state_dict(saved)
    a2.grad = b2.grad = c2.grad = torch.ones(2)
    with pytest.raises(ValueError, match="another set of parameters"):
        again.step()
    assert torch.equal(b2.detach(), torch.ones(2))


def test_settings_may_be_numpy_scalars_or_zero_dimensional_tensors():
    a = torch.nn.Parameter(torch.ones(2))
    opt = dt.Adam([a], lr=0.1, amsgrad=np.True_, weight_decay=torch.tensor(0.25))
    assert opt.param_groups[0]["amsgrad"]
    a.grad = torch.ones(2)
    opt.step()
    ref = torch.nn.Parameter(torch.ones(2))
    theirs = torch.optim.Adam([ref], lr=0.1, amsgrad=True, weight_decay=0.25)
    ref.grad = torch.ones(2)
    theirs.step()
    assert torch.allclose(a.detach(), ref.detach(), rtol=0, atol=1e-7)


def test_any_descent_optimizer_and_its_settings():
    m = model()
    opt = dt.Lion(m.parameters(), lr=1e-4, beta1=0.95)
    m(torch.randn(4, 8)).sum().backward()
    before = m[0].weight.detach().clone()
    opt.step()
    # Lion moves every weight by lr (the sign of its update), here 1e-4 each.
    moved = (m[0].weight.detach() - before).abs()
    assert torch.allclose(moved[moved > 0], torch.tensor(1e-4), rtol=1e-3)
    assert dt.Optimizer(m.parameters(), "prodigy").param_groups[0]["lr"] == 1.0


@pytest.mark.parametrize("defaults, second", [
    (dict(lr=LR), dict(momentum=0.9)),                                   # momentum in a group only
    (dict(lr=LR, momentum=0.9), dict(nesterov=True)),                    # nesterov in a group only
    (dict(lr=LR, momentum=0.9, nesterov=True), dict(nesterov=False)),    # heavy ball in a group
    (dict(lr=LR, momentum=0.9), dict(momentum=0.0, dampening=0.5)),      # plain SGD in a group
], ids=["momentum", "nesterov", "heavy-ball", "plain"])
def test_sgd_reads_momentum_and_nesterov_per_group(defaults, second):
    def make(cls):
        def build(groups):
            return cls([groups[0], {**groups[1], **second}], **defaults)
        return build
    ours, theirs = train(make(dt.SGD)), train(make(torch.optim.SGD))
    assert np.abs(ours - theirs).max() / np.abs(theirs).max() < 1e-6
    m = model()
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        dt.SGD([{"params": m[0].parameters()}, {"params": m[2].parameters(), "nesterov": True}],
               lr=LR)


@pytest.mark.parametrize("spec, expected", [
    ("sgd:lr=0.5", -1.5), ("lookahead/sgd:lr=0.5", None), ("sgd:lr=0.5@constant", -1.5)])
def test_a_spec_keeps_its_rate(spec, expected):
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = dt.Optimizer([p], spec)
    assert opt.param_groups[0]["lr"] == 0.5
    for _ in range(3):
        p.grad = torch.ones(1, dtype=torch.float64)
        opt.step()
    if expected is not None:
        assert p.item() == expected
    # A keyword lr replaces the spec's.
    assert dt.Optimizer([p], "sgd:lr=0.5", lr=0.25).param_groups[0]["lr"] == 0.25


@pytest.mark.parametrize("name", ["Adam", "SGD"])
def test_a_deep_copy_or_a_pickle_steps_on_as_the_original(name):
    import copy
    import pickle

    kwargs = dict(lr=0.1, momentum=0.9) if name == "SGD" else dict(lr=0.1)
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0, 3.0]))
    opt = getattr(dt, name)([p], **kwargs)
    for _ in range(3):
        p.grad = p.detach() * 2
        opt.step()
    copies = [copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))]
    for _ in range(3):
        p.grad = p.detach() * 2
        opt.step()
        for c in copies:
            q = c.param_groups[0]["params"][0]
            q.grad = q.detach() * 2
            c.step()
    for c in copies:
        assert torch.equal(c.param_groups[0]["params"][0].detach(), p.detach())
    # A copy of a class outside torch's list takes new groups (torch's __setstate__ adds its
    # `differentiable` flag to the defaults, which is not descent's setting).
    lion = copy.deepcopy(dt.Lion([torch.nn.Parameter(torch.ones(2))], lr=1e-3))
    lion.add_param_group({"params": [torch.nn.Parameter(torch.ones(3))]})


def test_a_step_moves_the_tensors_versions_as_torch_does():
    # A graph recorded before the step refuses a second backward pass, as with torch.optim.
    for make in (lambda ps: dt.SGD(ps, lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1)):
        p = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
        opt = make([p])
        y = (p ** 2).sum()
        y.backward(retain_graph=True)
        before = p._version
        opt.step()
        assert p._version > before
        opt.zero_grad()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


def test_bad_tensors_and_settings_are_refused():
    with pytest.raises(ValueError, match="lr: must be a number >= 0"):
        dt.Adam(model().parameters(), lr=-1)
    half = torch.nn.Parameter(torch.ones(3, dtype=torch.float16))
    half.grad = torch.ones(3, dtype=torch.float16)
    with pytest.raises(ValueError, match="float32 or float64"):
        dt.Adam([half]).step()
    emb = torch.nn.Embedding(4, 2, sparse=True)
    emb(torch.tensor([1])).sum().backward()
    with pytest.raises(ValueError, match="sparse"):
        dt.SGD(emb.parameters(), lr=0.1).step()
    with pytest.raises(ValueError, match="unknown argument.*bogus"):
        dt.Adam(model().parameters(), bogus=1)
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        dt.SGD(model().parameters(), lr=0.1, nesterov=True)


def sophia_run(diagonal, groups=2, steps=5, update_every=2):
    """Parameters after `steps` steps of descent.torch.Sophia on the test model in float32, with
    `diagonal(params)` as its hessian_diagonal, and how often that was called."""
    m = model()
    params = list(m.parameters())
    split = [params[:2], params[2:]] if groups == 2 else [params]
    opt = dt.Sophia([{"params": g} for g in split], lr=0.01, update_every=update_every)
    x, y = torch.randn(16, 8, generator=torch.Generator().manual_seed(2)), torch.arange(16) % 4
    calls = []

    def fn(ps):
        assert len(ps) == len(params) and all(a is b for a, b in zip(ps, params))  # in order
        calls.append(1)
        return diagonal(m, ps)

    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(m(x), y).backward()
        opt.step(hessian_diagonal=fn)
    return [p.detach().clone() for p in params], len(calls), m, x, y


def mean_abs(params):
    return float(torch.cat([p.detach().abs().ravel() for p in params]).mean())


def same_value(m, params):
    """A 'diagonal' of one value, the mean |w| over every parameter: it depends on every group's
    values."""
    return [torch.full_like(p, mean_abs(params)) for p in params]


def test_sophia_steps_as_the_numpy_optimizer_given_the_same_diagonal():
    # descent.Optimizer on the groups' numpy arrays, each given the diagonal taken before any
    # group moves: descent.torch takes it once per reading step at that point, so the two agree
    # bit for bit (a diagonal taken after the first group moved would differ).
    ours, calls, _, _, _ = sophia_run(same_value)
    assert calls == 3  # steps 1, 3 and 5
    m = model()
    params = list(m.parameters())
    arrays = [p.detach().numpy().copy() for p in params]
    groups = [(arrays[:2], descent_optimizer()), (arrays[2:], descent_optimizer())]
    x, y = torch.randn(16, 8, generator=torch.Generator().manual_seed(2)), torch.arange(16) % 4
    for _ in range(5):
        with torch.no_grad():
            for p, a in zip(params, arrays):
                p.copy_(torch.from_numpy(a))
        m.zero_grad()
        torch.nn.functional.cross_entropy(m(x), y).backward()
        grads = [p.grad.numpy().copy() for p in params]
        h = mean_abs([torch.from_numpy(a) for a in arrays])
        at = 0
        for own, opt in groups:
            n = sum(a.size for a in own)
            opt.step(own, grads[at:at + len(own)], None, lambda w, n=n: np.full(n, h))
            at += len(own)
    for a, b in zip(ours, arrays):
        assert np.array_equal(a.numpy(), b)


def descent_optimizer():
    import descent
    return descent.Optimizer("sophia:lr=0.01,update_every=2")


@pytest.mark.parametrize("set_to_none", [None, True])
def test_sophia_gives_back_the_gradients_its_diagonal_function_overwrote(set_to_none):
    # None: backward adds into the same .grad tensors; True: new ones replace them.
    def clobbering(m, params):
        if set_to_none:
            m.zero_grad(set_to_none=True)
        (m(torch.ones(3, 8)) ** 2).sum().backward()  # other gradients, in .grad
        return same_value(m, params)

    clean, _, _, _, _ = sophia_run(same_value)
    dirty, _, m, x, y = sophia_run(clobbering)
    for a, b in zip(clean, dirty):
        assert torch.equal(a, b)
    m.zero_grad()
    torch.nn.functional.cross_entropy(m(x), y).backward()
    opt = dt.Sophia(m.parameters(), update_every=1)
    grads = [(p.grad, p.grad.clone()) for p in m.parameters()]
    opt.step(hessian_diagonal=lambda ps: clobbering(m, ps))
    for (tensor, values), p in zip(grads, m.parameters()):
        assert p.grad is tensor and torch.equal(values, p.grad)


def test_sophia_reads_a_diagonal_made_of_the_gradients_before_they_are_put_back():
    def doubled_grads(m, params):
        return [2 * p.grad for p in params]

    def doubled_in_place(m, params):
        return [p.grad.mul_(2) for p in params]  # the answers are the .grad tensors themselves

    expected, _, _, _, _ = sophia_run(doubled_grads)
    got, _, _, _, _ = sophia_run(doubled_in_place)
    for a, b in zip(expected, got):
        assert torch.equal(a, b)


def test_a_diagonal_function_that_raises_moves_nothing_and_changes_no_gradient():
    m = model()
    m(torch.randn(4, 8)).sum().backward()
    opt = dt.Sophia(m.parameters())
    before = [(p.detach().clone(), p.grad, p.grad.clone()) for p in m.parameters()]

    def broken(ps):
        (m(torch.ones(2, 8)) ** 2).sum().backward()
        raise KeyError("broken")

    with pytest.raises(KeyError):
        opt.step(hessian_diagonal=broken)
    for (w, tensor, values), p in zip(before, m.parameters()):
        assert torch.equal(w, p.detach()) and p.grad is tensor and torch.equal(values, p.grad)
    opt.step(hessian_diagonal=lambda ps: [torch.ones_like(p) for p in ps])
    assert not torch.equal(before[0][0], m[0].weight.detach())


def test_a_grouped_spec_with_sophia_reads_the_diagonal_at_its_first_step():
    m = model()
    opt = dt.Optimizer(m.parameters(), "matrices=sophia rest=adamw")
    x, y = torch.randn(16, 8), torch.arange(16) % 4
    calls = []
    for _ in range(3):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(m(x), y).backward()
        opt.step(hessian_diagonal=lambda ps: calls.append(1) or [torch.ones_like(p) for p in ps])
    assert calls == [1]  # step 1 only (update_every = 10)
    with pytest.raises(ValueError, match="reads the Hessian's diagonal"):
        opt.step()
    with pytest.raises(ValueError, match="adam does not read the Hessian's diagonal"):
        dt.Adam(m.parameters()).step(hessian_diagonal=lambda ps: ps)


def test_sophia_refuses_a_step_without_a_good_diagonal():
    m = model()
    m(torch.randn(4, 8)).sum().backward()
    opt = dt.Sophia(m.parameters(), update_every=2)
    before = [p.detach().clone() for p in m.parameters()]
    with pytest.raises(ValueError, match="sophia reads the Hessian's diagonal"):
        opt.step()
    with pytest.raises(ValueError, match="gave 1 tensors for 4 parameters"):
        opt.step(hessian_diagonal=lambda ps: [torch.ones(1)])
    with pytest.raises(ValueError, match=r"tensor 0 has shape \(2,\), its parameter \(16, 8\)"):
        opt.step(hessian_diagonal=lambda ps: [torch.ones(2)] * 4)
    with pytest.raises(ValueError, match="must be a function"):
        opt.step(hessian_diagonal=[torch.ones(1)])
    for a, b in zip(before, m.parameters()):
        assert torch.equal(a, b.detach())  # nothing moved
    opt.step(hessian_diagonal=lambda ps: [torch.ones_like(p) for p in ps])
    with pytest.raises(ValueError, match="sophia reads the Hessian's diagonal"):
        opt.step()  # step 2 reads none, and is refused all the same


def test_gauss_newton_bartlett_is_the_batch_size_times_the_squared_sampled_gradient():
    torch.manual_seed(0)
    layer = torch.nn.Linear(5, 3).double()
    x = torch.randn(7, 5, dtype=torch.float64)
    h = dt.gauss_newton_bartlett(layer(x), layer.parameters(), torch.Generator().manual_seed(4))
    # By hand: the same draw, and the gradient of the mean cross-entropy of a linear layer,
    # (softmax - onehot)^T x / B for the weight and the column sums / B for the bias.
    p = torch.softmax(layer(x).detach(), dim=1)
    labels = torch.multinomial(p, 1, generator=torch.Generator().manual_seed(4)).squeeze(1)
    r = (p - torch.nn.functional.one_hot(labels, 3)) / 7
    assert torch.allclose(h[0], 7 * (r.T @ x) ** 2, rtol=1e-12, atol=0)
    assert torch.allclose(h[1], 7 * r.sum(0) ** 2, rtol=1e-12, atol=0)
    assert layer.weight.grad is None  # .grad left alone
    unused = torch.nn.Parameter(torch.ones(2, dtype=torch.float64))
    assert torch.equal(dt.gauss_newton_bartlett(layer(x), [unused])[0], torch.zeros(2))
    layer.bias.requires_grad_(False)  # frozen: zeros, and the weight's estimate as before
    frozen = dt.gauss_newton_bartlett(layer(x), layer.parameters(), torch.Generator().manual_seed(4))
    assert torch.equal(frozen[0], h[0]) and torch.equal(frozen[1], torch.zeros(3))
    with pytest.raises(ValueError, match="batch x classes"):
        dt.gauss_newton_bartlett(layer(x)[0], layer.parameters())


def test_sophia_with_the_gauss_newton_bartlett_estimate_learns():
    m = model()
    params = list(m.parameters())
    opt = dt.Sophia(params, lr=0.003, update_every=5)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(64, 8, generator=gen)
    y = (x[:, 0] > 0).long() + 2 * (x[:, 1] > 0).long()
    losses = []
    for _ in range(200):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(m(x), y)
        loss.backward()
        losses.append(float(loss))
        opt.step(hessian_diagonal=lambda ps: dt.gauss_newton_bartlett(m(x), ps, gen))
    assert losses[-1] < 0.5 * losses[0], f"{losses[0]:.3f} -> {losses[-1]:.3f}"
