"""Why does a SIG backdoor on an MLP survive `gated`? Each stage against the signal, by amplitude.

For every SIG model of a zoo (``--only``), `gated` (plus ``--params``) purifies it once, as
``zoo eval-mitigation`` does (same split, same seed), and this records on the scoring split
(never seen by the method) the clean accuracy and the SIG signal's ASR at three amplitudes
(the model's training amplitude, 0.4 and the test amplitude 0.6: the second stage unlearns
striped perturbations of at most ``eps`` = 0.4) for the original model, the first stage's,
each round of the second stage (read where the round's fresh trigger search starts) and the
model returned. Beside them, what the method had to work with: the detector's p and suspect,
and how much the suspect's reversed trigger and a striped perturbation towards the suspect
(as the stage fits them, at most ``eps`` per pixel, on the original and on the first stage's
model) resemble the sine: the cosine of their column profile (the change averaged down the
rows, over the clean images) with the signal's row. Diagnostic only: it decides nothing, and
it reads the attacker's trigger only to measure.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_sig_stages.py ZOO \\
        --only sig-002,sig-007 [--params k=v,...] --out OUT.json
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import arguments, pending
from bench_mitigate_stages import rounded, run_entry
from trojanscope.attacks.named import SIG
from trojanscope.data.dataset import TensorDataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.gated import UNLEARN, Gated
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.residual import MAX_FIT, striped_perturbation
from trojanscope.mitigate.run import attack_triggered, measure, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.triggers.sig import SIGTrigger

AMPLITUDES = (0.4, 0.6)  # beside the training amplitude: the stage's eps, the test amplitude


def profile_cosine(change: Tensor, row: Tensor) -> float:
    """Cosine of ``change``'s column profile (N×C×H×W or C×H×W, averaged over everything but
    the columns) with the signal's ``row`` (1 or -1: the same stripe, either sign)."""
    prof = change.reshape(-1, change.shape[-1]).mean(0)
    return round(float(F.cosine_similarity(prof, row, dim=0)), 3)


def resemblance(
    model: nn.Module, fit: TensorDataset, suspect: int, trigger, row: Tensor, eps: float
) -> dict[str, float | None]:
    """How much the reversed ``trigger`` and a striped perturbation towards ``suspect`` (at
    most ``eps``, fitted on ``fit``'s images outside it, as the residual probe fits it) look
    like the SIG ``row``; the trigger's mask area (pixels)."""
    x = fit.x[fit.y != suspect][:MAX_FIT]
    out: dict[str, float | None] = {"trigger_cos": None, "trigger_area": None}
    if trigger is not None:
        out["trigger_cos"] = profile_cosine(trigger.apply(x) - x, row)
        out["trigger_area"] = round(float(trigger.mask.sum()), 1)
    delta = striped_perturbation(model, x, suspect, eps)
    out["stripe_cos"] = profile_cosine((x + delta).clamp(0, 1) - x, row)
    return out


class SigStaged(Gated):
    """`gated` that records, where the second stage starts, the first stage's scores and the
    resemblance of what the detector and a striped perturbation find to the SIG signal."""

    def _unlearn(self, model, clean, verdict, original, seed):
        fit, _, _, _ = hold_back(model, clean, UNLEARN["val_fraction"], seed)
        suspect = verdict.target_classes[0]
        trigger = verdict.triggers.get(suspect)
        self.sig_["suspect"] = suspect
        self.sig_["p"] = round(float(verdict.probability or 0.0), 3)
        self.sig_["first"] = self.score(model)
        self.sig_["original_model"] = resemblance(
            original, fit, suspect, trigger, self.row, self.eps
        )
        self.sig_["first_model"] = resemblance(model, fit, suspect, trigger, self.row, self.eps)
        return super()._unlearn(model, clean, verdict, original, seed)


def amplitude_sets(attack: SIG, held: TensorDataset) -> dict[str, object]:
    """The triggered scoring sets at the training amplitude and at :data:`AMPLITUDES`."""
    train = attack.trigger
    assert isinstance(train, SIGTrigger)
    sets = {}
    for amp in (train.delta, *AMPLITUDES):
        at = copy.copy(attack)
        at.test_delta = float(amp)
        sets[f"asr@{amp:.2f}"] = attack_triggered(at)(held)
    return sets


def main() -> None:
    args, params = arguments(__doc__, "the defaults")
    done = json.loads(args.out.read_text()) if args.out.exists() else {"models": {}}
    done["params"] = args.params or "the defaults"
    for entry, loaded, trigger_of, clean in pending(args, done):
        attack = attack_from_spec(loaded.manifest.attack)
        if not isinstance(attack, SIG):
            continue
        _, held = split_clean(clean, args.holdout, args.seed, needs_data=True)
        sets = amplitude_sets(attack, held)

        def score(model, held=held, sets=sets):
            row = {"ca": measure(model, held, None)["ca"]}
            row.update({k: measure(model, None, s)["asr"] for k, s in sets.items()})
            return rounded(row)

        method = SigStaged(**params)
        method.sig_, method.score = {"rounds": []}, score
        sig_row = attack.trigger.signal(*clean.input_shape[-2:])[0]
        method.row = sig_row
        rounds = method.sig_["rounds"]

        result = run_entry(
            loaded, method, clean, args, trigger_of, lambda m, r=rounds, f=score: r.append(f(m))
        )
        done["models"][entry.name] = {
            "target": attack.target,
            "train_delta": round(attack.trigger.delta, 3),
            "frequency": attack.trigger.frequency,
            "original": score(loaded.module),
            "returned": score(result.model),
            "seconds": round(result.elapsed_s, 1),
            "stages": method.sig_,
            "report": method.report_,
        }
        write_text_atomic(args.out, json.dumps(done, indent=2, default=str) + "\n")
        print(entry.name, json.dumps(done["models"][entry.name], default=str)[:600], flush=True)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
