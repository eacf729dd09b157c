"""descent's optimizers as ``torch.optim.Optimizer`` subclasses, for CPU tensors.

``descent.torch.Adam(model.parameters(), lr=1e-3)`` takes torch.optim.Adam's arguments and steps
the tensors in place through descent's fused kernels, without copying (the tensors' memory is
handed to descent as it is). Parameter groups, ``zero_grad``, ``state_dict`` /
``load_state_dict`` and the schedulers of ``torch.optim.lr_scheduler`` work as with torch's own
optimizers. The classes named as torch names them (SGD, Adam, AdamW, Adamax, NAdam, RAdam,
Adagrad, Adadelta, RMSprop, Rprop, ASGD) take torch's arguments; every other optimizer of
descent's registry is here under its class name in ``descent`` (``descent.torch.Lion``,
``descent.torch.Prodigy``...) with descent's settings as keywords, and ``descent.torch.Optimizer``
takes any spec.

Each group's parameters must be float32 or float64 CPU tensors of one dtype, dense and
contiguous; a CUDA, sparse or non-contiguous tensor is refused with a ValueError. A parameter
without a gradient at the group's first step is left out of that group for good (as a frozen
one); the set of parameters with gradients must not change afterwards.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Iterable, Sequence

import numpy as _np
import torch as _torch

import descent as _descent

__all__ = ["Optimizer"]


class Optimizer(_torch.optim.Optimizer):
    """A descent optimizer for torch: ``Optimizer(params, "lion", lr=1e-4, beta1=0.9)`` (descent's
    name and settings; the ``lr`` of each group is read at every step, so schedulers apply).
    The name may be a whole spec (``"lookahead/sgd:lr=0.5@cosine:t_max=100"``): its rate is then
    the groups' default ``lr``, which an ``lr`` keyword replaces."""

    _descent_name: str | None = None

    def __init__(self, params: Iterable, name: str | None = None, **settings: Any):
        name = name or self._descent_name
        if name is None:
            raise ValueError("descent.torch.Optimizer needs an optimizer name, e.g. 'lion'")
        self._name = name
        if "lr" not in settings:
            # The spec's own rate ("sgd:lr=0.5"), or the method's default: each group's lr is
            # handed to the method at every step.
            settings["lr"] = _descent.Optimizer(name).lr
        super().__init__(params, settings)
        self._natives: dict[int, tuple[_descent.Optimizer, list[int], str]] = {}
        # Every group's settings are checked now, so that a bad one fails here, not at a step.
        for group in self.param_groups:
            self._spec(group)

    # A group's settings: the keys the optimizer was made with (schedulers add others, such as
    # initial_lr), in descent's names (torch's translated by subclasses).
    def _own(self, group: dict) -> dict:
        # torch's own flags (differentiable, which its __setstate__ adds to the defaults) are not
        # descent's settings.
        return {k: group[k] for k in self.defaults if k in group and k not in _TORCH_ONLY}

    def _settings(self, group: dict) -> dict:
        return self._own(group)

    def _method(self, group: dict) -> str:
        # The method (or spec) that steps `group`: SGD's depends on the group's momentum.
        return self._name

    def _spec(self, group: dict) -> str:
        settings = self._settings(group)
        lr = settings.pop("lr", None)  # set at every step
        native = _descent.Optimizer(_descent._spec(self._method(group), settings))
        if lr is not None:
            native.lr = lr  # checked as the step will set it: a bad rate fails here
        return native.spec

    def _native(self, index: int, group: dict, params: list) -> _descent.Optimizer:
        spec = self._spec(group)
        ids = [id(p) for p in params]
        entry = self._natives.get(index)
        if entry is not None:
            if entry[1] != ids:
                raise ValueError("descent.torch: the parameters with gradients changed after the "
                                 "first step; a descent optimizer keeps one state for a fixed set")
            if entry[2] == spec:
                return entry[0]
            # A scheduler moved a setting (OneCycleLR's momentum or betas): the state carries over.
            state = entry[0].state_dict()
            native = _descent.Optimizer(spec)
            state["spec"] = native.spec
            try:
                native.load_state_dict(state)
            except ValueError as e:
                raise ValueError(f"descent.torch: the group's settings changed from {entry[2]} to "
                                 f"{spec}, which keeps another state: {e}") from None
            self._natives[index] = (native, ids, spec)
            return native
        native = _descent.Optimizer(spec)
        # A loaded state is held by the first parameter that had a gradient when it was saved.
        held = [p for p in group["params"] if "descent" in self.state.get(p, {})]
        if held and (not params or held[0] is not params[0]):
            raise ValueError("descent.torch: the loaded state is of another set of parameters with "
                             "gradients than this step's; a descent optimizer keeps one state for "
                             "a fixed set")
        saved = self.state.get(params[0], {}).get("descent") if params else None
        if saved is not None:
            native.load_state_dict(self._unpack(saved, native, params))
            del self.state[params[0]]["descent"]
        self._natives[index] = (native, ids, spec)
        return native

    # The state inside torch's state_dict holds tensors and numbers only (no strings, no numpy
    # arrays), so that torch.load(weights_only=True) reads it and load_state_dict casts it.
    @staticmethod
    def _pack(state: dict) -> dict:
        return {"size": state["size"], "lr": state["lr"],
                "shapes": [list(s) for s in state.get("shapes", [])],
                "state": {k: (_torch.from_numpy(v.copy()) if hasattr(v, "dtype") else v)
                          for k, v in state.get("state", {}).items()}}

    @staticmethod
    def _unpack(saved: dict, native: _descent.Optimizer, params: list) -> dict:
        dtype = "float32" if params[0].dtype == _torch.float32 else "float64"
        shapes = {"shapes": [tuple(int(n) for n in s) for s in saved["shapes"]]} \
            if saved.get("shapes") else {}
        return {"spec": native.spec, "dtype": dtype, "size": int(saved["size"]),
                "lr": float(saved["lr"]), **shapes,
                "state": {k: (v.numpy() if isinstance(v, _torch.Tensor) else v)
                          for k, v in saved["state"].items()}}

    def add_param_group(self, param_group: dict) -> None:
        super().add_param_group(param_group)
        self._spec(self.param_groups[-1])  # a bad setting fails here, not at a step

    @staticmethod
    def _check(p: _torch.Tensor) -> None:
        if p.device.type != "cpu":
            raise ValueError(f"descent.torch steps CPU tensors; this one is on {p.device}")
        if p.is_sparse or p.grad.is_sparse:
            raise ValueError("descent.torch does not step sparse tensors or sparse gradients")
        if p.dtype not in (_torch.float32, _torch.float64):
            raise ValueError(f"descent.torch steps float32 or float64 tensors, not {p.dtype}")
        if not p.is_contiguous() or not p.grad.is_contiguous():
            raise ValueError("descent.torch steps contiguous tensors (call .contiguous() first)")

    @_torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None,
             hessian_diagonal: Callable[[list], Sequence[_torch.Tensor]] | None = None):
        """One step of every group. ``closure`` re-evaluates the loss, as torch's. For a method
        that reads the Hessian's diagonal (:class:`Sophia`), ``hessian_diagonal(params)`` is given
        this optimizer's parameters (every group's, in order) and returns the diagonal at their
        current values, a tensor shaped as each (:func:`gauss_newton_bartlett` makes one). It is
        called once, before any group moves, on the steps where the method reads it; the
        gradients of this optimizer's parameters are put back as they were after it."""
        if hessian_diagonal is not None:
            if not callable(hessian_diagonal):
                raise ValueError("descent.torch: hessian_diagonal must be a function returning "
                                 f"the diagonal, not {type(hessian_diagonal).__name__}")
            if self._reads() is False:
                raise ValueError(f"descent.torch: {self._name} does not read the Hessian's "
                                 "diagonal; hessian_diagonal is for the methods that do (sophia)")
        loss = None
        if closure is not None:
            with _torch.enable_grad():
                loss = closure()
        stepped = []
        for index, group in enumerate(self.param_groups):
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            for p in params:
                self._check(p)
            if len({p.dtype for p in params}) > 1:
                raise ValueError("descent.torch: a group's tensors must share one dtype")
            stepped.append((group, params, self._native(index, group, params)))
        diagonal = self._diagonal(hessian_diagonal, stepped)
        for group, params, native in stepped:
            native.lr = group["lr"]
            oracle = None
            if hessian_diagonal is not None:
                flat = None if diagonal is None else \
                    _np.concatenate([diagonal[id(p)] for p in params])
                oracle = (lambda w, d=flat: d) if flat is not None else _unexpected_read
            native.step([p.detach().numpy() for p in params], [p.grad.numpy() for p in params],
                        None if loss is None else float(loss), oracle)
            # The tensors changed in place behind autograd's back: each one's version moves on
            # (a metadata-only in-place call), as torch's own steps move it, so that a graph
            # recorded before the step refuses a backward pass instead of using the new values.
            for p in params:
                p.as_strided_(p.size(), p.stride(), p.storage_offset())
        return loss

    def _reads(self) -> bool | None:
        """Whether the method reads the Hessian's diagonal; None when the registry cannot say (a
        grouped spec)."""
        entry = _descent._ENTRIES.get(self._name)
        return None if entry is None else bool(entry["reads_hessian_diagonal"])

    def _diagonal(self, fn, stepped: list) -> dict | None:
        """The Hessian's diagonal from ``fn`` by parameter id (float64 vectors), if a group reads
        it at this step; the gradients are as they were afterwards, however it ends."""
        if not stepped:
            return None
        reads = any(native.reads_hessian_diagonal_next for _, _, native in stepped)
        if fn is None:
            if reads or self._reads():
                raise ValueError(f"descent.torch: {self._name} reads the Hessian's diagonal: call "
                                 "step(closure, hessian_diagonal=f), with f(params) the diagonal "
                                 "at the parameters' current values (one tensor per parameter, "
                                 "e.g. descent.torch.gauss_newton_bartlett)")
            return None
        if not reads:
            return None
        params = [p for group in self.param_groups for p in group["params"]]
        kept = [(p, p.grad, None if p.grad is None else p.grad.clone()) for p in params]
        out = {}
        try:
            with _torch.enable_grad():
                answer = list(fn(list(params)))
            if len(answer) != len(params):
                raise ValueError(f"descent.torch: hessian_diagonal gave {len(answer)} tensors for "
                                 f"{len(params)} parameters")
            for k, (p, h) in enumerate(zip(params, answer)):
                h = _torch.as_tensor(h).detach()
                if tuple(h.shape) != tuple(p.shape):
                    raise ValueError(f"descent.torch: hessian_diagonal's tensor {k} has shape "
                                     f"{tuple(h.shape)}, its parameter {tuple(p.shape)}")
                # A copy, taken before the gradients are put back: the answer may be one of them.
                h = h.to(device="cpu", dtype=_torch.float64, copy=True)
                out[id(p)] = h.reshape(-1).numpy()
        finally:
            for p, grad, copy in kept:
                if grad is not None:
                    grad.copy_(copy)
                p.grad = grad
        return out

    # Each group's descent state, packed for torch's state under its first stepped parameter.
    def _packed(self) -> dict:
        packed = {}
        for index, group in enumerate(self.param_groups):
            entry = self._natives.get(index)
            if entry is not None and entry[0].dtype:
                first = next(p for p in group["params"] if id(p) == entry[1][0])
                packed[first] = self._pack(entry[0].state_dict())
        return packed

    # copy.deepcopy and pickle: torch keeps defaults, state and param_groups; descent's state
    # rides in `state` as state_dict() packs it, and the next step rebuilds each group's method
    # from it, so that a copy steps on exactly as the original.
    def __getstate__(self) -> dict:
        out = super().__getstate__()
        state = {p: dict(v) for p, v in self.state.items()}
        for p, packed in self._packed().items():
            state.setdefault(p, {})["descent"] = packed
        out["state"] = state
        out["_name"] = self._name
        return out

    def __setstate__(self, state: dict) -> None:
        from collections import defaultdict

        # torch's load_state_dict() calls this too, with its state and groups only.
        name = state.pop("_name", None)
        state["state"] = defaultdict(dict, state["state"])
        super().__setstate__(state)
        if name is not None:
            self._name = name
            self._natives = {}

    def state_dict(self) -> dict:
        # Each group's descent state rides on its first parameter's entry in torch's state, in the
        # returned dict only.
        packed = self._packed()
        for p, state in packed.items():
            self.state[p]["descent"] = state
        try:
            out = super().state_dict()
            out["state"] = {k: dict(v) for k, v in out["state"].items()}
        finally:
            for p in packed:
                del self.state[p]["descent"]
                if not self.state[p]:
                    del self.state[p]
        return out

    def load_state_dict(self, state_dict: dict) -> None:
        # A torch.optim state (exp_avg, momentum_buffer...) cannot be continued: refused, not
        # dropped at the next step.
        for key, state in state_dict.get("state", {}).items():
            other = sorted(set(state) - {"descent"}) if isinstance(state, Mapping) else None
            if other is None or other:
                raise ValueError(f"descent.torch: the state of parameter {key} holds {other}, not "
                                 "a descent optimizer's state: a torch.optim state_dict cannot be "
                                 "loaded into a descent.torch optimizer")
        super().load_state_dict(state_dict)
        self._natives.clear()  # rebuilt at the next step from the loaded state


def _unexpected_read(w):
    raise RuntimeError("descent.torch: the optimizer read the Hessian's diagonal on a step it "
                       "said it would not")


def gauss_newton_bartlett(logits: _torch.Tensor, params: Iterable[_torch.Tensor],
                          generator: _torch.Generator | None = None) -> list[_torch.Tensor]:
    """Sophia's Gauss-Newton-Bartlett estimate of the diagonal of the Hessian of a batch's mean
    cross-entropy (Liu et al. 2024, arXiv:2305.14342, algorithm 2): labels y drawn from
    softmax(logits), g the gradient of the batch's mean cross-entropy against them, and B g * g
    for a batch of B rows. ``logits`` (B x classes) must be computed from ``params`` with autograd
    on; the gradients are taken with ``torch.autograd.grad`` and ``.grad`` is left alone. A
    parameter that does not reach the logits, or is frozen (requires_grad False), gets zeros."""
    params = list(params)
    if logits.dim() != 2 or logits.shape[0] == 0:
        raise ValueError("gauss_newton_bartlett: logits must be a batch x classes matrix, not "
                         f"of shape {tuple(logits.shape)}")
    probabilities = _torch.softmax(logits.detach().to(_torch.float64), dim=1)
    labels = _torch.multinomial(probabilities, 1, generator=generator).squeeze(1)
    loss = _torch.nn.functional.cross_entropy(logits, labels)
    live = [p for p in params if p.requires_grad]
    grads = dict(zip(map(id, live), _torch.autograd.grad(loss, live, allow_unused=True)))
    rows = logits.shape[0]
    return [rows * grads[id(p)] * grads[id(p)] if grads.get(id(p)) is not None
            else _torch.zeros_like(p) for p in params]


def _torch_defaults(name: str) -> dict:
    """The defaults of torch.optim's class `name`, as the installed torch declares them."""
    import inspect

    sig = inspect.signature(getattr(_torch.optim, name).__init__)
    return {k: p.default for k, p in sig.parameters.items()
            if p.default is not inspect.Parameter.empty and k not in _TORCH_ONLY
            and not (k == "maximize" and p.default is False)}


def _torch_class(name: str, descent_name: str, translate: Callable[[dict], dict], doc: str):
    def _settings(self, group: dict) -> dict:
        return translate(self._own(group))

    def __init__(self, params, **kwargs):
        known = _torch_defaults(name)
        unknown = set(kwargs) - set(known) - {"maximize"} - set(_TORCH_ONLY)
        if unknown:
            raise ValueError(f"descent.torch.{name}: unknown argument(s) {sorted(unknown)}; "
                             f"torch.optim.{name} takes {sorted(known)}")
        Optimizer.__init__(self, params, descent_name, **{**known, **kwargs})

    return type(name, (Optimizer,), {"__init__": __init__, "_settings": _settings,
                                     "__doc__": doc, "__module__": __name__})


def _betas(d: dict, first: str = "beta1", second: str = "beta2") -> dict:
    if "betas" in d:
        b1, b2 = d.pop("betas")
        d[first], d[second] = b1, b2
    return d


_TORCH_ONLY = ("foreach", "differentiable", "capturable", "fused")


class SGD(Optimizer):
    """torch.optim.SGD's arguments (lr, momentum, dampening, weight_decay, nesterov): descent's
    ``sgd``, ``momentum`` (momentum > 0) or ``nesterov`` (nesterov=True)."""

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, **kwargs):
        super().__init__(params, "sgd", lr=lr, momentum=momentum, dampening=dampening,
                         weight_decay=weight_decay, nesterov=nesterov, **kwargs)

    # Each group's own: a group may set its momentum or nesterov apart from the defaults.
    def _method(self, group: dict) -> str:
        return "nesterov" if group["nesterov"] else ("momentum" if group["momentum"] else "sgd")

    def _settings(self, group: dict) -> dict:
        d = self._own(group)
        momentum, nesterov = d.pop("momentum"), d.pop("nesterov")
        if nesterov and (momentum <= 0 or d["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        if self._method(group) == "sgd":
            d.pop("dampening")
            return d
        d["alpha"] = momentum
        if nesterov:
            d.pop("dampening")
        else:
            d["buffer"] = True  # torch's buffer form: a scheduler's lr scales the whole buffer
        return d


_TORCH = {
    "Adam": ("adam", _betas),
    "AdamW": ("adamw", _betas),
    "Adamax": ("adamax", _betas),
    "NAdam": ("nadam", _betas),
    "RAdam": ("radam", _betas),
    "Adagrad": ("adagrad", lambda d: d),
    "Adadelta": ("adadelta", lambda d: d),
    "RMSprop": ("rmsprop", lambda d: {("beta" if k == "alpha" else k): v
                                      for k, v in d.items()}),
    "Rprop": ("rprop", lambda d: _rprop(d)),
    "ASGD": ("asgd", lambda d: d),
}


def _rprop(d: dict) -> dict:
    if "etas" in d:
        d["eta_minus"], d["eta_plus"] = d.pop("etas")
    if "step_sizes" in d:
        d["step_min"], d["step_max"] = d.pop("step_sizes")
    return d


for _name, (_dname, _translate) in _TORCH.items():
    globals()[_name] = _torch_class(
        _name, _dname, _translate,
        f"torch.optim.{_name}'s arguments, stepped by descent's ``{_dname}`` "
        f"(see descent.{_descent._class_name(_dname)} for its rule and where it differs).")
    __all__.append(_name)


class Sophia(Optimizer):
    """descent's ``sophia`` (its settings as keywords): momentum divided by a moving average of the
    Hessian's diagonal, clipped. Each step takes ``hessian_diagonal``, a function returning the
    diagonal at the parameters' current values, called on the steps where Sophia reads it (1,
    1 + k, ... for k = update_every)::

        opt = descent.torch.Sophia(model.parameters(), lr=3e-4)
        ...
        loss.backward()
        opt.step(hessian_diagonal=lambda params: descent.torch.gauss_newton_bartlett(
            model(x), params))

    See descent.Sophia for the rule and where it differs from the paper's code and optax."""

    _descent_name = "sophia"


__all__ += ["Sophia", "gauss_newton_bartlett"]

# The rest of the registry, with descent's settings (Sophia above).
for _entry in _descent._CATALOG:
    _cname = _descent._class_name(_entry["name"])
    if (_entry["family"] == "wrapper" or _entry["evaluations_per_step"] != 1
            or _entry["reads_hessian_diagonal"] or _cname in globals()):
        continue
    globals()[_cname] = type(_cname, (Optimizer,), {
        "_descent_name": _entry["name"], "__module__": __name__,
        "__doc__": getattr(_descent, _cname).__doc__ if hasattr(_descent, _cname) else _entry["doc"],
        "__init__": (lambda n: lambda self, params, **kw: Optimizer.__init__(self, params, n, **kw))(
            _entry["name"])})
    __all__.append(_cname)
