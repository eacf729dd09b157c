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
}


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_state_dict_round_trip_through_torch_save(name):
    m = model()
    opt = ROUND_TRIPS[name](m.parameters())
    x, y = torch.randn(16, 8), torch.randint(0, 4, (16,))

    def one():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(m(x), y).backward()
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


def test_bad_tensors_and_settings_are_refused():
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
