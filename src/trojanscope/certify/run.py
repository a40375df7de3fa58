"""``trojanscope certify``'s library half: compute certificates for a saved model on test data,
and write them (CSV, JSON, the curve as PNG) into a report folder atomically."""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.metrics import predict
from trojanscope.errors import UserInputError
from trojanscope.io.atomic import atomic_dir
from trojanscope.io.json_file import dumps as strict_dumps
from trojanscope.io.models import LoadedModel

METHODS = ("partition", "patch", "verify")
DEFENCE_OF = {"partition": "dpa", "patch": "patch-mask"}


@dataclass
class CertifyResult:
    """Per-input rows, a summary and, for partition certificates, the curve."""

    method: str
    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    curve: list[tuple[int, float]] = field(default_factory=list)
    counterexamples: dict[int, np.ndarray] = field(default_factory=dict)


def spread(n: int, count: int) -> list[int]:
    """``count`` indices evenly spaced over ``range(n)`` (a sorted file keeps every class)."""
    return sorted({round(i * (n - 1) / max(1, count - 1)) for i in range(count)})


def renumber(result: CertifyResult, origin: list[int]) -> None:
    """Make row ``index`` and counterexample keys positions in the full data, not the subset."""
    for row in result.rows:
        row["index"] = origin[row["index"]]
    result.counterexamples = {origin[i]: t for i, t in result.counterexamples.items()}


def trained_certificate(loaded: LoadedModel) -> str | None:
    """The certificate kind the model's training supports (from its manifest), if any."""
    defence = getattr(loaded.manifest, "defence", None) if loaded.manifest else None
    return defence.get("certificate") if isinstance(defence, dict) else None


def choose_method(loaded: LoadedModel, method: str) -> str:
    """Resolve ``auto`` and refuse a certificate the model was not trained for."""
    trained = trained_certificate(loaded)
    if method == "auto":
        if trained is None:
            raise UserInputError(
                f"{loaded.source}: not trained with a certifiable defence (train with "
                "--defence dpa or --defence patch-mask), or pass --method verify"
            )
        return trained
    if method not in METHODS:
        raise UserInputError(f"unknown method {method!r}; valid: auto, {', '.join(METHODS)}")
    if method in DEFENCE_OF and trained != method:
        raise UserInputError(
            f"{loaded.source}: a {method} certificate needs a model trained with "
            f"--defence {DEFENCE_OF[method]}"
            + (f" (this one: {trained} certificate)" if trained else " (this one has none)")
        )
    return method


def check_fit(loaded: LoadedModel, data: TensorDataset) -> None:
    """The data's input shape and classes must be the model's."""
    if loaded.input_shape is not None and tuple(loaded.input_shape) != data.input_shape:
        raise UserInputError(
            f"data inputs have shape {data.input_shape} but the model takes "
            f"{tuple(loaded.input_shape)}"
        )
    if loaded.num_classes is not None and data.num_classes > loaded.num_classes:
        raise UserInputError(
            f"data has {data.num_classes} classes but the model has {loaded.num_classes}"
        )


def certify_partition(loaded: LoadedModel, data: TensorDataset) -> CertifyResult:
    """DPA certificates: tolerated poisoned training samples per test input, and the curve."""
    from trojanscope.certify.partition import certified_accuracy_curve, certified_radius

    votes = predict(loaded.module, data.x)
    pred, radius = certified_radius(votes)
    correct = pred == data.y
    k = int(votes[0].sum())
    rows = [
        {"index": i, "label": int(data.y[i]), "prediction": int(pred[i]),
         "correct": bool(correct[i]), "votes_for_prediction": int(votes[i, pred[i]]),
         "tolerated_poison": int(radius[i]) if correct[i] else 0}
        for i in range(len(data))
    ]
    certified_radius_correct = torch.where(correct, radius, torch.full_like(radius, -1))
    median = int(torch.median(certified_radius_correct).clamp(min=0))
    curve = certified_accuracy_curve(radius, correct, max_radius=k // 2)
    summary = {
        "partitions": k,
        "clean_accuracy": float(correct.float().mean()),
        "median_tolerated_poison": median,
        "certified_accuracy_at": {str(r): a for r, a in curve if r in _marks(k)},
    }
    return CertifyResult("partition", rows, summary, curve)


def _marks(k: int) -> set[int]:
    return {0, 1, 2, 5, 10, 20, k // 8, k // 4, k // 2 - 1}


def certify_patch_run(
    loaded: LoadedModel, data: TensorDataset, patch: int | None
) -> CertifyResult:
    """PatchCleanser certificates for every input of ``data``."""
    from trojanscope.certify.patch import certify_patch, mask_set

    params = loaded.manifest.defence["params"]  # type: ignore[union-attr]
    size = int(patch if patch is not None else params["patch"])
    height, width = data.input_shape[1], data.input_shape[2]
    if not 1 <= size <= min(height, width):
        raise UserInputError(
            f"--patch must be between 1 and {min(height, width)} (the {height}x{width} "
            f"image's side), got {size}"
        )
    start = time.perf_counter()
    cert = certify_patch(loaded.module, data.x, size, per_side=params["per_side"],
                         fill=params["fill"])
    seconds = time.perf_counter() - start
    correct = cert.prediction == data.y
    rows = [
        {"index": i, "label": int(data.y[i]), "prediction": int(cert.prediction[i]),
         "correct": bool(correct[i]), "certified": bool(cert.certified[i] and correct[i])}
        for i in range(len(data))
    ]
    masks = mask_set(data.input_shape[1], data.input_shape[2], size, params["per_side"])
    summary = {
        "patch": size,
        "masks": len(masks),
        "clean_accuracy": float(correct.float().mean()),
        "certified_accuracy": float((cert.certified & correct).float().mean()),
        "seconds_per_input": seconds / max(1, len(data)),
    }
    return CertifyResult("patch", rows, summary)


def verify_run(
    loaded: LoadedModel,
    data: TensorDataset,
    region: tuple[int, int, int, int],
    eps: float,
    time_limit: float,
    seed: int,
    backend: str = "ibp",
) -> CertifyResult:
    """Verification of every input of ``data``: branch and bound over interval bounds
    (certify.verify) or Marabou (certify.marabou)."""
    from trojanscope.certify import marabou
    from trojanscope.certify.bounds import layers_of
    from trojanscope.certify.verify import region_mask, verify_input

    if backend not in ("ibp", "marabou"):
        raise UserInputError(f"unknown verification backend {backend!r}; valid: ibp, marabou")
    layers_of(loaded.module)  # unsupported models fail before any work
    if backend == "marabou" and not marabou.available():
        raise UserInputError(
            "--backend marabou needs maraboupy and onnxruntime: pip install 'trojanscope[verify]'"
        )
    top, left, h, w = region
    _, height, width = data.input_shape
    if top < 0 or left < 0 or h < 1 or w < 1 or top + h > height or left + w > width:
        raise UserInputError(
            f"--region {top},{left},{h},{w} does not fit inside {height}x{width} inputs"
        )
    mask = region_mask(data.input_shape, top, left, h, w)
    rows, examples = [], {}
    folder = marabou.onnx_for(loaded.module, data.input_shape) if backend == "marabou" else None
    for i in range(len(data)):
        if folder is not None:
            v = marabou.verify_input_marabou(Path(folder.name) / "model.onnx", loaded.module,
                                             data.x[i], mask, eps, time_limit=time_limit)
        else:
            v = verify_input(loaded.module, data.x[i], mask, eps, time_limit=time_limit,
                             seed=seed)
        rows.append({"index": i, "label": int(data.y[i]), "prediction": v.label,
                     "status": v.status, "flipped_to": v.flipped_to, "boxes": v.boxes,
                     "seconds": round(v.seconds, 4)})
        if v.trigger is not None:
            examples[i] = v.trigger.numpy()
    if folder is not None:
        folder.cleanup()
    counts = {s: sum(r["status"] == s for r in rows) for s in ("proven", "refuted", "timeout")}
    summary = {"backend": backend, "eps": eps, "region": list(region),
               "time_limit_s": time_limit, **counts,
               "seconds_per_input": sum(r["seconds"] for r in rows) / max(1, len(rows))}
    return CertifyResult("verify", rows, summary, counterexamples=examples)


def _csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buf.getvalue()


def write_report(result: CertifyResult, out: Path, *, force: bool, header: dict) -> list[str]:
    """Write the report folder atomically; returns the file names."""
    with atomic_dir(out, force=force) as tmp:
        (tmp / "certificates.csv").write_text(_csv(result.rows))
        if result.curve:
            (tmp / "curve.csv").write_text(_csv(
                [{"poisoned_samples": r, "certified_accuracy": a} for r, a in result.curve]
            ))
            from trojanscope.certify.plot import curve_png

            title = (f"DPA, K={result.summary['partitions']}: {header.get('data', '')} "
                     f"({header.get('inputs', 0)} test inputs)")
            (tmp / "curve.png").write_bytes(curve_png(result.curve, title))
        if result.counterexamples:
            np.savez(tmp / "counterexamples.npz",
                     **{f"input_{i}": t for i, t in result.counterexamples.items()})
        summary = {**header, "method": result.method, **result.summary}
        (tmp / "summary.json").write_text(strict_dumps(summary, indent=2) + "\n")
        return sorted(p.name for p in tmp.iterdir())
