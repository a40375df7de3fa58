"""Boosted-tree model files: XGBoost JSON / UBJSON and LightGBM text (registry ``scan-format``).

These formats hold trees and numbers only — loading one runs no Python — so the scanner records
the kind and checks the structure a loader relies on (tree counts against the declared count,
the fields every model has). A malformed file gets TS340: C++ parsers have misread such files.
Nothing is loaded with the libraries themselves.
"""

from __future__ import annotations

import json
from typing import Any

from trojanscope.registry import register
from trojanscope.report.model import Severity
from trojanscope.scan.context import Ctx
from trojanscope.scan.formats import ScanFormat
from trojanscope.scan.lightgbm_text import lightgbm_text_problem
from trojanscope.scan.stream import Reader

MAX_BYTES = 256 << 20  # structure checks read at most this much of a model file
_CHUNK = 1 << 20
LIGHTGBM_HEAD = b"tree\nversion=v"


def read_all(reader: Reader, limit: int = MAX_BYTES) -> tuple[bytes, bool]:
    """The stream's bytes up to ``limit``, and whether it ended within it."""
    parts, total = [], 0
    while total < limit:
        chunk = reader.peek(min(_CHUNK, limit - total))
        if not chunk:
            return b"".join(parts), True
        reader.read_exact(len(chunk))
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts), reader.at_eof()


def xgboost_problem(model: Any) -> str | None:
    """What is wrong with a parsed XGBoost model document, or None."""
    try:
        booster = model["learner"]["gradient_booster"]
        if booster.get("name") == "gblinear":
            return None
        inner = booster["model"] if "model" in booster else booster["gbtree"]["model"]
        declared = int(inner["gbtree_model_param"]["num_trees"])
        held = len(inner["trees"])
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError):
        # OverflowError: a count of 1e999 (JSON reads it as inf; int() refuses)
        return "the learner/gradient_booster/trees structure is missing"
    if held != declared:
        return f"declares {declared} trees but holds {held}"
    return None


class TreeFileFormat(ScanFormat):
    """A boosted-tree model file: read whole (up to :data:`MAX_BYTES`), structure checked."""

    kind = ""
    label = ""

    def problem(self, data: bytes) -> str | None:
        """What is wrong with the file's structure, or None."""
        raise NotImplementedError

    def parser_hazard(self, data: bytes) -> str | None:
        """Why the library's own reader must not be given ``data`` (it could crash), or None."""
        return None

    def scan(self, ctx: Ctx, reader: Reader, raw, size, name, reopen) -> str:
        ctx.note_kind(self.kind)
        data, complete = read_all(reader)
        if not complete:
            ctx.details[self.kind] = f"larger than {MAX_BYTES} bytes: structure not checked"
            return self.kind
        hazard = self.parser_hazard(data)
        if hazard:  # a file that would crash the reader is as blocking as one that runs code
            ctx.add("TS340", f"{self.label} model: {hazard}", severity=Severity.HIGH)
            return self.kind
        problem = self.problem(data)
        if problem:
            ctx.add("TS340", f"{self.label} model: {problem}")
        return self.kind


@register("scan-format", "xgboost")
class XGBoostFormat(TreeFileFormat):
    """XGBoost models (JSON or UBJSON): trees and numbers only; the structure is checked."""

    order = 75
    kind, label = "xgboost", "XGBoost"

    def matches(self, head: bytes, name: str) -> bool:
        text = head.lstrip()[:40]
        return text.startswith((b'{"learner"', b"{L\x00\x00\x00\x00\x00\x00\x00\x07learner",
                                b"{i\x07learner", b"{U\x07learner"))

    def parser_hazard(self, data: bytes) -> str | None:
        from trojanscope.scan.xgboost_doc import xgboost_document_problem

        hazard = xgboost_document_problem(data)  # depth and declared sizes (JSON and UBJSON)
        if hazard and data.lstrip().startswith(b'{"') and "nested" not in hazard:
            return None  # JSON that does not parse: XGBoost refuses it cleanly (problem() says so)
        return hazard

    def problem(self, data: bytes) -> str | None:
        if not data.lstrip().startswith(b'{"'):
            return None  # UBJSON: its structure is not parsed further
        try:
            return xgboost_problem(json.loads(data))
        except (ValueError, RecursionError) as exc:
            return f"not valid JSON ({exc})"


@register("scan-format", "lightgbm")
class LightGBMFormat(TreeFileFormat):
    """LightGBM text models: trees and numbers only; header, tree sizes and fields checked."""

    order = 76
    kind, label = "lightgbm", "LightGBM"

    def matches(self, head: bytes, name: str) -> bool:
        return head.startswith(LIGHTGBM_HEAD)

    def problem(self, data: bytes) -> str | None:
        return lightgbm_text_problem(data)
