"""A scan that first needs torch deep in a recursive check must not break torch for the
process (stop 41: fuzz seeds 203 and 204 gave TS999 "partially initialized module" on every
TorchScript archive after some earlier input)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("torch")

CHILD = """
import sys
from trojanscope.scan.torchscript_code import _aten_operator

def deep(n):
    return _aten_operator("add") if n == 0 else deep(n - 1)

try:
    print("deep:", deep(sys.getrecursionlimit() - 60))
except RecursionError:
    print("deep: RecursionError")
import torch
print("after:", torch.Tensor.__name__, bool(torch._C._jit_get_schemas_for_operator("aten::mul")))
"""


def test_first_torch_import_near_the_recursion_limit_leaves_torch_whole():
    """60 frames from the limit, the first ``import torch`` (about 100 frames deep itself) ran
    out of depth part-way; torch then stayed half-initialised for good. Now it is imported on
    a fresh thread: the check answers, and torch works after."""
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                          timeout=300, check=False)
    assert "deep: True" in done.stdout, done.stdout + done.stderr[-2000:]
    assert "after: Tensor True" in done.stdout, done.stdout + done.stderr[-2000:]


THREADS = """
import threading
from trojanscope.scan.torchscript_upsample import torch_interpolate
got, errors = [], []
def work():
    try:
        got.append(torch_interpolate())
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print("errors:", errors, "distinct:", len(set(got)))
"""


def test_first_interpolate_fingerprint_on_several_threads_at_once():
    """Scans in threads meeting their first antialiased upsample together scripted torch's
    interpolate at once: torch.jit.script raised KeyError on all but one (review hR1, stop 41),
    a scanner error on a benign archive."""
    done = subprocess.run([sys.executable, "-c", THREADS], capture_output=True, text=True,
                          timeout=300, check=False)
    assert "errors: [] distinct: 1" in done.stdout, done.stdout + done.stderr[-2000:]
