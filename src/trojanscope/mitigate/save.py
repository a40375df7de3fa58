"""Write a purified model as a normal run folder (the same files as ``attack``/``train``), its
manifest recording the method, its parameters, the clean data and the before/after figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trojanscope.io.atomic import atomic_dir
from trojanscope.io.manifest import Manifest, library_versions
from trojanscope.io.models import save_model
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
) -> Manifest:
    """Save ``result.model`` atomically into ``out`` (nothing is left behind on failure)."""
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
        return save_model(tmp, result.model, manifest, exports=exports)
