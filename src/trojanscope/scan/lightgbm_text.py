"""Strict structure check of a LightGBM text model, in Python, before LightGBM reads it.

LightGBM's C++ parser aborts the whole process (``std::terminate``, exit 134, no Python
exception) on many malformed files: a non-numeric threshold, a wrong count, a file cut short.
So the scanner and the loader check here what that parser relies on — the header fields,
``tree_sizes`` (byte lengths LightGBM seeks by), each tree's numeric fields and their counts,
child and feature indices in range, children forming a tree — and name the first problem.
"""

from __future__ import annotations

import math

HEADER_FIELDS = ("version", "num_class", "num_tree_per_iteration", "max_feature_idx",
                 "objective")
INNER = ("split_feature", "threshold", "decision_type", "left_child", "right_child")
FLOATS = {"threshold", "split_gain", "leaf_value", "leaf_weight", "internal_value",
          "internal_weight", "shrinkage"}
MAX_LEAVES = 1 << 24


def _fields(lines: list[str]) -> dict[str, str]:
    return dict(line.split("=", 1) for line in lines if "=" in line)


def _numbers(text: str, key: str, where: str) -> list[float]:
    out = []
    for token in text.split():
        try:
            value = float(token) if key in FLOATS else int(token)
        except ValueError:
            raise ValueError(f"{where}: {key} holds {token[:20]!r}, not a number") from None
        if isinstance(value, float) and math.isnan(value) and key != "threshold":
            raise ValueError(f"{where}: {key} holds nan")
        if key == "leaf_value" and not math.isfinite(value):
            raise ValueError(f"{where}: leaf_value holds {token[:20]!r}")
        out.append(value)
    return out


def _check_tree(lines: list[str], max_feature: int, where: str) -> None:
    fields = _fields(lines)
    try:
        leaves = int(fields["num_leaves"])
        num_cat = int(fields.get("num_cat", "0"))
    except KeyError as exc:
        raise ValueError(f"{where}: no {exc.args[0]}") from None
    except ValueError:
        raise ValueError(f"{where}: num_leaves or num_cat is not a whole number") from None
    if not 1 <= leaves <= MAX_LEAVES or num_cat < 0:
        raise ValueError(f"{where}: num_leaves {leaves} / num_cat {num_cat} out of range")
    need = {"leaf_value": leaves, **({k: leaves - 1 for k in INNER} if leaves > 1 else {})}
    values: dict[str, list[float]] = {}
    for key, count in need.items():
        if key not in fields:
            raise ValueError(f"{where}: no {key}")
        values[key] = _numbers(fields[key], key, where)
        if len(values[key]) != count:
            raise ValueError(f"{where}: {key} has {len(values[key])} values, expected {count}")
    for key in ("split_gain", "leaf_weight", "leaf_count", "internal_value", "internal_weight",
                "internal_count", "shrinkage"):
        if key in fields:
            _numbers(fields[key], key, where)
    if leaves == 1:
        return
    if any(not 0 <= f <= max_feature for f in values["split_feature"]):
        raise ValueError(f"{where}: split_feature outside 0..{max_feature}")
    if any(not -leaves <= c <= leaves - 2 for k in ("left_child", "right_child")
           for c in values[k]):
        raise ValueError(f"{where}: a child index is outside the tree")
    _check_shape(values["left_child"], values["right_child"], leaves, where)
    categorical = [i for i, d in enumerate(values["decision_type"]) if int(d) & 1]
    if not categorical:
        return
    bounds = _numbers(fields.get("cat_boundaries", ""), "cat_boundaries", where)
    cats = _numbers(fields.get("cat_threshold", ""), "cat_threshold", where)
    if len(bounds) != num_cat + 1 or bounds[0] != 0 or bounds != sorted(bounds) \
            or bounds[-1] != len(cats):
        raise ValueError(f"{where}: cat_boundaries do not fit num_cat / cat_threshold")
    if any(not 0 <= values["threshold"][i] < num_cat for i in categorical):
        raise ValueError(f"{where}: a categorical split names no category set")


def _check_shape(left: list[float], right: list[float], leaves: int, where: str) -> None:
    """Every inner node and every leaf reached exactly once from the root (a child index
    pointing back up makes LightGBM's tree walk loop or crash). A leaf ``k`` is written as the
    child index ``-k - 1``."""
    seen_nodes, seen_leaves, todo = {0}, set(), [0]
    while todo:
        node = todo.pop()
        for child in (int(left[node]), int(right[node])):
            seen, key = (seen_leaves, -child - 1) if child < 0 else (seen_nodes, child)
            if key in seen:
                raise ValueError(f"{where}: node {key if child >= 0 else -child - 1} is reached "
                                 "twice (the children do not form a tree)")
            seen.add(key)
            if child >= 0:
                todo.append(child)
    if len(seen_nodes) != leaves - 1 or len(seen_leaves) != leaves:
        raise ValueError(f"{where}: the children do not reach every node and leaf")


def lightgbm_text_problem(data: bytes) -> str | None:
    """What is wrong with the LightGBM text model ``data``, or None."""
    if not data.startswith(b"tree\n"):
        return "does not start with 'tree'"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8 text"
    start = text.find("\nTree=")
    header = _fields((text if start < 0 else text[:start]).splitlines())
    missing = [f for f in HEADER_FIELDS if f not in header]
    if missing:
        return f"header lacks {', '.join(missing)}"
    try:
        max_feature = int(header["max_feature_idx"])
        counts = int(header["num_class"]), int(header["num_tree_per_iteration"])
        sizes = [int(s) for s in header.get("tree_sizes", "").split()]
    except ValueError:
        return "header holds a non-numeric count"
    if max_feature < 0 or min(counts) < 1:
        return "header: num_class and num_tree_per_iteration must be at least 1, " \
               "max_feature_idx at least 0"
    if start < 0:
        return "holds no trees"
    if "\nend of trees" not in text:
        return "no 'end of trees' marker (truncated?)"
    body = data[data.find(b"\nTree=") + 1:data.find(b"\nend of trees") + 1]
    blocks = body.split(b"\n\n\n")
    blocks = [b for b in blocks if b.strip()]
    if sizes and (len(sizes) != len(blocks) or sum(sizes) != len(body)):
        return f"tree_sizes lists {len(sizes)} trees of {sum(sizes)} bytes but " \
               f"{len(blocks)} trees of {len(body)} bytes follow (edited or truncated?)"
    pos = 0
    for i, size in enumerate(sizes):
        if not body[pos:].startswith(f"Tree={i}\n".encode()):
            return f"tree {i} does not start where tree_sizes puts it"
        pos += size
    try:
        for i, block in enumerate(blocks):
            lines = block.decode("utf-8").splitlines()
            if lines[0] != f"Tree={i}":
                raise ValueError(f"tree {i}: block starts with {lines[0][:20]!r}")
            _check_tree(lines[1:], max_feature, f"tree {i}")
    except ValueError as exc:
        return str(exc)
    return None
