"""Import a large optional module (torch) the first time a scan needs it, on a fresh thread.

A scan may first need torch deep inside a recursive check of a hostile file. If the import
then hits the recursion limit part-way, ``torch`` stays half-initialised in ``sys.modules``
("partially initialized module 'torch' has no attribute 'types'") and every later use in the
process fails, for every file scanned after, and for the host program; importing again after
removing it fails too (its C extension is already initialised). A new thread starts with an
empty stack, so the import never runs out of depth, whatever the caller's."""

from __future__ import annotations

import importlib
import sys
import threading
from types import ModuleType


def shallow_import(name: str) -> ModuleType:
    """``importlib.import_module(name)``, run on a new thread unless already imported."""
    module = sys.modules.get(name)
    spec = getattr(module, "__spec__", None)
    if module is not None and not getattr(spec, "_initializing", False):
        return module
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["module"] = importlib.import_module(name)
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc

    thread = threading.Thread(target=run, name=f"import-{name}", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["module"]  # type: ignore[return-value]
