"""Model-level detection on MiniLM folders: ``trojanscope detect FOLDER --data CLEAN.csv`` as a
user runs it (one process per folder, start-up and loading counted), with the verdict,
probability, features, recovered tokens and wall time per folder.

The clean sentences are a fixed stratified sample of the rt-polarity *test* split written as a
user's CSV, labelled with each folder's own class names.

    python benchmarks/bench_text_detect_minilm.py zoo/minilm/clean-0 zoo/minilm/badnl-0 \
        [--sentences 300] [--json benchmarks/out/text_detect_minilm.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from trojanscope.data import load_dataset

FEATURES = ("ti_prob_3", "tn_prob", "trn_prob", "trn_prob_2x")


def class_names(folder: Path) -> list[str]:
    """The folder's class names (manifest, else config ``id2label``)."""
    manifest = folder / "manifest.json"
    if manifest.is_file():
        return list(json.loads(manifest.read_text())["class_names"])
    id2label = json.loads((folder / "config.json").read_text())["id2label"]
    return [id2label[str(i)] for i in range(len(id2label))]


def clean_csv(names: list[str], n: int, path: Path) -> Path:
    """``n`` rt-polarity test sentences (balanced, fixed) labelled with ``names``."""
    test = load_dataset("rt-polarity", "test")
    per = n // test.num_classes
    rows = []
    for c in range(test.num_classes):
        idx = torch.nonzero(test.labels == c).flatten()[:per].tolist()
        rows += [(test.texts[i], names[c]) for i in idx]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--sentences", type=int, default=300)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/out/text_detect_minilm.json"))
    parser.add_argument("--method-param", action="append", default=[],
                        help="name=value passed to text-inversion (repeatable)")
    opts = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for folder in opts.folders:
            data = clean_csv(class_names(folder), opts.sentences, Path(tmp) / "clean.csv")
            cmd = [sys.executable, "-m", "trojanscope", "-q", "detect", str(folder), "--data",
                   str(data), "--format", "json",
                   *[a for p in opts.method_param for a in ("--method-param", p)]]
            start, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                                  env={**os.environ, "HF_HUB_OFFLINE": "1"})
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu_s = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
            if proc.returncode not in (0, 1):
                raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
            report = json.loads(proc.stdout)
            manifest = folder / "manifest.json"
            attack = (json.loads(manifest.read_text()).get("attack") or {}) \
                if manifest.is_file() else {}
            rows.append({"folder": str(folder), "attack": attack.get("name"),
                         "target": attack.get("target"), "verdict": report["verdict"],
                         "probability": report["probability"],
                         "suspected_target": report.get("suspected_target"),
                         "features": {f: report["features"].get(f) for f in FEATURES},
                         "trigger_tokens": report.get("trigger_tokens"),
                         "elapsed_s": report.get("elapsed_s"), "wall_s": round(wall, 1),
                         "cpu_s": round(cpu_s, 1),
                         "coverage_notes": report.get("coverage_notes")})
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print("| folder | attack (target) | verdict | probability | " + " | ".join(FEATURES)
          + " | tokens of the suspected class | detect s | wall s | process CPU s |")
    print("|---|---|---|---|" + "---|" * len(FEATURES) + "---|---|---|---|")
    for r in rows:
        f = r["features"]
        tokens = (r["trigger_tokens"] or {}).get(str(r["suspected_target"]), [])
        attack = f"{r['attack']} ({r['target']})" if r["attack"] else "clean"
        print(f"| {r['folder']} | {attack} | {r['verdict']} | {r['probability']:.3f} | "
              + " | ".join("–" if f[n] is None else f"{f[n]:.3f}" for n in FEATURES) + " | "
              f"{' '.join(tokens)} | {r['elapsed_s']:.1f} | {r['wall_s']} | {r['cpu_s']} |")
    print(f"median detect s: {statistics.median(r['elapsed_s'] for r in rows):.1f}")
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps({"cpus": os.cpu_count(), "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
