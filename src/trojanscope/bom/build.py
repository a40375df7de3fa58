"""Build a CycloneDX 1.6 JSON ML-BOM for a model folder: every file with its SHA-256, detected
format and framework (from the scanner), and — when ``manifest.json`` written by
``trojanscope attack/train`` is present — the dataset, training configuration and metrics; for
a Hugging Face folder also its base model, architecture and tokenizer (:mod:`.hf`).

The library has no model-card classes yet, so the ``modelCard`` object (part of the 1.6 schema)
is added to the serialized document, which is then validated against the 1.6 schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trojanscope.errors import UserInputError
from trojanscope.io.json_file import dumps as strict_dumps

FRAMEWORK = {"pytorch-zip": "pytorch", "pytorch-legacy": "pytorch", "safetensors": "safetensors",
             "onnx": "onnx", "hdf5": "keras", "keras": "keras", "keras-h5": "keras",
             "joblib": "scikit-learn", "npy": "numpy", "npz": "numpy", "pickle": "python-pickle",
             "gguf": "gguf", "xgboost": "xgboost", "lightgbm": "lightgbm"}
MODEL_KINDS = set(FRAMEWORK)


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    path = folder / "manifest.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _flat(prefix: str, value: Any, out: list[tuple[str, str]], depth: int = 0) -> None:
    """Flatten nested config into ``prefix:key=value`` properties (bounded depth)."""
    if isinstance(value, dict) and depth < 4:
        for k, v in value.items():
            _flat(f"{prefix}:{k}", v, out, depth + 1)
    elif value is not None:
        out.append((prefix, value if isinstance(value, str) else strict_dumps(value)))


def build_bom(folder: Path) -> str:
    """The BOM of ``folder`` as CycloneDX 1.6 JSON text."""
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType, Pedigree
    from cyclonedx.output.json import JsonV1Dot6

    from trojanscope import __version__
    from trojanscope.bom.hf import components, hf_parts
    from trojanscope.scan import load_policy, scan_paths
    from trojanscope.signing.digests import hash_tree

    if not folder.is_dir():
        raise UserInputError(f"{folder}: not a folder")
    manifest = _read_manifest(folder)
    digests = hash_tree(folder)
    if not digests:  # an ML-BOM that lists no file describes no model
        raise UserInputError(f"{folder}: no files to describe (an empty folder)")
    report = scan_paths([folder], load_policy())
    kinds = {s.path: s for s in report.subjects}
    signed = manifest.get("files", {}) if manifest else {}
    hf = hf_parts(folder)
    base, tokenizer = components(hf) if hf else (None, None)
    bom = Bom()
    model = Component(name=folder.resolve().name, type=ComponentType.MACHINE_LEARNING_MODEL,
                      bom_ref="model", pedigree=Pedigree(ancestors=[base]) if base else None,
                      properties=[Property(name=k, value=v)
                                  for k, v in (hf.model_properties if hf else [])])
    bom.metadata.component = model
    bom.metadata.properties.add(Property(name="trojanscope:version", value=__version__))
    for rel, digest in digests.items():
        subject = kinds.get(str(folder / rel))
        kind = subject.kind if subject else "unknown"
        worst = max((f.severity for f in report.active()
                     if f.location.file == str(folder / rel)), default=None)
        props = [Property(name="trojanscope:format", value=kind)]
        if subject is not None and "loaded_by_auto_map" in subject.details:
            props.append(Property(name="trojanscope:remote_code", value="loaded-by-auto-map"
                                  if subject.details["loaded_by_auto_map"] else "not-loaded"))
        if kind in FRAMEWORK:
            props.append(Property(name="trojanscope:framework", value=FRAMEWORK[kind]))
        props.append(Property(name="trojanscope:scan:max_severity",
                              value=worst.label if worst is not None else "none"))
        if isinstance(signed, dict) and rel in signed:
            props.append(Property(name="trojanscope:manifest_sha256_matches",
                                  value=str(signed[rel] == digest).lower()))
        bom.components.add(Component(
            name=rel, bom_ref=f"file:{rel}",
            type=ComponentType.MACHINE_LEARNING_MODEL if kind in MODEL_KINDS
            else ComponentType.FILE,
            hashes=[HashType(alg=HashAlgorithm.SHA_256, content=digest)], properties=props))
    dataset = manifest.get("dataset") if manifest else None
    if isinstance(dataset, dict) and dataset:
        props = []
        items: list[tuple[str, str]] = []
        _flat("trojanscope:dataset", dataset, items)
        props = [Property(name=k, value=v) for k, v in items]
        bom.components.add(Component(name=str(dataset.get("name", "dataset")), bom_ref="dataset",
                                     type=ComponentType.DATA, properties=props))
    if tokenizer is not None:
        bom.components.add(tokenizer)
    bom.register_dependency(model, list(bom.components))
    doc = json.loads(JsonV1Dot6(bom).output_as_string())
    if manifest:
        doc["metadata"]["component"]["modelCard"] = _model_card(manifest, has_dataset=bool(
            isinstance(dataset, dict) and dataset))
    elif hf is not None:
        doc["metadata"]["component"]["modelCard"] = hf.card
    return strict_dumps(doc, indent=2) + "\n"


def _model_card(manifest: dict[str, Any], has_dataset: bool) -> dict[str, Any]:
    card: dict[str, Any] = {}
    params: dict[str, Any] = {}
    arch = manifest.get("arch")
    if isinstance(arch, dict) and arch.get("name"):
        params["modelArchitecture"] = str(arch["name"])
    params["task"] = "classification"
    if has_dataset:
        params["datasets"] = [{"ref": "dataset"}]
    card["modelParameters"] = params
    metrics = manifest.get("metrics")
    if isinstance(metrics, dict) and metrics:
        card["quantitativeAnalysis"] = {"performanceMetrics": [
            {"type": str(k), "value": str(v)} for k, v in metrics.items()
            if not isinstance(v, dict | list)]}
    config: list[tuple[str, str]] = []
    for key in ("arch", "training", "attack", "seed", "input_shape", "class_names", "versions"):
        if key in manifest:
            _flat(f"trojanscope:{key}", manifest[key], config)
    if config:
        card["properties"] = [{"name": k, "value": v} for k, v in config]
    return card


def validate_bom(text: str) -> list[str]:
    """Schema errors of a CycloneDX 1.6 JSON document (empty when valid)."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    return [] if error is None else [str(error)]
