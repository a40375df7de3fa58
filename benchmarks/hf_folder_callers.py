"""What every caller of the Hugging Face folder rule says of a TextCNN run, a MiniLM run and a
hub folder (stop 65, issue 15): ``is_hf_folder``, the scanner's layout, the ML-BOM's Hugging Face
properties, the audit's text-model test and model pick, ``serve``'s hub flag (what it hands the
scan gate to read), ``load_model``'s format and the scan's rules and folder layouts. Run it
under main's ``src`` and a branch's and diff the two outputs.

    python benchmarks/hf_folder_callers.py WORK --make     # builds WORK/{textcnn,minilm,hub}
    python benchmarks/hf_folder_callers.py WORK > callers.json

``--make`` trains on the bundled synthetic text, seed 0 (no user seed): a TextCNN one epoch,
and a MiniLM over a tiny BERT (``testing.tiny_hf``) one epoch; ``hub`` is the MiniLM run
without its ``manifest.json`` (a folder as ``save_pretrained`` writes one).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

KINDS = ("textcnn", "minilm", "hub")


def make(work: Path) -> None:
    """The three folders (the module docstring)."""
    from trojanscope.data.text_bundled import _FILLER, _TOPIC_WORDS
    from trojanscope.engine import Trainer
    from trojanscope.experiment import run_experiment, save_experiment
    from trojanscope.testing.tiny_hf import write_tiny_bert

    result = run_experiment("synthetic-text", arch="textcnn", trainer=Trainer(epochs=1), seed=0)
    save_experiment(result, work / "textcnn")
    words = [w for topic in _TOPIC_WORDS for w in topic] + list(_FILLER)
    base = write_tiny_bert(work / "base", words)
    result = run_experiment("synthetic-text", arch="minilm", trainer=Trainer(epochs=1), seed=0,
                            arch_params={"model_dir": str(base), "max_len": 20})
    save_experiment(result, work / "minilm")
    shutil.copytree(work / "minilm", work / "hub")
    (work / "hub" / "manifest.json").unlink()


def read(folder: Path) -> dict:
    """Each caller's answer on ``folder``."""
    import trojanscope.io.scan_gate as gate
    from trojanscope.audit.data_check import reads_text
    from trojanscope.audit.steps_model import pick_model_path
    from trojanscope.bom.build import build_bom
    from trojanscope.io.hf_folder import is_hf_folder
    from trojanscope.io.models import load_model
    from trojanscope.scan import scan_paths
    from trojanscope.scan.layouts import HuggingFaceLayout
    from trojanscope.serve import service

    seen: dict = {}
    real = gate.refuse_dangerous
    gate.refuse_dangerous = lambda path, *a, reads=None, **k: seen.update(reads=reads)
    try:
        service.refuse_dangerous(folder)
    finally:
        gate.refuse_dangerous = real
    bom = json.loads(build_bom(folder))
    scan = scan_paths([folder])
    return {
        "is_hf_folder": is_hf_folder(folder),
        "scan_layout": HuggingFaceLayout().matches(folder),
        "bom_huggingface": sorted(f"{p['name']}={p['value']}" for p in
                                  bom["metadata"]["component"].get("properties", [])
                                  if p["name"].startswith("huggingface")),
        "reads_text": reads_text(folder), "pick": pick_model_path(folder).name,
        "serve_hub_reads": sorted(Path(p).name for p in seen["reads"]) if seen.get("reads")
        else None,
        "load_format": load_model(folder).format,
        "scan_rules": sorted({f.rule_id for f in scan.findings}),
        "scan_folders": [str(f.get("summary")).split(":", 1)[0] for f in scan.folders],
        "scanned_files": len(scan.subjects)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--make", action="store_true")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    if args.make:
        make(args.work)
        return
    missing = [k for k in KINDS if not (args.work / k).is_dir()]
    if missing:
        sys.exit(f"error: {args.work}: no {', '.join(missing)} (build them with --make)")
    print(json.dumps({k: read(args.work / k) for k in KINDS}, indent=1))


if __name__ == "__main__":
    main()
