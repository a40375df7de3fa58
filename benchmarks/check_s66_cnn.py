"""Today's `gated` and `gated:conv_gate=R` on every model of a zoo from one run per model
(issue 12, stop 66: h12c), the models the detector passes first.

``conv_gate``'s probe runs only where the detector rates the model below the gate, where today's
`gated` hands the model back as it came. So each model is first read by the detector, in the
zoo's order (the call `gated` makes: ``detector_verdict`` on the method's 200 images of the
benchmark's split, seed 0), the verdict kept (``check_held_pick.shared_verdicts``: keyed by the
weights, images and seed, a copy handed out); a model it passed is then purified by the
candidate at once (the rows where the two can differ), a model it flagged only after every
model is read. The run's own detector call is answered from what was kept. Where the probe
opens the gate, today's output is the model as it came (copied there; today's time ends at the
probe); everywhere else the two rows are the run's one result. Each row's wall and CPU seconds
include its detector call (the kept reading's, where the run reused it). Both rows in
``bench_mitigate.py``'s format (for ``ship_rule_mitigate.py``), the probe's note and the
detector's p per model, and the verdicts (``gate``: p, or None where not yet read, and whether
scored), written after each reading and each model, so a cut leaves every finished pair and
names the models it left.

    PYTHONPATH=src:benchmarks python benchmarks/check_s66_cnn.py ZOO OUT.json [R]

Importing it runs nothing; a bad argument (no zoo, no output folder, R not in (0, 1]) ends in
one ``error:`` line and exit 2 before any model is read.
"""

from __future__ import annotations

import copy
import json
import sys
import time
from dataclasses import asdict
from typing import Any

import torch

from _common import last_step_args, run_main
from check_held_pick import shared_verdicts
from trojanscope.data.resolve import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate import gated
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise
from trojanscope.zoo import read_truth

# The candidate's value where none is given (plan.md: chosen on spent CNNs, zoo-2480 and a
# development zoo on spent seed 2471).
R_PLAN = 0.8


def verdicts(zoo: Any, entries: list, fit: Any,
             verdict_of: Any) -> dict[str, tuple[Any, float, float]]:
    """Per model: (the detector's verdict as `gated` asks it, read by ``verdict_of``, its wall
    and CPU seconds)."""
    out = {}
    for e in entries:
        model = load_model(zoo / e.name).module
        start, cpu = time.perf_counter(), time.process_time()
        v = verdict_of("auto", model, fit, 0)
        out[e.name] = (v, time.perf_counter() - start, time.process_time() - cpu)
        print(f"{e.name}: p {float(v.probability or 0):.3f} ranked {v.target_classes[:3]}",
              flush=True)
    return out


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "R", float, R_PLAN, argv)
    try:  # a bad value refused here, before any model is read
        gated.Gated(conv_gate=args.value)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    torch.set_num_threads(1)
    dataset, entries = read_truth(args.zoo)
    clean = load_dataset(dataset, "test")
    fit, held = split_clean(clean, 0.8, 0, needs_data=True)
    opens, verdict_of = gated.conv_gate.conv_opens, gated.detector_verdict
    shared = shared_verdicts(verdict_of)
    kept: dict[str, tuple[Any, float, float]] = {}
    gate = gated.Gated().gate

    def passed_first() -> Any:
        """The zoo's models, each read by the detector in the zoo's order and scored at once
        where it passed the gate; those it flagged after the last one is read."""
        flagged = []
        for e in entries:
            kept.update(verdicts(args.zoo, [e], fit, shared))
            write()
            if float(kept[e.name][0].probability or 0) < gate:
                yield e
            else:
                flagged.append(e)
        yield from flagged

    label = f"gated:conv_gate={args.value:g}"
    today: list[MitigationRow] = []
    cand: list[MitigationRow] = []
    notes: dict[str, dict] = {}
    seen: dict[str, Any] = {}

    def spy(g: Any, model: Any, *rest: Any) -> bool:
        start = (time.perf_counter(), time.process_time())
        if opens(g, model, *rest):
            seen["came"], seen["start"] = copy.deepcopy(model), start
            return True
        return False

    def write() -> None:
        gate_rows = {e.name: {"p": None, "scored": False} for e in entries}  # not yet read
        gate_rows.update({n: {"p": round(float(v.probability or 0), 4),
                              "ranked": v.target_classes, "detect_s": round(w, 1),
                              "detect_cpu_s": round(c, 1), "scored": n in notes}
                          for n, (v, w, c) in kept.items()})
        out = {"gated": {"summary": summarise(today), "rows": [asdict(r) for r in today]},
               label: {"summary": summarise(cand), "rows": [asdict(r) for r in cand],
                       "notes": notes}, "gate": gate_rows}
        write_text_atomic(args.out, json.dumps(out, indent=1))  # a cut leaves it whole

    write()
    gated.conv_gate.conv_opens, gated.detector_verdict = spy, shared
    try:
        for e in passed_first():
            seen.clear()
            v, d_wall, d_cpu = kept[e.name]
            reused = shared.reused_s
            loaded = load_model(args.zoo / e.name)
            spec = loaded.manifest.attack if loaded.manifest is not None else None
            trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
            method = gated.Gated(conv_gate=args.value)
            res = mitigate(loaded.module, method, clean, holdout=0.8, seed=0,
                           trigger_of=trigger_of, input_shape=loaded.input_shape,
                           num_classes=loaded.num_classes)
            end = (time.perf_counter(), time.process_time())
            trig = trigger_of(held) if trigger_of is not None else None
            if shared.reused_s == reused:  # the run read the detector itself: already counted
                d_wall = d_cpu = 0.0
            wall, cpu = res.elapsed_s + d_wall, (res.cpu_s or 0.0) + d_cpu
            base, t_wall, t_cpu = res.after, wall, cpu
            if "came" in seen:  # opened: today hands back the model as it came
                base = measure(seen["came"], held, trig)
                t_wall = wall - (end[0] - seen["start"][0])
                t_cpu = cpu - (end[1] - seen["start"][1])
            today.append(MitigationRow(e.name, e.attack, e.backdoored, res.clean_samples,
                                       res.before["ca"], base["ca"], res.before.get("asr"),
                                       base.get("asr"), t_wall, t_cpu))
            cand.append(MitigationRow(e.name, e.attack, e.backdoored, res.clean_samples,
                                      res.before["ca"], res.after["ca"],
                                      res.before.get("asr"), res.after.get("asr"), wall, cpu))
            notes[e.name] = {"conv_gate": method.report_.get("conv_gate"),
                             "p": round(float(v.probability or 0), 4),
                             "suspect": method.report_.get("suspect"),
                             "action": str(method.report_.get("action"))[:160]}
            t, c = today[-1], cand[-1]
            print(f"{e.name}: today CA {t.ca_before:.4f}->{t.ca_after:.4f} ASR {t.asr_after} "
                  f"cpu {t.cpu_s:.1f}s | candidate CA {c.ca_after:.4f} ASR {c.asr_after} "
                  f"{c.elapsed_s:.1f}s cpu {c.cpu_s:.1f}s "
                  f"{json.dumps(notes[e.name]['conv_gate'])}", flush=True)
            write()
    finally:
        gated.conv_gate.conv_opens, gated.detector_verdict = opens, verdict_of


if __name__ == "__main__":
    run_main(main)
