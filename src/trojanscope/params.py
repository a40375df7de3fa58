"""scikit-learn-style parameters: a component's parameters are its ``__init__`` signature."""

from __future__ import annotations

import inspect
from typing import Any


class ParamsMixin:
    """Gives ``get_params`` and a readable ``repr`` to classes that store their init arguments
    under attributes of the same name."""

    @classmethod
    def param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

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
