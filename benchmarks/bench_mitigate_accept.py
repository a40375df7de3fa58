"""Today's `gated` and a candidate side by side, in one run: ``--compare check`` (the default)
sets ``check=0`` against ``check=1`` (the after-stage check); ``--compare candidates`` sets
today's default (``candidates=0``) against ``candidates=1`` (every candidate class whose
reversed trigger came back through the second stage is unlearnt too).

The two run the same code up to the check (the detector, the gate, FT-SAM, the probe, the second
stage), so each zoo model is purified once by ``gated:check=1`` (plus ``--params``) through
:func:`trojanscope.mitigate.run.mitigate`, as ``zoo eval-mitigation`` does; the model the second
stage hands to the check is measured too: that model, and the time less the check's, is what
``gated:check=0`` returns. Writes ``bench_mitigate.py``-style results (both methods' rows) and
the check's report per model, for ``ship_rule_mitigate.py``. With ``--compare candidates`` the
two run the same code until the candidate classes' flip rates are measured; where one rose,
today's outcome (the check on the second stage's model) is measured there too, and its time
counted for today only. With ``--compare warp`` (``--params warp=B``, default 4) the two share
the detector, the gate and FT-SAM, and the second stage runs twice from the first stage's model:
today's (``warp=0``) and the candidate's (``warp=B``, a universal warp unlearnt too); each
method's time leaves out the other's second stage:

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_mitigate_accept.py ZOO \\
        [--compare candidates|warp] [--params warp=B] --out OUT.json
"""

from __future__ import annotations

import copy
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import arguments, finish, pending, record
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate import accept
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.run import measure, mitigate, split_clean


class Seen:
    """Wraps :func:`accept.compare`: keeps a copy of the model it was given and its seconds."""

    def __init__(self) -> None:
        self.model = None
        self.seconds = 0.0
        self.inner = accept.compare

    def __call__(self, first, final, *args, **kwargs):
        start = time.perf_counter()
        self.model = copy.deepcopy(final).eval()
        out = self.inner(first, final, *args, **kwargs)
        self.seconds = time.perf_counter() - start
        return out


class Both(Gated):
    """`gated:candidates=1` that, where a candidate class rose, first measures what today's
    default returns there (the check on the second stage's model, suspect alone, against the
    first stage's model the method keeps as ``first_stage_``) and the time of that check; the
    extra stage's time is in the method's report."""

    def purify(self, model, clean, seed):
        self.today_, self.check_s_ = None, 0.0
        return super().purify(model, clean, seed)

    def _again(self, model, stage, clean, triggers, ranked, original, seed):
        start = time.perf_counter()
        fit, val, gx, gy = hold_back(model, clean, stage.val_fraction, seed)  # the stage's split
        suspect = ranked[:1]
        first = self.first_stage_
        seen = accept.compare(first, model, fit, val, gx, gy,
                              [t for t in triggers if t.target in suspect], suspect)
        self.today_ = copy.deepcopy(first if seen["worse"] else model).eval()
        self.report_["today_check"] = seen
        self.check_s_ = time.perf_counter() - start
        return super()._again(model, stage, clean, triggers, ranked, original, seed)

    @property
    def again_s_(self) -> float:
        """Seconds of the extra stage (0 where no candidate rose)."""
        return float(self.report_.get("candidates", {}).get("again", {}).get("seconds", 0.0))


class Twice(Gated):
    """`gated` whose second stage runs twice from the same first stage's model: with ``warp=0``
    (today's default; its model kept as ``today_``, its report as ``report_["today"]``) and
    then with the given ``warp`` (the candidate). The detector, the gate and FT-SAM run once;
    the global random state is the same at the start of both."""

    def purify(self, model, clean, seed):
        self.today_, self.today_s_, self.cand_s_ = None, 0.0, 0.0
        return super().purify(model, clean, seed)

    def _unlearn(self, model, clean, verdict, original, seed):
        bound, state = self.warp, torch.get_rng_state()
        start = time.perf_counter()
        self.warp = 0.0
        today = super()._unlearn(copy.deepcopy(model), clean, verdict, original, seed)
        self.today_ = copy.deepcopy(today).eval()
        keys = ("residual", "unlearn", "candidates", "check", "unlearn_s", "action")
        kept = {k: copy.deepcopy(self.report_.get(k)) for k in keys}
        self.today_s_ = time.perf_counter() - start
        self.warp = bound
        torch.set_rng_state(state)
        start = time.perf_counter()
        out = super()._unlearn(model, clean, verdict, original, seed)
        self.cand_s_ = time.perf_counter() - start
        self.report_["today"] = kept
        return out


def by_warp(method, result, seen, measured):
    """``--compare warp``: today's model and time (less the candidate's second stage), and
    the candidate's time (less today's second stage)."""
    if method.today_ is None:  # no second stage ran: both return the same model
        return (result.after, result.elapsed_s), result.elapsed_s
    today_s = result.elapsed_s - method.cand_s_
    return (measured(method.today_), today_s), result.elapsed_s - method.today_s_


def by_check(method, result, seen, measured):
    """``--compare check``: today's figures and seconds (the model handed to the check, the
    time less the check's), and the candidate's seconds."""
    if seen.model is None:  # no check ran: both return the same model
        return (result.after, result.elapsed_s), result.elapsed_s
    return (measured(seen.model), result.elapsed_s - seen.seconds), result.elapsed_s


def by_candidates(method, result, seen, measured):
    """``--compare candidates``: the same, where today's model is what its check kept before
    the candidate's extra stage (the time less that stage and the candidate's check), and
    the candidate's time leaves out today's check (run for the benchmark only)."""
    cand_s = result.elapsed_s - method.check_s_
    if method.today_ is None:  # no candidate rose: both return the same model
        return (result.after, cand_s), cand_s
    return (measured(method.today_), result.elapsed_s - method.again_s_ - seen.seconds), cand_s


def main() -> None:
    args, params = arguments(__doc__, "check=1", compare=("check", "candidates", "warp"))
    suffix = f",{args.params}" if params else ""
    if args.compare == "warp":  # --params gives the candidate's warp=B
        names, make, split = ("warp=0", f"warp={params.get('warp', 4.0)}"), Twice, by_warp
        params = {k: v for k, v in params.items() if k != "warp"}
        suffix = "".join(f",{k}={v}" for k, v in params.items())
    elif args.compare == "candidates":
        names, make, split = ("candidates=0", "candidates=1"), Both, by_candidates
    else:
        names, make, split = ("check=0", "check=1"), Gated, by_check
    today_name, cand_name = (f"gated:{n}{suffix}" for n in names)
    done = json.loads(args.out.read_text()) if args.out.exists() else {"models": {}}
    for entry, loaded, trigger_of, clean in pending(args, done):
        seen = Seen()
        accept.compare = seen  # type: ignore[assignment]
        try:
            key, value = names[1].split("=")
            method = make(**{key: float(value) if key == "warp" else True, **params})
            result = mitigate(loaded.module, method, clean, holdout=args.holdout,
                              seed=args.seed, trigger_of=trigger_of,
                              input_shape=loaded.input_shape, num_classes=loaded.num_classes)
        finally:
            accept.compare = seen.inner  # type: ignore[assignment]

        def measured(model, clean=clean, trigger_of=trigger_of):
            _, held = split_clean(clean, args.holdout, args.seed, needs_data=True)
            return measure(model, held, trigger_of(held) if trigger_of else None)

        (today, today_s), cand_s = split(method, result, seen, measured)
        record(done, entry, result, method.report_,
               ((today_name, today, today_s), (cand_name, result.after, cand_s)))
        write_text_atomic(args.out, json.dumps(done, indent=2, default=str) + "\n")
    done.update(finish(done, (today_name, cand_name)))
    write_text_atomic(args.out, json.dumps(done, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
