"""Development (issue 12, stop 67: h12): ASR-side readings of a repaired output, read on every
repaired output of stop 66's development models (spent seeds), scored against the attacker's
real ASR (the real trigger only scores; no reading sees it).

Why: stop 66 found that every repair giving the suspect class's clean images back (``res``: the
``restore_last`` fit, ``cap``: the capped teacher, ``I``: the weights moved back, ``b``: a raised
suspect logit) lets the attacker's images through on outputs at 1-2% ASR, and neither the
detector's reversed trigger's flip share nor ``free_reach``'s reach sees it. Readings here, each
on the method's 200 clean images (those not of the suspect) with the detector's reversed trigger
(mask, pattern) for the suspect:

- ``flip`` / ``reach``: today's (the trigger's share, a free universal perturbation's share);
- ``margin``: the mean of the suspect's logit minus the largest other one on the images stamped
  with the reversed trigger (not the argmax: how close they are to turning);
- ``lp``: the mean log-probability of the suspect on them;
- ``re<P>_flip`` / ``re<P>_margin``: the pattern re-searched on the output inside the
  detector's mask (P = 0), or that mask (above 0.1) grown by P = 1, 2 pixels (``RE_STEPS``
  signed steps of ``RE_SIZE`` from the detector's pattern, towards the suspect), its share and
  margin: the detector's trigger search run again from the patch's location;
- ``reach_margin``: the mean suspect margin under ``free_reach``'s universal perturbation.

Outputs per model: today's (as stop 66's ``dev_suspect.py`` rebuilt it), ``res5``, ``res10``,
``cap10``, ``I0.1``-``I0.3``, ``b0.5``/``b1.0``/``b2.0``, and the input model (``came``). Each:
CA / ASR on the 800 scored images (the table only), the readings, the CPU seconds of the
readings. One JSON line per model.

    PYTHONPATH=src:benchmarks python .../dev_read.py OUT.jsonl KEEP_DIR...
"""
import copy
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mitigate_s66"))
from dev_second import Capped, interpolated, readings, scored
from dev_suspect import Restore

from trojanscope.data.dataset import TensorDataset
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.io.models import load_model
from trojanscope.mitigate.base import frozen_copy, with_state
from trojanscope.mitigate.free_unlearn import (
    READ_EPS,
    READ_STEPS,
    _signed_steps,
    distil_fit,
)
from trojanscope.mitigate.mixed_last import fit_mixed
from trojanscope.mitigate.run import attack_triggered, split_clean
from trojanscope.mitigate.suspect_margin import lower_suspect
from trojanscope.mitigate.teach_last import TEACH_FLIP
from trojanscope.mitigate.triggers import attack_from_spec

SEED = 6666
RE_STEPS = 40
RE_SIZE = 0.05


def margin_of(logits: Tensor, s: int) -> Tensor:
    other = logits.clone()
    other[:, s] = -float("inf")
    return logits[:, s] - other.max(1).values


def grown(mask: Tensor, px: int) -> Tensor:
    """The detector's mask where above 0.1, grown by ``px`` pixels (a binary mask)."""
    if px == 0:
        return mask
    hard = (mask > 0.1).float().unsqueeze(0)
    return F.max_pool2d(hard, 2 * px + 1, 1, px)[0]


def research(m: nn.Module, xs: Tensor, s: int, trig: ReversedTrigger, mask: Tensor) -> Tensor:
    """The pattern after RE_STEPS signed steps inside ``mask`` from the detector's pattern,
    towards ``s``."""
    pat = trig.pattern.clone()
    target = torch.full((len(xs),), s, dtype=torch.long)
    for _ in range(RE_STEPS):
        pat.requires_grad_(True)
        x = (1 - mask) * xs + mask * pat
        loss = F.cross_entropy(m(x), target)
        (g,) = torch.autograd.grad(loss, [pat])
        with torch.no_grad():
            pat = (pat - RE_SIZE * g.sign()).clamp(0, 1)
    return pat.detach()


def asr_side(m: nn.Module, fit: TensorDataset, s: int, trig: ReversedTrigger) -> dict:
    m.eval()
    c0 = time.process_time()
    xs = fit.x[fit.y != s]
    with torch.no_grad():
        z = m(trig.apply(xs))
    mg = margin_of(z, s)
    out = {"margin": round(float(mg.mean()), 4),
           "lp": round(float(torch.log_softmax(z, 1)[:, s].mean()), 4)}
    c1 = time.process_time()
    for px in (0, 1, 2):
        mask = grown(trig.mask, px)
        pat = research(m, xs, s, trig, mask)
        with torch.no_grad():
            z2 = m((1 - mask) * xs + mask * pat)
        out[f"re{px}_flip"] = round(float((z2.argmax(1) == s).float().mean()), 4)
        out[f"re{px}_margin"] = round(float(margin_of(z2, s).mean()), 4)
    c2 = time.process_time()
    delta = _signed_steps(m, xs, torch.zeros(1, *xs.shape[1:]), s, READ_STEPS, READ_EPS / 10,
                          READ_EPS)
    with torch.no_grad():
        z3 = m((xs + delta).clamp(0, 1))
    out["reach_margin"] = round(float(margin_of(z3, s).mean()), 4)
    out["cpu_margin"] = round(c1 - c0, 3)
    out["cpu_re"] = round(c2 - c1, 3)
    return out


def main() -> None:
    torch.set_num_threads(1)
    out_path = Path(sys.argv[1])
    clean = load_dataset("mnist", "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    done = set()
    if out_path.exists():
        done = {json.loads(line)["model"] for line in out_path.read_text().splitlines() if line}
    for d in sys.argv[2:]:
        rows = [json.loads(line) for line in (Path(d) / "keep.jsonl").read_text().splitlines()
                if line.strip()]
        for row in rows:
            if not row["kept"] or row["model"] in done or not row.get("backdoored", True):
                continue
            kept = torch.load(Path(d) / f"{row['model'].replace('/', '-')}.pt",
                              weights_only=True)
            loaded = load_model(Path(row["path"]))
            trig = attack_triggered(attack_from_spec(loaded.manifest.attack))(held)
            came = with_state(loaded.module, kept["came"]).eval()
            fit = TensorDataset(kept["fit_x"], kept["fit_y"], clean.class_names)
            sus = kept["suspect"]
            trigger = ReversedTrigger(kept["trigger_target"], kept["mask"], kept["pattern"])
            teach = row.get("teach_last") or {}
            if "mixed_last" in row or (teach.get("flip") or 0) >= TEACH_FLIP:
                today = with_state(loaded.module, kept["today"])
                how = "kept" if "mixed_last" in row else "teach_last"
            else:
                today = with_state(loaded.module, kept["before"])
                fit_mixed(today, kept["came"], fit, sus, kept["seed"], 5)
                how = "rebuilt"
            today.eval()
            gen = kept["seed"] + SEED

            def res(epochs, today=today, came=came, fit=fit, sus=sus, gen=gen):
                m = copy.deepcopy(today)
                teacher = Restore(frozen_copy(came), frozen_copy(today), sus).eval()
                distil_fit(m, teacher, fit, torch.Generator().manual_seed(gen), epochs, push=sus)
                return m

            def cap(epochs, today=today, came=came, fit=fit, sus=sus, gen=gen):
                m = copy.deepcopy(today)
                teacher = Capped(frozen_copy(came), frozen_copy(today), sus).eval()
                distil_fit(m, teacher, fit, torch.Generator().manual_seed(gen), epochs, push=sus)
                return m

            def bias(b, today=today, fit=fit, sus=sus):
                m = copy.deepcopy(today)
                lower_suspect(m, fit.x[:4], sus, -b)
                return m

            makers = {"came": lambda came=came: copy.deepcopy(came),
                      "today": lambda today=today: copy.deepcopy(today),
                      "res5": lambda: res(5), "res10": lambda: res(10), "cap10": lambda: cap(10)}
            for t in (0.1, 0.2, 0.3):
                makers[f"I{t}"] = lambda t=t, today=today, kc=kept["came"]: interpolated(
                    today, kc, t)
            for b in (0.5, 1.0, 2.0):
                makers[f"b{b}"] = lambda b=b: bias(b)
            res_row = {"model": row["model"], "attack": row["attack"], "how": how,
                       "suspect": sus, "teach_flip": teach.get("flip")}
            for name, make in makers.items():
                c0 = time.process_time()
                m = make().eval()
                made = round(time.process_time() - c0, 2)
                res_row[name] = {**scored(m, held, trig, sus), **readings(m, fit, sus, trigger),
                                 **asr_side(m, fit, sus, trigger), "cpu_make": made}
            with out_path.open("a") as fh:
                fh.write(json.dumps(res_row) + "\n")
            print(row["model"], how, res_row["today"], flush=True)


if __name__ == "__main__":
    main()
