"""descent: gradient-based optimizers, exact and fast, and a laboratory for them.

Optimizers step numpy arrays in place, float32 or float64, without copying::

    import numpy as np
    import descent

    w = np.array([1.0, 1.0])
    opt = descent.Adam(lr=0.1)                 # or descent.optimizer("adam:lr=0.1")
    for _ in range(100):
        opt.step(w, np.array([2 * w[0], 16 * w[1]]))

The laboratory runs, sweeps and analyses optimizers on the registry's functions (or a typed
expression such as ``"w1^2 + 8*w2^2"``) and answers with plain dicts and numpy arrays::

    r = descent.run("anisotropic", ["sgd:lr=0.1", "momentum", "rmsprop"], steps=50)
    r                                          # in Jupyter: the paths on the contour map
    r["results"][0]["points"]                  # (51, 2) numpy array

``descent.torch`` holds drop-in ``torch.optim`` optimizers (torch is optional). Every error is a
``ValueError`` (``descent.DescentError``) with the message the ``descent`` program prints.
"""
from __future__ import annotations

import json as _json
import re as _re
from typing import Any, Iterable, Mapping, Sequence

import numpy as _np

from ._descent import Optimizer as _Native
from ._descent import api as _api
from ._descent import catalog as _catalog
from ._descent import render as _render
from ._descent import run_callable as _run_callable
from ._descent import set_error_class as _set_error_class
from ._descent import tune as _tune
from ._descent import set_threads, threads

__all__ = [
    "DescentError", "Optimizer", "optimizer", "optimizers", "functions", "run", "sweep", "tune",
    "tuning", "analyze", "surface", "figure", "RunResult", "threads", "set_threads",
]


class DescentError(ValueError):
    """Bad input: the message names the field or setting at fault (``field``, when there is one)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


_set_error_class(DescentError)  # the native module's bad input raises it too


def _call(method: str, path: str, body: Mapping[str, Any] | None = None) -> dict:
    status, text = _api(method, path, "" if body is None else _json.dumps(body))
    answer = _json.loads(text)
    if status != 200:
        raise DescentError(answer.get("error", text), answer.get("field"))
    return answer


def _arrays(value: Any, keys: Iterable[str]) -> Any:
    """The lists of numbers under `keys` (anywhere in value) as numpy arrays; null is NaN."""
    keys = set(keys)
    if isinstance(value, dict):
        return {k: (_np.array(v, dtype=float) if k in keys and isinstance(v, list) and
                    all(x is None or isinstance(x, (int, float, list)) for x in v)
                    else _arrays(v, keys)) for k, v in value.items()}
    if isinstance(value, list):
        return [_arrays(v, keys) for v in value]
    return value


# ---- Optimizers


_CATALOG = _json.loads(_catalog())["optimizers"]
_ENTRIES = {o["name"]: o for o in _CATALOG}


def _format(value: Any) -> str:
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        value = value.item()  # a numpy scalar or 0-d array, a 0-d torch tensor
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ";".join(repr(float(v)) for v in value)
    if isinstance(value, (int, float)):
        return repr(float(value)) if isinstance(value, float) else str(int(value))
    return str(value)


def _spec(name: str, settings: Mapping[str, Any]) -> str:
    if not settings:
        return name
    for k, v in settings.items():
        # A text value is one choice ("adam", "strong_wolfe"), never more of a spec.
        if isinstance(v, str) and any(c in v for c in ",:@/="):
            raise DescentError(f"{k}: {v!r} is not one value (a number, true or false, or a "
                               "choice's name)", k)
    return name + ":" + ",".join(f"{k}={_format(v)}" for k, v in settings.items())


class Optimizer:
    """An optimizer of the registry, stepping numpy arrays in place.

    ``Optimizer("adam:lr=0.01")`` takes a spec as the ``descent`` program does (wrappers before a
    ``/`` and a schedule after ``@`` included); the classes named after each optimizer
    (``descent.Adam(lr=0.01)``) take its settings as keywords. The first :meth:`step` fixes the
    element type (float32 or float64) and the number of values; :meth:`reset` starts afresh.
    """

    _name: str | None = None

    def __init__(self, spec: str | None = None, **settings: Any):
        if self._name is not None:
            if spec is not None:
                raise DescentError(f"{type(self).__name__} takes its settings as keywords, not a spec")
            spec = _spec(self._name, settings)
        elif settings:
            raise DescentError("descent.Optimizer takes a spec; use the class of an optimizer "
                               "(descent.Adam(lr=...)) to give settings as keywords")
        elif spec is None:
            raise DescentError("descent.Optimizer needs a spec, e.g. 'adam:lr=0.001'")
        self._native = _Native(spec)

    @property
    def spec(self) -> str:
        """The canonical spec: every setting, defaults included."""
        return self._native.spec

    @property
    def lr(self) -> float:
        """The learning rate, which may be changed between steps (a schedule of your own)."""
        return self._native.lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._native.lr = float(value)

    @property
    def reads_hessian_diagonal_next(self) -> bool:
        """Whether the next :meth:`step` calls its ``hessian_diagonal`` (``sophia``: on steps 1,
        1 + k, 1 + 2k, ... for k = update_every); False for a method that never reads it."""
        return self._native.reads_hessian_diagonal_next

    @property
    def dtype(self) -> str:
        """"float32" or "float64" once stepped, else ""."""
        return self._native.dtype

    def step(self, params, grads, loss: float | None = None, hessian_diagonal=None) -> None:
        """One step of ``params`` along ``grads``, in place.

        ``params`` is a C-contiguous float32 or float64 numpy array, or a list of them (stepped as
        one vector, each array a slice of it); ``grads`` has the same arrays' shapes and dtype.
        Layer-wise methods (``muon``, ``shampoo``...) step each array by its shape, an array of
        rank above 2 as its first dimension by the rest. ``loss`` is the objective at
        ``params``, which a few methods use (``polyak``). ``hessian_diagonal`` is for the methods
        that read the Hessian's diagonal (``sophia``): a function of the point (one float64 vector
        of the arrays' values, in order) returning the diagonal there, called on the steps where
        the method reads it.
        """
        self._native.step(params, grads, loss, hessian_diagonal)

    def reset(self) -> None:
        """Forgets the state: the next step starts afresh, on arrays of any size."""
        self._native.reset()

    def state_dict(self) -> dict:
        """The whole state: the spec, the dtype, the size and the state's arrays (copies)."""
        return self._native.state()

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restores a state that :meth:`state_dict` gave, for the same spec."""
        self._native.load_state(dict(state))

    # copy.deepcopy and pickle: the spec and the whole state.
    def __getstate__(self) -> dict:
        return {"spec": self.spec, "state": self.state_dict()}

    def __setstate__(self, saved: dict) -> None:
        self._native = _Native(saved["spec"])
        self._native.load_state(dict(saved["state"]))

    def __repr__(self) -> str:
        return f"descent.optimizer({self.spec!r})"


def optimizer(spec: str) -> Optimizer:
    """The optimizer of ``spec`` (``"adam:lr=1e-3"``, ``"lookahead/adam"``, ``"sgd@cosine:t_max=100"``)."""
    return Optimizer(spec)


# Class names: torch's where torch has the method, else the name in CamelCase.
_CLASS_NAMES = {
    "sgd": "SGD", "gd": "GD", "adamw": "AdamW", "nadam": "NAdam", "radam": "RAdam",
    "rmsprop": "RMSprop", "asgd": "ASGD", "lbfgs": "LBFGS", "ftrl": "FTRL", "amsgrad": "AMSGrad",
    "nadamw": "NAdamW", "adabelief": "AdaBelief", "adopt": "ADOPT", "ademamix": "AdEMAMix",
    "madgrad": "MADGRAD", "cocob": "COCOB", "dog": "DoG", "dowg": "DoWG", "sam": "SAM",
    "signsgd": "SignSGD", "dadapt_adam": "DAdaptAdam", "dadapt_sgd": "DAdaptSGD",
    "schedule_free_adamw": "ScheduleFreeAdamW", "schedule_free_sgd": "ScheduleFreeSGD",
    "sf_sgd": "SFSGD", "sf_adamw": "SFAdamW", "ema": "EMA", "swa": "SWA",
}


def _class_name(name: str) -> str:
    return _CLASS_NAMES.get(name) or "".join(p[:1].upper() + p[1:] for p in name.split("_"))


def _doc(entry: dict) -> str:
    lines = [entry["doc"], "", "Rule::", ""]
    lines += ["    " + r for r in entry["rule"].splitlines()]
    lines += ["", "Settings (keywords):", ""]
    for p in entry["params"]:
        lines.append(f"    {p['name']} = {p['default']!r}  in {p['range']}: {p['doc']}")
    if entry["reference"]:
        lines += ["", "Reference: " + entry["reference"]]
    if entry["differs"]:
        lines += ["", "Against torch.optim, optax and keras: " + entry["differs"]]
    return "\n".join(lines)


for _entry in _CATALOG:
    if _entry["family"] == "wrapper":
        continue
    _cls = type(_class_name(_entry["name"]), (Optimizer,),
                {"_name": _entry["name"], "__doc__": _doc(_entry), "__module__": __name__})
    globals()[_cls.__name__] = _cls
    __all__.append(_cls.__name__)


def optimizers() -> list[dict]:
    """Every optimizer of the registry: name, family, settings with defaults, ranges and docs."""
    return _call("GET", "/api/optimizers")["optimizers"]


class _Functions:
    """The registry's functions: ``descent.functions()`` lists them (name, formula, settings,
    start, plotting box); ``descent.functions.anisotropic(ratio=30, angle=45)`` is the spec
    ``"anisotropic:ratio=30,angle=45"``, for :func:`run` and the other calls."""

    def __call__(self) -> list[dict]:
        return _call("GET", "/api/functions")["functions"]

    def _names(self) -> list[str]:
        return [f["name"] for f in self()]

    def __getattr__(self, name: str):
        if name.startswith("_") or name not in self._names():
            raise AttributeError(f"descent.functions has no function '{name}'")

        def spec(**settings: Any) -> str:
            return _spec(name, settings)

        spec.__name__ = name
        spec.__doc__ = next(f for f in self() if f["name"] == name).get("doc", "")
        return spec

    def __dir__(self) -> list[str]:
        return self._names()


functions = _Functions()


# ---- The laboratory

class RunResult(dict):
    """What :func:`run` answers (a dict: ``function``, ``start``, ``results``), with each result's
    ``points`` and ``loss`` as numpy arrays. In Jupyter it shows the paths on the contour map of a
    2-D function of the registry or a typed expression; :meth:`figure` gives that figure (or another
    kind) as bytes."""

    drawable = True  # False for a Python function: the figures need the function's spec

    def figure(self, kind: str = "contour", format: str | None = None,
               path: str | None = None) -> bytes:
        """This run's figure as bytes (and written to ``path``); see :func:`descent.figure`."""
        return figure(self, kind=kind, format=format, path=path)

    def _repr_png_(self) -> bytes | None:
        if len(self.get("start", [])) != 2 or not self.drawable:
            return None
        return self.figure("contour", "png")


def run(function: Any = "anisotropic", optimizers: Sequence[str] | str = ("sgd",), steps: int = 50,
        start: Sequence[float] | None = None, tol: float | None = None, noise: float | None = None,
        seed: int | None = None) -> RunResult:
    """Runs each optimizer (specs) on ``function`` from ``start`` for ``steps`` steps, as
    ``descent run`` does.

    ``function`` is a spec (``"rosenbrock"``, ``descent.functions.anisotropic(ratio=30)``), a typed
    expression (``"w1^2 + 8*w2^2"``), or a Python callable ``f(w) -> (value, gradient)`` of a
    float64 array, which needs ``start`` (its dimension). Each result holds ``optimizer``,
    ``label``, ``termination``, ``message``, ``steps``, ``points`` (steps+1 x dim), ``loss`` and
    ``metrics``; see docs/api.md (POST /api/run).
    """
    if isinstance(optimizers, str):
        optimizers = [optimizers]
    if callable(function):
        if start is None:
            raise DescentError("start: a Python function needs a start point", "start")
        if noise is not None or seed is not None:
            raise DescentError("noise: not for a Python function (add your own)", "noise")

        def evaluate(w):
            out = function(w)
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise DescentError("the function must return (value, gradient): a number and "
                                   "float64 values")
            return float(out[0]), _np.ascontiguousarray(out[1], dtype=float).reshape(-1)

        name = getattr(function, "__name__", "python function")
        text = _run_callable(evaluate, name, list(map(float, start)), list(optimizers), int(steps),
                             1e-6 if tol is None else float(tol))
        result = RunResult(_arrays(_json.loads(text), ("points", "loss", "steps")))
        result.drawable = False
        return result
    body: dict[str, Any] = {"function": function, "optimizers": list(optimizers), "steps": steps}
    for key, value in (("start", start), ("tol", tol), ("noise", noise), ("seed", seed)):
        if value is not None:
            body[key] = list(map(float, value)) if key == "start" else value
    return RunResult(_arrays(_call("POST", "/api/run", body), ("points", "loss", "steps")))


def sweep(grid: Sequence[str] | str, function: str = "anisotropic", optimizer: str = "momentum",
          steps: int = 200, start: Sequence[float] | None = None, metric: str = "steps_to_tol",
          tol: float | None = None) -> dict:
    """An optimizer over a 1-D or 2-D grid of its settings (axes ``"lr=1e-3:1:log:64"``), each
    cell a run: ``axes`` (their values as arrays), ``cells`` and ``median``, the metric as an
    array of the grid's shape (NaN where it is infinite or the run diverged)."""
    if isinstance(grid, str):
        grid = [grid]
    body: dict[str, Any] = {"function": function, "optimizer": optimizer, "grid": list(grid),
                            "steps": steps, "metric": metric}
    if start is not None:
        body["start"] = list(map(float, start))
    if tol is not None:
        body["tol"] = tol
    answer = _call("POST", "/api/sweep", body)
    for axis in answer["axes"]:
        axis["values"] = _np.array(axis["values"], dtype=float)
    shape = tuple(len(a["values"]) for a in answer["axes"])
    answer["median"] = _np.array([_np.nan if c["median"] is None else c["median"]
                                  for c in answer["cells"]], dtype=float).reshape(shape)
    return answer


def tune(optimizers: Sequence[str] | str, function: str = "rosenbrock", keys: Sequence[str] = (),
         budget: int = 64, search: str = "random", steps: int = 1000,
         start: Sequence[float] | None = None, tol: float = 1e-6, metric: str = "final_loss",
         starts: int = 1, seeds: int = 1, noise: float = 0.0, batch: int = 0, seed: int = 0) -> dict:
    """Tunes every optimizer under one protocol, as ``descent tune`` does: ``budget`` settings of
    each one's shown keys (or ``keys``), searched at random or on a grid, each run ``steps`` steps
    from ``starts`` start points (and ``seeds`` noise seeds with ``noise``). Answers as its
    tune.json: ``leaderboard`` (each optimizer's best setting, best first) and every optimizer's
    ``space`` and ``trials``."""
    if isinstance(optimizers, str):
        optimizers = [optimizers]
    text = _tune(function, [] if start is None else list(map(float, start)), list(optimizers),
                 list(keys), int(budget), search, int(steps), float(tol), metric, int(starts),
                 int(seeds), float(noise), int(batch), int(seed))
    return _json.loads(text)


def tuning(optimizers: Sequence[str], function: str = "anisotropic", steps: int = 200,
           points: int = 31, start: Sequence[float] | None = None, lo: float = -4, hi: float = 2,
           tolerance: float = 0.1) -> dict:
    """Each optimizer's score (1: as low as the best run of all, 0: no progress) at ``points``
    learning rates from 10^lo to 10^hi times its default, and its tuning width, as
    ``descent study tuning`` scores them (docs/tuning-study.md)."""
    body: dict[str, Any] = {"function": function, "optimizers": list(optimizers), "steps": steps,
                            "points": points, "lo": lo, "hi": hi, "tolerance": tolerance}
    if start is not None:
        body["start"] = list(map(float, start))
    return _arrays(_call("POST", "/api/tuning", body), ("lr", "loss", "score"))


def analyze(function: str = "anisotropic", at: Sequence[float] | None = None) -> dict:
    """The theory at a point (a minimizer by default): the Hessian's eigenvalues, the condition
    number, gradient descent's and momentum's stable and optimal settings."""
    body: dict[str, Any] = {"function": function}
    if at is not None:
        body["at"] = list(map(float, at))
    return _arrays(_call("POST", "/api/analyze", body), ("eigenvalues", "point"))


def surface(function: str = "anisotropic", lower: Sequence[float] | None = None,
            upper: Sequence[float] | None = None, resolution: int = 101) -> dict:
    """A 2-D function's values on a grid over its plotting box (or [lower, upper]): ``x``, ``y``
    and ``z`` (resolution x resolution, rows along y) as arrays."""
    body: dict[str, Any] = {"function": function, "resolution": resolution}
    if lower is not None:
        body["lower"] = list(map(float, lower))
    if upper is not None:
        body["upper"] = list(map(float, upper))
    return _arrays(_call("POST", "/api/surface", body), ("x", "y", "z"))


def figure(result: Mapping[str, Any], kind: str = "contour", format: str | None = None,
           path: str | None = None) -> bytes:
    """The figure of a :func:`run` on a 2-D function as bytes: ``kind`` is ``contour``,
    ``surface3d``, ``loss`` or ``animation`` (a GIF), ``format`` png, svg or pdf (by default the
    suffix of ``path``, else png), drawn as ``descent run`` draws them. With ``path`` the bytes
    are also written there."""
    if format is None:
        format = path.rsplit(".", 1)[-1].lower() if path and "." in path else "png"
        if kind == "animation":
            format = "png"  # the animation is a GIF whatever the format
    if getattr(result, "drawable", True) is False:
        raise DescentError("the figures draw functions of the registry and typed expressions, "
                           "not a Python function")
    paths = []
    for r in result["results"]:
        points = _np.asarray(r["points"], dtype=float)
        paths.append((r["label"], points.tolist(), list(map(float, r["loss"])),
                      r["termination"] in ("diverged", "diverging")))
    data = _render(kind, result["function"], paths, format)
    if path is not None:
        with open(path, "wb") as f:
            f.write(data)
    return data
