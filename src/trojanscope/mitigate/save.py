"""Write a purified model: a normal run folder (the same files as ``attack``/``train``) whose
manifest records the method, its parameters, the clean data and the before/after figures; or,
for a model trojanscope did not make (TorchScript, ONNX), the purified model in both of those
formats with the same record in ``mitigation.json``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from trojanscope.io.atomic import atomic_dir
from trojanscope.io.hashing import sha256_file
from trojanscope.io.json_file import dumps as strict_dumps
from trojanscope.io.manifest import Manifest, library_versions
from trojanscope.io.models import (
    ONNX_NAME,
    TORCHSCRIPT_NAME,
    export_onnx,
    export_torchscript,
    quiet_trace,
    save_model,
)
from trojanscope.mitigate.run import MitigationResult


def save_mitigation(
    out: str | Path,
    source: Manifest,
    result: MitigationResult,
    *,
    source_path: str,
    seed: int,
    force: bool = False,
    exports: bool = True,
    data: dict[str, Any] | None = None,
    encoder: Any = None,
) -> Manifest:
    """Save ``result.model`` atomically into ``out`` (nothing is left behind on failure), with
    a text model's tokenizer (``encoder``: the one its clean data was read with)."""
    metrics = {
        key: value
        for key, value in (
            ("clean_accuracy", result.after.get("ca")),
            ("attack_success_rate", result.after.get("asr")),
            ("robust_accuracy", result.after.get("ra")),
        )
        if value is not None
    }
    record = {**result.as_dict(), "source": source_path, "source_files": dict(source.files),
              "data": data or {}, "seed": seed}
    manifest = source.model_copy(
        update={"metrics": metrics, "seed": seed, "versions": library_versions(),
                "files": {}},
    )
    fields = manifest.model_dump(mode="json")
    fields.pop("created")  # a new model: a new creation time
    manifest = Manifest.model_validate({**fields, "mitigation": record})
    with atomic_dir(out, force=force) as tmp:
        if encoder is not None:
            encoder.save(tmp)
        return save_model(tmp, result.model, manifest, exports=exports)


RECORD_NAME = "mitigation.json"


def save_foreign_mitigation(
    out: str | Path,
    result: MitigationResult,
    *,
    source_path: str,
    input_shape: tuple[int, ...],
    seed: int,
    force: bool = False,
    data: dict[str, Any] | None = None,
) -> dict[str, str]:
    """Save a purified TorchScript/ONNX model atomically as ``model.torchscript.pt`` and
    ``model.onnx`` beside ``mitigation.json`` (there is no architecture to name in a manifest);
    returns file name -> SHA-256."""
    source = Path(source_path)
    record = {**result.as_dict(), "source": source_path,
              "source_sha256": sha256_file(source) if source.is_file() else None,
              "input_shape": list(input_shape), "data": data or {}, "seed": seed,
              "versions": library_versions()}
    model = result.model.eval()
    example = torch.rand(2, *input_shape, generator=torch.Generator().manual_seed(seed))
    as_onnx, onnx_example = model, example
    if len(input_shape) == 3 and any(getattr(m, "channels_last", False) is True
                                     for m in model.modules()):
        as_onnx, onnx_example = ChannelsLastInput(model).eval(), example.permute(0, 2, 3, 1)
        record["onnx_input"] = "N x H x W x C, as the source graph's"
    read = next((m.output_read for m in model.modules() if getattr(m, "output_read", None)),
                None)  # an skl2onnx network's: the purified copy stays outside calibration
    if read:
        record["output_read"] = read
    with atomic_dir(out, force=force) as tmp:
        if read or len(input_shape) == 1:
            export_marked_script(model, example, tmp / TORCHSCRIPT_NAME, read or "",
                                 flat=len(input_shape) == 1)
        else:
            export_torchscript(model, example, tmp / TORCHSCRIPT_NAME)
        export_onnx(as_onnx, onnx_example, tmp / ONNX_NAME)
        if read:
            from trojanscope.io.onnx_probability import stamp_read

            stamp_read(str(tmp / ONNX_NAME), read)
        files = {p.name: sha256_file(p) for p in sorted(tmp.iterdir()) if p.is_file()}
        (tmp / RECORD_NAME).write_text(strict_dumps({**record, "files": files}, indent=2) + "\n")
    return files


class ChannelsLastInput(torch.nn.Module):
    """The purified network taking N x H x W x C images, as the source graph did (a Keras-style
    graph read channels-first: ``OnnxModule.read_channels_first``), so that the purified
    ``model.onnx`` keeps the source's interface (stop 69 read-through: it took N x C x H x W,
    which the user's own pipeline does not feed). trojanscope reads it back channels-first."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x.permute(0, 3, 1, 2))


class MarkedScript(nn.Module):
    """A purified copy as TorchScript, saying what ``model.onnx`` says through its metadata:
    ``output_read`` (how a scikit-learn network's source was read, so that ``detect`` keeps the
    copy outside every calibration as it keeps the source; "" for a torch network), and, for a
    network of one flat row (``flat``), images of C x H x W taken flattened in that order, as
    trojanscope gives them to the flat source (stop 71: the traced copy took flat rows only and
    read as a calibrated torch network). The sandboxed loader reads the top module's short
    string attributes (``io/ts_child.py``), so the mark needs no file beside the archive.
    (Their types are inferred when scripted: this module's postponed annotations would reach
    TorchScript as strings it does not read.)"""

    def __init__(self, traced: torch.nn.Module, read: str, flat: bool) -> None:
        super().__init__()
        self.traced = traced
        self.output_read = read
        self.flat = flat

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.flat and x.dim() > 2:
            x = x.flatten(1)
        return self.traced(x)


def export_marked_script(model: nn.Module, example: torch.Tensor, path: Path, read: str,
                         flat: bool) -> None:
    """``model`` traced (:func:`~trojanscope.io.models.quiet_trace`, as
    :func:`~trojanscope.io.models.export_torchscript` traces it) inside :class:`MarkedScript`,
    saved at ``path``."""
    torch.jit.script(MarkedScript(quiet_trace(model, example), read, flat)).save(str(path))
