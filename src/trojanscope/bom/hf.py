"""ML-BOM parts of a Hugging Face model folder: the base model it was derived from (as the
model's pedigree), its architecture, and the tokenizer (a data component naming its files)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trojanscope.io.hf_folder import HFLayout, is_hf_folder, read_hf_layout


@dataclass
class HFParts:
    """What the BOM adds for a Hugging Face folder."""

    layout: HFLayout
    model_properties: list[tuple[str, str]] = field(default_factory=list)
    card: dict[str, Any] = field(default_factory=dict)


def hf_parts(folder: Path) -> HFParts | None:
    """The BOM parts of ``folder`` when it is a Hugging Face model folder, else None."""
    if not is_hf_folder(folder):
        return None
    layout = read_hf_layout(folder)
    props = [("huggingface:model_type", layout.model_type or "unknown")]
    props += [("huggingface:architecture", a) for a in layout.architectures]
    if layout.name_or_path:
        props.append(("huggingface:base_model", layout.name_or_path))
    if layout.weight_format:
        props.append(("huggingface:weight_format", layout.weight_format))
    props += [("huggingface:remote_code", f"{r.source}:{r.key}={r.ref}")
              for r in layout.code_refs]
    params: dict[str, Any] = {"task": _task(layout.architectures)}
    if layout.architectures:
        params["modelArchitecture"] = layout.architectures[0]
    return HFParts(layout, props, {"modelParameters": params})


def _task(architectures: list[str]) -> str:
    """The task an architecture name states (``BertForSequenceClassification``)."""
    for arch in architectures:
        if "For" in arch:
            head = arch.split("For", 1)[1]
            return "".join("-" + c.lower() if c.isupper() else c for c in head).lstrip("-")
    return "feature-extraction"


def components(parts: HFParts) -> tuple[Any, Any | None]:
    """The base model (for the model's pedigree) and the tokenizer component (or None)."""
    from cyclonedx.model import Property
    from cyclonedx.model.component import Component, ComponentType

    layout = parts.layout
    base = None
    if layout.name_or_path:
        base = Component(name=layout.name_or_path, type=ComponentType.MACHINE_LEARNING_MODEL,
                         bom_ref="base-model", description="the model this folder was "
                         "derived from (config.json _name_or_path)")
    tokenizer = None
    if layout.tokenizer_files:
        props = [Property(name="huggingface:tokenizer_file", value=f)
                 for f in layout.tokenizer_files]
        if layout.tokenizer_class:
            props.insert(0, Property(name="huggingface:tokenizer_class",
                                     value=layout.tokenizer_class))
        tokenizer = Component(name=layout.tokenizer_class or "tokenizer", bom_ref="tokenizer",
                              type=ComponentType.DATA, properties=props,
                              description="the tokenizer shipped with the model")
    return base, tokenizer
