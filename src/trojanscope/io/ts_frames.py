"""Plain tensors over a pipe, between this process and the sandboxed TorchScript child.

A frame is a JSON list of ``{"dtype", "shape"}`` specs and the tensors' raw bytes, one after
another (C order, native byte order). Decoding reads only that: a dtype from a fixed list, a
shape of small non-negative integers, and exactly as many bytes as they declare, under a cap —
never pickle, never an object the sender chose (the child is untrusted). Needs only the
standard library and torch (the child imports it as a script's neighbour).
"""

from __future__ import annotations

import math
import mmap

import torch

DTYPES = {name: getattr(torch, name) for name in (
    "float32", "float64", "float16", "bfloat16", "complex64", "complex128", "int64", "int32",
    "int16", "int8", "uint8", "bool")}
MAX_TENSORS = 256
MAX_DIMS = 16


class FrameError(ValueError):
    """A frame that does not hold what its specs declare (or holds too much)."""


def encode(tensors: list[torch.Tensor]) -> tuple[list[dict], bytes]:
    """Specs and bytes of ``tensors`` (detached, on the CPU, contiguous)."""
    specs, parts = [], []
    for t in tensors:
        t = t.detach().cpu().contiguous()
        name = str(t.dtype).removeprefix("torch.")
        if name not in DTYPES:
            raise FrameError(f"a tensor of dtype {name}, not one a frame carries")
        specs.append({"dtype": name, "shape": list(t.shape)})
        parts.append(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return specs, b"".join(parts)


def decode(specs: object, data: bytes | bytearray | mmap.mmap,
           max_bytes: int) -> list[torch.Tensor]:
    """The tensors ``specs`` declare, read from ``data``; :class:`FrameError` for anything
    else: an unknown dtype, a shape that is not a short list of non-negative integers, more
    than ``max_bytes`` in all, or bytes left over or missing. From a writable buffer (the
    parent's answer, a ``bytearray`` or ``mmap``) the largest tensor, when aligned, is a view
    of it, not a copy (issue 4, stop 39); every other tensor is copied, so that keeping a
    small output does not keep the whole answer alive (round 11). From ``bytes`` (read-only)
    each is copied once."""
    if len(data) > max_bytes:
        raise FrameError(f"{len(data):,} bytes, over the {max_bytes:,}-byte cap")
    if not isinstance(specs, list) or len(specs) > MAX_TENSORS:
        raise FrameError("tensor specs are not a list of at most "
                         f"{MAX_TENSORS} entries")
    out, at, sizes = [], 0, _sizes(specs, max_bytes)
    largest = max(range(len(sizes)), key=sizes.__getitem__) if sizes else -1
    for index, spec in enumerate(specs):
        if (not isinstance(spec, dict) or not isinstance(spec.get("dtype"), str)
                or spec["dtype"] not in DTYPES):
            raise FrameError(f"a tensor spec with no known dtype ({str(spec)[:80]})")
        shape = spec.get("shape")
        if (not isinstance(shape, list) or len(shape) > MAX_DIMS
                or not all(type(n) is int and 0 <= n <= max_bytes for n in shape)):
            raise FrameError(f"a tensor spec with an unreadable shape ({str(shape)[:80]})")
        dtype = DTYPES[spec["dtype"]]
        size = math.prod(shape) * torch.empty((), dtype=dtype).element_size()
        if at + size > len(data):
            raise FrameError("tensor specs declare more bytes than the frame holds")
        start, width = at, torch.empty((), dtype=dtype).element_size()
        at += size
        try:  # torch's own checks (a shape whose strides overflow) said as a FrameError
            if size == 0:
                out.append(torch.empty(shape, dtype=dtype))
            elif (index == largest and isinstance(data, (bytearray, mmap.mmap))
                  and start % width == 0):
                out.append(torch.frombuffer(data, dtype=dtype, count=size // width,
                                            offset=start).reshape(shape))
            else:  # read-only bytes, or a tensor not aligned to its element size: a copy
                raw = torch.frombuffer(bytearray(data[start:start + size]), dtype=torch.uint8)
                out.append(raw.view(dtype).reshape(shape))
        except (RuntimeError, TypeError, ValueError, OverflowError, MemoryError) as exc:
            raise FrameError(f"a tensor spec torch cannot build ({str(exc)[:80]})") from None
    if at != len(data):
        raise FrameError(f"{len(data) - at:,} bytes left over after the declared tensors")
    return out


def _sizes(specs: list, max_bytes: int) -> list[int]:
    """Each spec's byte size where it reads (0 where not: :func:`decode` says why)."""
    sizes = []
    for spec in specs:
        shape = spec.get("shape") if isinstance(spec, dict) else None
        dtype = DTYPES.get(spec.get("dtype")) if isinstance(spec, dict) and isinstance(
            spec.get("dtype"), str) else None
        ok = (dtype is not None and isinstance(shape, list) and len(shape) <= MAX_DIMS
              and all(type(n) is int and 0 <= n <= max_bytes for n in shape))
        sizes.append(math.prod(shape) * torch.empty((), dtype=dtype).element_size()
                     if ok else 0)
    return sizes
