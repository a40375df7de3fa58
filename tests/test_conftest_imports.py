"""The suite's top ``conftest.py`` stays light to import (stop 61)."""

from __future__ import annotations

import ast
from pathlib import Path


def test_the_top_conftest_imports_neither_torch_nor_trojanscope() -> None:
    """xdist's controller loads ``tests/conftest.py`` and runs no test: what it imports at
    module level delays both workers' start (stop 61: torch and trojanscope, 3.5 CPU-s)."""
    tree = ast.parse((Path(__file__).parent / "conftest.py").read_text())
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = {a.name.split(".")[0] for n in top if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module.split(".")[0] for n in top if isinstance(n, ast.ImportFrom) and n.module}
    assert names and not names & {"torch", "trojanscope", "numpy"}, names
