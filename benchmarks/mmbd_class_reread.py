"""MM-BD's per-class maximum margins read again on stored zoo models (issue 9, stop 55: h9A).

Stored ``auto`` runs before stop 55 keep MM-BD's class ranking, not its per-class margins,
which ``mmbd_class_excess`` (``detect/class_excess.py``) reads. This script runs MM-BD alone on
each effective model of a zoo folder exactly as ``auto`` begins (the same detector, seed 0 as
``detect`` and ``zoo eval`` use, one torch thread) and writes, per model, the per-class ratios
``auto`` now records (``mmbd_class_ratio_<c>``, ``mmbd_input_size``) and MM-BD's ratio, so a
stored run's features can be completed and rescored. A foreign zoo (``foreign_zoo.py``: its
``truth.json`` lists ``models`` with ``arch_family``) or an own-engine zoo (``zoo make``) are
both read; a rerun skips the models already in ``--out``.

    OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks python benchmarks/mmbd_class_reread.py \\
        --zoo /tmp/h9Cs54/run/zoo-s79 --out ratios.jsonl
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from _common import LineParser, read_jsonl


def zoo_models(zoo: Path) -> list[dict]:
    """The effective models of ``zoo`` with their truth: name, file, backdoored, target,
    script family (``own`` for an own-engine zoo)."""
    truth = json.loads((zoo / "truth.json").read_text())
    if isinstance(truth, dict) and isinstance(truth.get("models"), list) and all(
            "arch_family" in m for m in truth["models"]):
        return [{"name": m["name"], "file": zoo / f"{m['name']}.pt", "family": m["arch_family"],
                 "backdoored": bool(m["backdoored"]), "target": m.get("target")}
                for m in truth["models"] if m.get("effective", True)]
    from trojanscope.zoo import effective, read_truth

    _, listed = read_truth(zoo)
    return [{"name": e.name, "file": zoo / e.name, "family": "own", "backdoored": e.backdoored,
             "target": e.target} for e in listed if effective(e)]


def reread(file: Path, data: Path | None, seed: int = 0) -> dict:
    """MM-BD on one model as ``auto`` runs it first: the class-ratio features and MM-BD's own.
    ``data``: the zoo's clean file (a TorchScript model's input shape), else the manifest's."""
    from trojanscope import registry
    from trojanscope.detect.class_excess import class_ratio_features
    from trojanscope.detect.inputs import choose_clean_data
    from trojanscope.engine.train import seeded
    from trojanscope.io.models import load_model

    loaded = load_model(file)
    detector = registry.create("detector", "mmbd")
    clean = choose_clean_data(loaded, detector, data).dataset
    with seeded(seed):
        verdict = detector.inspect(
            loaded.module, clean, input_shape=loaded.input_shape,
            num_classes=loaded.num_classes, seed=seed)
    margins = [r.details["margin"] for r in sorted(verdict.per_class, key=lambda r: r.cls)]
    return {"mmbd_ratio": verdict.features["mmbd_ratio"], "top": verdict.target_classes[0],
            "traits": verdict.traits,
            "features": class_ratio_features(margins, loaded.input_shape or (
                tuple(clean.x.shape[1:]) if clean is not None else None))}


def main() -> None:
    ap = LineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", type=Path, action="append", required=True)
    ap.add_argument("--out", type=Path, required=True, help="JSON lines, appended")
    args = ap.parse_args()
    for zoo in args.zoo:
        if not (zoo / "truth.json").is_file():
            ap.error(f"--zoo {zoo}: no truth.json there")
    if not args.out.parent.is_dir():
        ap.error(f"--out {args.out}: no such folder {args.out.parent}")
    import torch

    torch.set_num_threads(1)
    done = {(r["zoo"], r["name"]) for r in read_jsonl(args.out)} if args.out.is_file() else set()
    with args.out.open("a") as fh:
        for zoo in args.zoo:
            data = zoo / "clean.npz" if (zoo / "clean.npz").is_file() else None
            for m in zoo_models(zoo):
                if (zoo.name, m["name"]) in done:
                    continue
                t0 = time.perf_counter()
                row = {"zoo": zoo.name, "name": m["name"], "family": m["family"],
                       "backdoored": m["backdoored"], "target": m["target"],
                       **reread(m["file"], data)}
                fh.write(json.dumps(row) + "\n")
                fh.flush()
                print(f"{zoo.name}:{m['name']} {time.perf_counter() - t0:.1f} s", file=sys.stderr,
                      flush=True)


if __name__ == "__main__":
    main()
