"""Development (issue 12, stop 59: h12): does a reading without the attacker's trigger see the
residue today's `gated` leaves? One seeded run of today's default per model (the zoo-eval split:
the method's 200 clean images, 800 scored); then, with no truth, readings of the output against
the input model towards the detector's suspect on the method's 200 images (``fit``) and, for
comparison, on 200 of the scored images (``apart``: images no stage saw; the method cannot read
these, they say whether holding images apart would matter):

- ``rt_flip``: share of the images not of the suspect that the detector's reversed trigger for
  the suspect (``verdict_.triggers[suspect]``) sends there, output (``_in``: input model);
- ``rt_rise``: the suspect's mean logit rise under that trigger, output / input;
- ``rt_p``: the suspect's mean probability on the stamped images, output;
- ``free_p``/``free_hit`` at eps 0.15 and 0.25: a free universal perturbation towards the
  suspect (``free_reach``'s search, its delta kept), the suspect's mean probability and the hit
  share on the images it was found on;
- ``clean_p``: the suspect's mean probability on the clean images not of it, output / input.

Then, from the output, the shapes of a last step, scored with the attacker's trigger (read
here only, to judge): ``free8`` (one more round of ``free_reach``'s unlearning, distillation
8: ``reach_round2``'s) and ``sparse`` (``sparse_last``'s step).

    PYTHONPATH=src:benchmarks python .../dev_residue.py OUT.json ZOO:MODEL...
"""
import copy
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import torch
import torch.nn.functional as F

from trojanscope.data.resolve import load_dataset
from trojanscope.engine.modes import eval_mode
from trojanscope.io.models import load_model
from trojanscope.mitigate import sparse_last as sl
from trojanscope.mitigate.free_unlearn import unlearn_free
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec


def free_delta(model, xs, suspect, eps, steps=40):
    """``free_reach``'s universal search, the delta returned."""
    target = torch.full((len(xs),), suspect, dtype=torch.long)
    delta = torch.zeros(1, *xs.shape[1:])
    with eval_mode(model):
        for _ in range(steps):
            delta.requires_grad_(True)
            loss = F.cross_entropy(model((xs + delta).clamp(0, 1)), target)
            (grad,) = torch.autograd.grad(loss, [delta])
            with torch.no_grad():
                delta = (delta - eps / 10 * grad.sign()).clamp(-eps, eps)
    return delta.detach()


def readings(m_in, m_out, x, y, suspect, trigger):
    """The readings above on images ``x`` (labels ``y``) not of the suspect."""
    xs = x[y != suspect]
    r = {}
    with torch.no_grad(), eval_mode(m_in), eval_mode(m_out):
        z0_in, z0_out = m_in(xs), m_out(xs)
        r["clean_p"] = float(torch.softmax(z0_out, 1)[:, suspect].mean())
        r["clean_p_in"] = float(torch.softmax(z0_in, 1)[:, suspect].mean())
        if trigger is not None:
            st = trigger.apply(xs)
            z1_in, z1_out = m_in(st), m_out(st)
            r["rt_flip"] = float((z1_out.argmax(1) == suspect).float().mean())
            r["rt_flip_in"] = float((z1_in.argmax(1) == suspect).float().mean())
            rise_in = float((z1_in[:, suspect] - z0_in[:, suspect]).mean())
            rise_out = float((z1_out[:, suspect] - z0_out[:, suspect]).mean())
            r["rt_rise_out"], r["rt_rise_in"] = rise_out, rise_in
            r["rt_rise"] = rise_out / rise_in if rise_in > 0 else None
            r["rt_p"] = float(torch.softmax(z1_out, 1)[:, suspect].mean())
    for eps in (0.15, 0.25):
        d = free_delta(m_out, xs, suspect, eps)
        with torch.no_grad(), eval_mode(m_out):
            z = m_out((xs + d).clamp(0, 1))
        r[f"free_p_{eps}"] = float(torch.softmax(z, 1)[:, suspect].mean())
        r[f"free_hit_{eps}"] = float((z.argmax(1) == suspect).float().mean())
    return r


def main() -> None:
    torch.set_num_threads(1)
    out_path = Path(sys.argv[1])
    rows = json.loads(out_path.read_text()) if out_path.exists() else {}
    clean = load_dataset("mnist", "test")
    fit, held = split_clean(clean, 0.8, 0, needs_data=True)
    apart_x, apart_y = held.x[:200], held.y[:200]
    for arg in sys.argv[2:]:
        zoo, name = Path(arg.split(":")[0]), arg.split(":")[1]
        key = f"{zoo.name}/{name}"
        if key in rows:
            continue
        loaded = load_model(zoo / name)
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trig_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
        m_in = copy.deepcopy(loaded.module).eval()
        g = Gated()
        res = mitigate(loaded.module, g, clean, holdout=0.8, seed=0, trigger_of=trig_of,
                       input_shape=loaded.input_shape, num_classes=loaded.num_classes)
        trig = trig_of(held) if trig_of is not None else None
        suspect = g.report_.get("suspect")
        row = {"backdoored": spec is not None, "attack": getattr(spec, "name", None)
               if spec is not None else None,
               "before": res.before, "after": res.after, "elapsed_s": res.elapsed_s,
               "suspect": suspect, "free_reach": g.report_.get("free_reach"),
               "reach_round2": (g.report_.get("reach_round2") or {}).get("rank")
               if isinstance(g.report_.get("reach_round2"), dict) else None,
               "action": str(g.report_.get("action"))[:120]}
        verdict = getattr(g, "verdict_", None)
        if suspect is not None and "reach" in (g.report_.get("free_reach") or {}):
            m_out = res.model.eval()
            t = verdict.triggers.get(int(suspect)) if verdict is not None else None
            start = time.perf_counter()
            row["fit"] = readings(m_in, m_out, fit.x, fit.y, int(suspect), t)
            row["read_s"] = time.perf_counter() - start
            row["apart"] = readings(m_in, m_out, apart_x, apart_y, int(suspect), t)
            saved = copy.deepcopy(m_out.state_dict())
            f8 = copy.deepcopy(m_out)
            start = time.perf_counter()
            unlearn_free(f8, fit, int(suspect), 0, distill=8.0)
            row["free8_s"] = time.perf_counter() - start
            row["free8"] = measure(f8.eval(), held, trig)
            sp = copy.deepcopy(m_out)
            sp.load_state_dict(saved)
            start = time.perf_counter()
            sl.sparse_step(SimpleNamespace(report_={"suspect": int(suspect)}), sp, fit, 0)
            row["sparse_s"] = time.perf_counter() - start
            row["sparse"] = measure(sp.eval(), held, trig)
        rows[key] = row
        b = res.before["ca"]
        print(key, "suspect", suspect, "today", round(100 * (res.after["ca"] - b), 1),
              round(100 * res.after.get("asr", 0), 1), f"{res.elapsed_s:.0f}s",
              {k: round(v, 3) for k, v in row.get("fit", {}).items() if v is not None},
              "free8", row.get("free8"), flush=True)
        out_path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
