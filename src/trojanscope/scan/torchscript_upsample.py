"""Antialiased upsampling in TorchScript code: the calls that read out of bounds, told apart from
the ones ordinary models make.

``torch._upsample_{bilinear,bicubic,lanczos}2d_aa`` with an explicit scale that does not match
its output size reads past its input (a crash or a heap read; review, stop 35). Its ``.vec``
overload (``input, output_size, align_corners, scale_factors``) takes exactly one of output
size and scale factors (aten checks it) and is then always consistent; the other overload
(``…, scales_h, scales_w``) is the dangerous one. TorchScript picks the overload from the
argument types, so a call is allowed when its scale argument is absent, ``None`` or a list
literal (what tracing writes), or when it sits in a function identical to the ``interpolate``
torch itself prints for ``F.interpolate`` (which passes ``Optional[List[float]]``): every
scripted ``nn.Upsample`` holds that function, so the operators cannot simply be refused.
"""

from __future__ import annotations

import ast
import functools
import io
import re
import threading
import zipfile

from trojanscope.scan.lazy_import import shallow_import

__all__ = ["antialias_problem", "is_antialias_operator"]

_AA = re.compile(r"^_upsample_\w+_aa$")
_MANGLE = re.compile(r"___torch_mangle_\d+")
SCALE_KEYWORDS = frozenset({"scales_h", "scales_w", "scales", "scale_factors"})


def is_antialias_operator(name: str) -> bool:
    """Whether ``name`` is one of aten's antialiased upsampling operators."""
    return bool(_AA.match(name))


def _fingerprint(func: ast.FunctionDef) -> str:
    return _MANGLE.sub("___torch_mangle", ast.dump(func, annotate_fields=False))


_SCRIPTING = threading.Lock()


def torch_interpolate() -> frozenset[str]:
    """Fingerprints of the ``interpolate`` function the installed torch prints into archives
    (scripted once per process, our own code). One thread at a time: ``torch.jit.script`` of
    the same class on two threads at once fails (KeyError on the compiled function's name),
    and scans run in threads."""
    with _SCRIPTING:
        return _scripted_interpolate()


@functools.cache
def _scripted_interpolate() -> frozenset[str]:
    torch = shallow_import("torch")
    F = shallow_import("torch.nn.functional")

    class _Upsample(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.interpolate(x, scale_factor=2.0, mode="bilinear", antialias=True)

    buf = io.BytesIO()
    try:  # scripting needs this file's source; without it no call is let through this way
        torch.jit.save(torch.jit.script(_Upsample()), buf)
    except (OSError, RuntimeError):
        return frozenset()
    found = set()
    with zipfile.ZipFile(buf) as zf:
        for name in zf.namelist():
            if name.endswith(".py"):
                for node in ast.parse(zf.read(name).decode()).body:
                    if isinstance(node, ast.FunctionDef) and node.name == "interpolate":
                        found.add(_fingerprint(node))
    return frozenset(found)


def antialias_problem(
    node: ast.Call, method: bool, enclosing: ast.FunctionDef | None
) -> str | None:
    """Why this call of an antialiased upsampling operator is refused, or None.
    ``method``: written ``x._upsample_…_aa(…)`` (the input is the receiver, not an argument)."""
    scale_at = 2 if method else 3
    if len(node.args) > scale_at + 1 or any(
        k.arg in SCALE_KEYWORDS or k.arg is None for k in node.keywords
    ):
        return "antialiased upsampling with an explicit scale per dimension"
    if len(node.args) <= scale_at:
        return None
    scale = node.args[scale_at]
    if (isinstance(scale, ast.Constant) and scale.value is None) or isinstance(scale, ast.List):
        return None
    if enclosing is not None and _fingerprint(enclosing) in torch_interpolate():
        return None
    return (
        "antialiased upsampling with a computed scale outside torch's own interpolate "
        "(a scale that does not match the output size reads out of bounds)"
    )
