"""Issue 12, stop 71 (h12; development): `gated` on chosen models of a zoo, one JSON line per
model with the method's whole report (the detector, the residual probe, the hand-back, the
stages) beside CA and ASR on the benchmark's 800 held-out images, so a reader can see *why* a
model came back as it did (stop 70: two dense white-pixel backdoors handed back at 100% ASR).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_dense_s71_read.py OUT.jsonl ZOO:N
        [--only NAME,...] [-p KEY=VALUE ...]

``-p`` sets a `gated` option (as ``trojanscope mitigate -p``). Where the residual probe ran, the
first stage's model (the one the probe reads) is scored too (``first_ca``, ``first_asr``): did
FT-SAM leave the backdoor? The attacker's trigger is read
only to score ASR, never by the method. Rows already in OUT.jsonl are skipped (a rerun resumes).
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from _common import fail, read_jsonl, run_main
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate import gated_unlearn
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import read_truth


def plain(value: Any) -> Any:
    """``value`` with what JSON cannot hold (tensors, tuples as keys) made readable."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, torch.Tensor):
        return round(float(value), 4) if value.numel() == 1 else f"tensor{tuple(value.shape)}"
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)[:200]


def spy_first(seen: dict):
    """``gated_unlearn.hand_back`` wrapped to keep a copy of the first stage's model."""
    step = gated_unlearn.hand_back

    def spy(g, model, *args, **kwargs):
        seen["first"] = copy.deepcopy(model)
        return step(g, model, *args, **kwargs)
    return spy


def option(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` as a `gated` keyword (a number where it reads as one)."""
    key, _, raw = text.partition("=")
    try:
        return key, int(raw)
    except ValueError:
        try:
            return key, float(raw)
        except ValueError:
            return key, raw


def zoo_parser(description: str) -> argparse.ArgumentParser:
    """The arguments every `gated` zoo reader takes: OUT.jsonl, ZOO:N, ``--only``, ``-p``."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("out", type=Path)
    ap.add_argument("zoo", help="ZOO:N, a zoo folder and its number for the row names")
    ap.add_argument("--only", default=None)
    ap.add_argument("-p", action="append", default=[], type=option)
    return ap


@dataclass
class ZooRun:
    """A zoo reader's parsed run: its arguments, `gated`'s options, the zoo's models and the
    benchmark's clean test set (the method's 200 images and the 800 held out come from it)."""

    args: argparse.Namespace
    folder: Path
    number: str
    params: dict[str, Any]
    entries: list
    clean: Any


def open_zoo_run(ap: argparse.ArgumentParser) -> ZooRun:
    """Parse ``ap``, refuse a folder that is no zoo or a `gated` option it does not take (one
    line), pin torch to one thread and load the zoo's truth and its dataset's test split."""
    args = ap.parse_args()
    folder, _, number = args.zoo.rpartition(":")
    if not (Path(folder) / "truth.json").is_file():
        fail(f"{folder}: not a zoo (no truth.json)")
    params = dict(args.p)
    try:
        Gated(**params)
    except (TypeError, ValueError) as exc:
        fail(str(exc))
    torch.set_num_threads(1)
    dataset, entries = read_truth(Path(folder))
    return ZooRun(args, Path(folder), number, params, entries, load_dataset(dataset, "test"))


def zoo_models(run: ZooRun) -> Iterator[tuple[str, Any, Any, Any]]:
    """``(row name, truth entry, loaded model, the attacker's trigger or None)`` of each model
    ``--only`` names (all by default) that OUT.jsonl does not hold yet (a rerun resumes)."""
    out = run.args.out
    done = {r["name"] for r in read_jsonl(out)} if out.is_file() else set()
    wanted = set(run.args.only.split(",")) if run.args.only else None
    for e in run.entries:
        name = f"{run.number}/{e.name}"
        if name in done or (wanted is not None and e.name not in wanted):
            continue
        loaded = load_model(run.folder / e.name)
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
        yield name, e, loaded, trigger_of


def main() -> None:
    run = open_zoo_run(zoo_parser(__doc__.splitlines()[0]))
    args, params, clean = run.args, run.params, run.clean
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    seen: dict = {}
    gated_unlearn.hand_back = spy_first(seen)
    for name, e, loaded, trigger_of in zoo_models(run):
        method = Gated(**params)
        seen.clear()
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        res = mitigate(loaded.module, method, clean, holdout=0.8, seed=0, trigger_of=trigger_of,
                       input_shape=loaded.input_shape, num_classes=loaded.num_classes)
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        row = {"name": name, "family": e.attack or "clean", "target": e.target,
               "trigger": plain(e.trigger), "params": plain(params),
               "ca_before": res.before["ca"], "ca_after": res.after["ca"],
               "asr_before": res.before.get("asr"), "asr_after": res.after.get("asr"),
               "cpu_s": round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 1),
               "wall_s": round(time.perf_counter() - start, 1),
               "report": plain(method.report_)}
        if "first" in seen:  # scored after the run's CPU was read
            first = measure(seen["first"], held, trigger_of(held) if trigger_of else None)
            row["first_ca"], row["first_asr"] = first["ca"], first.get("asr")
        with args.out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        asr = row["asr_after"]
        print(f"{name}: CA {row['ca_before']:.4f}->{row['ca_after']:.4f} ASR "
              f"{row['asr_before']}->{asr} cpu {row['cpu_s']}s; "
              f"{str(method.report_.get('action'))[:120]}", flush=True)


if __name__ == "__main__":
    run_main(main)
