"""scikit-learn-style parameters: a component's parameters are its ``__init__`` signature."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable
from typing import Any

import numpy as np

from trojanscope.errors import UserInputError

# The kinds of component that take ``-p``/``--*-param`` values on the command line.
PARAM_KINDS: tuple[str, ...] = (
    "arch", "trigger", "attack", "detector", "input-detector", "data-detector", "mitigation",
    "input-purifier", "defence",
)


def init_parameters(target: Any) -> list[inspect.Parameter]:
    """The parameters ``target`` (a class: its ``__init__``; or a function) takes by name:
    ``self``, ``*args`` and ``**kwargs`` left out."""
    func = target.__init__ if inspect.isclass(target) else target
    return [
        p
        for p in inspect.signature(func).parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def component_parameters(kinds: Iterable[str] = PARAM_KINDS
                         ) -> list[tuple[str, str, list[inspect.Parameter]]]:
    """Every registered component of ``kinds`` and the parameters it takes by name (what a
    ``-p KEY=VALUE`` can set, the ones the CLI sets itself included), in the registry's order:
    the walk that the parameter sweep (``benchmarks/bad_params.py``) and the range tests
    (``tests/test_param_ranges.py``) share."""
    from trojanscope import registry

    return [
        (kind, name, init_parameters(registry.get(kind, name)))
        for kind in kinds
        for name in registry.names(kind)
    ]


class ParamsMixin:
    """Gives ``get_params`` and a readable ``repr`` to classes that store their init arguments
    under attributes of the same name."""

    @classmethod
    def param_names(cls) -> list[str]:
        return [p.name for p in init_parameters(cls)]

    def get_params(self) -> dict[str, Any]:
        """The init parameters as plain values (nested components become dicts)."""
        out: dict[str, Any] = {}
        for name in self.param_names():
            value = getattr(self, name)
            if isinstance(value, ParamsMixin):
                value = {"name": getattr(value, "name", type(value).__name__), **value.get_params()}
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def parse_assignments(items: Iterable[str], what: str) -> dict[str, Any]:
    """``["size=4", "position=top-left", "color=[1,0,0]"]`` -> parameters: values are read as
    JSON where they are valid JSON (lists become tuples), else kept as strings; dashes in names
    become underscores. ``what`` names the source in the error for an item without ``=``."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UserInputError(f"{what} {item!r} must look like name=value")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out[key.strip().replace("-", "_")] = tuple(value) if isinstance(value, list) else value
    return out


def check_flag(name: str, value: object) -> bool:
    """An on/off component option: ``true``/``false`` or 1/0, anything else (``"no"``, 2) a
    ValueError the registry turns into one error line (a string would otherwise count as on)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{name} must be true/false or 1/0, got {value!r}")


def check_option(name: str, value: float, low: float = 0.0,
                 high: float = float("inf"), *, above: bool = False,
                 integer: bool = False) -> None:
    """Refuse a component option outside ``[low, high]`` (``(low, high]`` with ``above``), NaN,
    or (with ``integer``) not a whole number: a ValueError the registry turns into one error
    line."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value == value
    ok = ok and (value > low if above else value >= low) and value <= high
    if ok and integer:
        ok = float(value).is_integer()
    if not ok:
        kind = "a whole number" if integer else "a number"
        lower = f"> {low}" if above else f">= {low}"
        upper = f" and <= {high}" if high != float("inf") else ""
        raise ValueError(f"{name} must be {kind} {lower}{upper}, got {value!r}")


def check_types(what: str, target: Any, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` checked against the ``int``, ``float`` and ``bool`` annotations of
    ``target``'s signature (a class's ``__init__``), so that a value of the wrong kind
    (``steps=abc``, ``steps=NaN``, ``folds=2.5``, ``hidden=maybe``) is one error line naming
    the parameter, not a crash deep inside the component. A whole number given as a float
    (``1e3``) becomes an int; other annotations are not checked. ``what`` names the component
    in the error."""
    import numbers
    import typing

    try:
        hints = typing.get_type_hints(target.__init__ if inspect.isclass(target) else target)
    except Exception:  # annotations that cannot be resolved: not checked
        return params
    out = dict(params)
    for key, value in params.items():
        if isinstance(value, np.generic):  # np.True_, np.float32(0.01): their Python value
            value = out[key] = value.item()
        want = _plain_type(hints.get(key))
        if want is None or value is None:
            continue
        number = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if want is bool:
            ok = isinstance(value, bool) or (number and value in (0, 1))
            kind = "true/false or 1/0"
        elif want is int:
            ok = number and float(value).is_integer()
            kind = "a whole number"
            if ok:
                out[key] = int(value)
        else:
            ok = number and value == value
            kind = "a number"
        if not ok:
            raise UserInputError(f"{what}: {key} must be {kind}, got {value!r}")
    return out


def _plain_type(hint: Any) -> type | None:
    """``int``, ``float`` or ``bool`` when ``hint`` is one of them (or it or None)."""
    import types
    import typing

    if hint in (int, float, bool):
        return hint
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and args[0] in (int, float, bool):
            return args[0]
    return None


INF = float("inf")
# Ranges of component parameters known by their name, whatever the component (stop 35):
# ``name -> (low, high, above, integer)``; a value outside is one error line naming the
# parameter and its range when the component is made (``registry.create``, after the
# component's own checks), not a crash or a silently useless run later. A component's own
# ``param_ranges`` adds to or overrides these.
NAMED_RANGES: dict[str, tuple[float, float, bool, bool]] = {
    "lr": (0.0, 10.0, True, False),  # engine.train.MAX_LR: above it training diverges
    "rel_lr": (0.0, 10.0, True, False),
    "learning_rate": (0.0, 1.0, True, False),  # a tree ensemble's shrinkage
    "seed": (0, 2**63 - 1, False, True),  # torch.manual_seed takes at most 2**64 - 1
    **{
        name: (1, INF, False, True)  # counts and sizes: at least one
        for name in (
            "batch_size", "per_class", "arms", "batch_per_arm", "dims", "k", "n_estimators",
            "neighbours", "mass_trees", "partitions", "filters", "embed_dim", "width",
            "vocab_size", "max_len", "suspects", "n_starts", "n_overlays", "n_models",
            "max_depth",
        )
    },
    # shares of something (of the samples, channels, images): in [0, 1]. Not thresholds on
    # probabilities or agreement (``gate``, ``success``, ``*_agree``…): one above 1 is a way
    # to turn a step off (``adaptive -p gate=1.01``: no model is treated)
    **{name: (0.0, 1.0, False, False) for name in ("val_fraction", "max_ratio", "keep")},
}


def check_ranges(what: str, target: Any, params: dict[str, Any]) -> None:
    """Refuse a number outside its range: the component's ``param_ranges``, else
    :data:`NAMED_RANGES`, else (for a parameter annotated ``int`` or ``float`` whose default is
    not negative, unless the component lists it in ``signed_params``) any negative value.
    ``params`` are already checked by :func:`check_types`; ``what`` names the component."""
    import typing

    func = target.__init__ if inspect.isclass(target) else target
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # annotations that cannot be resolved: not checked
        return
    defaults = {p.name: p.default for p in inspect.signature(func).parameters.values()}
    own = getattr(target, "param_ranges", {})
    signed = set(getattr(target, "signed_params", ()))
    for key, value in params.items():
        if _plain_type(hints.get(key)) not in (int, float) or isinstance(value, bool):
            continue
        if value is None or not isinstance(value, (int, float)):
            continue
        bounds = own.get(key) or NAMED_RANGES.get(key)
        if bounds is None:
            default = defaults.get(key)
            if key in signed or (isinstance(default, (int, float)) and default < 0):
                continue
            bounds = (0, INF, False, False)
        low, high, above, integer = bounds
        try:
            check_option(key, value, low, high, above=above, integer=integer)
        except ValueError as exc:
            raise UserInputError(f"{what}: {exc}") from None


def check_share(flag: str, value: float | None, *, one: bool = False) -> None:
    """``value`` of ``flag`` in (0, 1), or (0, 1] with ``one`` (NaN refused), in one error
    line; nothing for None. Torch-free, so a command checks its shares before the imports."""
    if value is None:
        return
    if not (0.0 < value < 1.0 or (one and value == 1.0)):
        raise UserInputError(f"{flag} must be in (0, 1{']' if one else ')'}, got {value}")
