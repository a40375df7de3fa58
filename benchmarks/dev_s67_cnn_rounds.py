"""Where a treated CNN's CPU goes, and what each second-stage round buys (issue 12, stop 67:
h12c).

Each named model of a zoo is purified by `gated` with the given settings (today's default where
none are given) as ``check_s66_cnn.py`` runs it (the benchmark's split: MNIST's test split, 200
images for the method, 800 scored, seed 0), with light spies instead of a profiler: the CPU
seconds of the detector, the first stage, the probe before the second stage, the second stage's
rounds, its trigger searches, the warp reading, the candidates' flip rates and the check; and the
model's accuracy and attack success on the 800 scored images after the first stage and after
each of the second stage's rounds (so one run of today's six rounds reads what a cap of K rounds
would have left before the steps after the rounds). The spies' own readings are clocked apart and
taken off the run's CPU. (The check's seconds include its own flip rates, which the "flip rates"
part counts as well, with the candidates'.) Rows are written after each model.

    PYTHONPATH=src:benchmarks python benchmarks/dev_s67_cnn_rounds.py ZOO OUT.json M1[,M2] [k=v,...]

A bad argument (no zoo, no output folder, an unknown model or setting) ends in one ``error:`` line
and exit 2 before any model is read.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from _common import run_main
from trojanscope.data.resolve import load_dataset
from trojanscope.errors import UserInputError
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate import accept, adaptive, gated, gated_unlearn
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.params import parse_assignments
from trojanscope.zoo import read_truth


def _fail(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)
    raise SystemExit(2)


class Clock:
    """CPU seconds per named part, and the spies' own seconds (taken off the run's)."""

    def __init__(self) -> None:
        self.parts: dict[str, float] = {}
        self.spent = 0.0

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.parts[name] = self.parts.get(name, 0.0) + time.process_time() - start
        return timed


def check_paths(zoo: Path, out: Path, names: list[str]) -> None:
    """A zoo, an output folder and the named models there, else one ``error:`` line, exit 2
    (shared with ``breakdown_s69_cnn.py``)."""
    if not (zoo / "truth.json").is_file():
        _fail(f"{zoo}: no zoo (truth.json) there")
    if not out.parent.is_dir():
        _fail(f"{out.parent}: no such folder")
    for n in names:
        if not (zoo / n).is_dir():
            _fail(f"{zoo / n}: no such model folder")


def run_one(zoo: Path, name: str, settings: dict[str, Any], clean: Any, held: Any) -> dict:
    """One model's run under the spies: its parts, its rounds' readings and its result."""
    loaded = load_model(zoo / name)
    spec = loaded.manifest.attack if loaded.manifest is not None else None
    trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
    trig = trigger_of(held) if trigger_of is not None else None
    clock, rounds = Clock(), []

    def read(model: Any, what: str) -> None:
        start = time.process_time()
        got = measure(model, held, trig)
        rounds.append({"after": what, "ca": round(got["ca"], 4),
                       "asr": None if got.get("asr") is None else round(got["asr"], 4)})
        clock.spent += time.process_time() - start

    saved = {(gated, "detector_verdict"): gated.detector_verdict,
             (gated_unlearn, "hand_back"): gated_unlearn.hand_back,
             (gated_unlearn, "warp_reach"): gated_unlearn.warp_reach,
             (accept, "compare"): accept.compare, (accept, "flip_rates"): accept.flip_rates,
             (adaptive, "fine_tune"): adaptive.fine_tune,
             (adaptive.Adaptive, "unlearn"): adaptive.Adaptive.unlearn}
    search = adaptive.Adaptive.__dict__["_search"]
    tune = clock.wrap("stage rounds (fine-tuning)", adaptive.fine_tune)

    def tuned(model: Any, *a: Any, **k: Any) -> Any:
        out = tune(model, *a, **k)
        read(model, f"round {sum(r['after'].startswith('round') for r in rounds) + 1}")
        return out

    stage = saved[(adaptive.Adaptive, "unlearn")]

    def unlearn(self: Any, model: Any, *a: Any, **k: Any) -> Any:
        if not rounds:
            read(model, "first stage")
        return stage(self, model, *a, **k)

    gated.detector_verdict = clock.wrap("detector", gated.detector_verdict)
    gated_unlearn.hand_back = clock.wrap("probe (hand_back)", gated_unlearn.hand_back)
    gated_unlearn.warp_reach = clock.wrap("warp reading", gated_unlearn.warp_reach)
    accept.compare = clock.wrap("check (compare)", accept.compare)
    accept.flip_rates = clock.wrap("flip rates", accept.flip_rates)
    adaptive.fine_tune = tuned
    adaptive.Adaptive.unlearn = unlearn
    adaptive.Adaptive._search = staticmethod(clock.wrap("stage trigger searches",
                                                        search.__func__))
    try:
        method = gated.Gated(**settings)
        kind = type(method.inner)  # the class's: a copy of the inner (conv_epochs) is timed too
        saved[(kind, "purify")] = kind.purify
        kind.purify = clock.wrap("first stage (FT-SAM)", kind.purify)
        res = mitigate(loaded.module, method, clean, holdout=0.8, seed=0, trigger_of=trigger_of,
                       input_shape=loaded.input_shape, num_classes=loaded.num_classes)
    finally:
        for (owner, attr), fn in saved.items():
            setattr(owner, attr, fn)
        adaptive.Adaptive._search = search
    cpu = (res.cpu_s or 0.0) - clock.spent
    return {"model": name,
            "before": res.before, "after": res.after, "wall_s": round(res.elapsed_s, 1),
            "cpu_s": round(cpu, 1), "spies_cpu_s": round(clock.spent, 1),
            "parts_cpu_s": {k: round(v, 1) for k, v in clock.parts.items()},
            "rounds": rounds,
            "report": {k: (v if isinstance(v, (int, float, str)) or v is None else str(v)[:600])
                       for k, v in method.report_.items()}}


def main(argv: list[str] | None = None) -> None:
    """Every named model's row, written to OUT.json after each."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (3, 4):
        _fail("expected ZOO OUT.json MODEL[,MODEL] [k=v,...]")
    zoo, out, names = Path(args[0]), Path(args[1]), args[2].split(",")
    check_paths(zoo, out, names)
    try:
        settings = parse_assignments(args[3].split(","), "setting") if len(args) == 4 else {}
        gated.Gated(**settings)
    except (ValueError, TypeError, UserInputError) as exc:
        _fail(f"settings: {exc}")
    torch.set_num_threads(1)
    dataset, _ = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    rows: list[dict] = []
    for n in names:
        rows.append(run_one(zoo, n, settings, clean, held))
        write_text_atomic(out, json.dumps({"settings": settings, "rows": rows}, indent=1))
        r = rows[-1]
        print(f"{n}: CA {r['before']['ca']:.4f} -> {r['after']['ca']:.4f}, ASR "
              f"{r['before'].get('asr')} -> {r['after'].get('asr')}, CPU {r['cpu_s']} s; "
              f"{r['parts_cpu_s']}", flush=True)


if __name__ == "__main__":
    run_main(main)
