"""An unknown component name refused before the kind's modules are imported.

:func:`trojanscope.registry.get` imports every module of a kind to find its names: for
detectors that is torch, scikit-learn, SciPy and ONNX, about 5 CPU seconds (20-30 s wall on a
loaded machine), which stop 62 paid before ``--method nope`` was refused. The built-ins of the
kinds below register with a literal ``register("kind", "name")`` call, so their names can be
read from the source text instead; ``tests/cli/test_early_refusals.py`` checks that this reading
equals the imported registry. With a plug-in installed (an entry point of
``trojanscope.plugins``) nothing is refused here: the registry, which loads them, decides.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path

from trojanscope.errors import UserInputError
from trojanscope.registry import KIND_INFO, PLUGIN_GROUP

# kinds whose built-ins all register by a literal call (the test above keeps it so)
EARLY_KINDS = ("attack", "detector", "input-detector", "data-detector", "mitigation", "arch",
               "trigger", "defence", "input-purifier")


@cache
def source_names(kind: str) -> frozenset[str]:
    """The names the kind's packages register by ``register("kind", "name")``, read from the
    source of the modules :func:`trojanscope.registry.get` would import."""
    call = re.compile(r'register\(\s*"' + re.escape(kind) + r'"\s*,\s*"([^"]+)"\s*\)')
    found: set[str] = set()
    root = Path(__file__).parent  # trojanscope's own folder: find_spec of a subpackage would
    for package in KIND_INFO[kind].packages:  # import its parents (trojanscope.detect: torch)
        head, _, rest = package.partition(".")
        folder = root.joinpath(*rest.split(".")) if rest else root
        if head != "trojanscope" or not folder.is_dir():
            continue
        for path in folder.rglob("*.py"):
            if path.name.startswith("_") and path.name != "__init__.py":
                continue  # the registry does not import them either
            found.update(call.findall(path.read_text(encoding="utf-8")))
    return frozenset(found)


def check_name_early(kind: str, name: str) -> None:
    """One ``error:`` line for a ``name`` of ``kind`` that no built-in registers, worded as
    :func:`trojanscope.registry.get` words it; nothing when it may be valid (a built-in name,
    a kind not read early, or any plug-in installed)."""
    if kind not in EARLY_KINDS or name in source_names(kind):
        return
    if plugins_installed():
        return
    valid = ", ".join(sorted(source_names(kind))) or "(none)"
    raise UserInputError(f"unknown {kind} {name!r}; valid: {valid}")


def plugins_installed() -> bool:
    """Whether any plug-in is installed (an entry point of ``trojanscope.plugins``): then a name
    or a data file the built-ins do not take may be valid, and the registry decides."""
    return bool(entry_points(group=PLUGIN_GROUP))
