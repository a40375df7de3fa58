"""Review of the stop-42 scanner merge (stop 43, hR1): the Keras byte scan (no h5py) still lost a
Lambda layer whose value the 8 MiB chunk boundary cut after a long whitespace run."""

from __future__ import annotations

import io

import pytest

from trojanscope.scan.context import Ctx
from trojanscope.scan.rules import load_policy

SIGNATURE = b"\x89HDF\r\n\x1a\n"


_C = 8 << 20  # keras_fmt's byte-scan chunk


def _at_boundary(before: bytes, after: bytes) -> bytes:
    """``before`` ending exactly at the byte scan's first chunk boundary, then ``after``."""
    return SIGNATURE + b"x" * (_C - len(SIGNATURE) - len(before)) + before + after


@pytest.mark.parametrize("before, after", [
    (b'"class_name"' + b" " * 100_000 + b': "Lam', b'bda"'),
    (b'"class_name":' + b"\n" * 100_000 + b'"', b'Lambda"'),
    (b'"class_name"' + b" " * 70_000 + b':"\\u00', b'4cambda"'),
    (b'"class_name"  :' + b"\t" * 70_000 + b'"__lambda_', b'_"'),
], ids=["value-cut", "quote-alone", "escape-cut", "dunder-cut"])
def test_byte_scan_carries_a_value_cut_by_the_boundary_after_long_whitespace(
        before: bytes, after: bytes) -> None:
    """The stop-42 fix carried the key over the chunk boundary only when the window ended in
    whitespace; when the boundary cut the value itself (``"Lam|bda"``) after a run longer
    than the 64 KiB overlap, the key was lost again and, without h5py, the Lambda hidden."""
    from trojanscope.scan import keras_fmt

    ctx = Ctx(load_policy(), "model.h5")
    keras_fmt._byte_scan(ctx, io.BytesIO(_at_boundary(before, after)))
    assert [f.rule_id for f in ctx.findings] == ["TS320"]


def test_byte_scan_does_not_join_a_value_across_whitespace() -> None:
    """The carried start of a value is not glued to the next chunk past whitespace: ``"Lam``
    then `` bda"`` is no Lambda layer."""
    from trojanscope.scan import keras_fmt

    ctx = Ctx(load_policy(), "model.h5")
    keras_fmt._byte_scan(ctx, io.BytesIO(_at_boundary(
        b'"class_name"' + b" " * 100_000 + b': "Lam', b' bda"')))
    assert ctx.findings == []
