"""Development (issue 12, stop 60: h12): where do today's `gated` accuracy misses lose their
accuracy, and does an accuracy repair after the last step bring it back without the ASR
returning? One seeded run of today's default per model (the zoo-eval split: the method's 200
clean images ``fit``, 800 scored), with spies that copy the model after each stage:

- ``first``: the first stage's model (where the second stage starts: ``Gated._unlearn``'s input);
- ``stages``: the stages' model (``free_step``'s input);
- ``free``: after ``free_reach``'s step (``free_step``'s return);
- ``out``: the output (after ``reach_round2``).

Stage CA is read on 1,000 seeded images of MNIST's *train* split (``pool``: images the method
may read, not the scored 800; the zoo models may have trained on some, so the level is high, the
drops are what counts), and on the scored 800 for the table only. Readings the method has, on
its 200 images (``fit``) shifted by every (dx, dy) in [-2, 2]^2 but (0, 0), output against the
input model: ``shift_in``/``shift_out`` (accuracy), ``agree`` (same prediction), the suspect's
shifted images predicted as the suspect (``srec_in``/``srec_out``). Then from the output, each
repair on a copy, scored with the attacker's trigger on the 800 (read here only, to judge):

- ``trig2``: ``dense_repair.repair`` for 2 epochs (clean labels, the input model's outputs on
  neighbours with the suspect left out, the detector's reversed trigger stamped under the true
  labels);
- ``agree2``: the same, the distillation only on neighbours where the input model and the
  output (before the repair) predict the same class;
- ``sparse``: ``sparse_last``'s unlearning (5 epochs);
- ``distil5``: the same fit without the sparse copies (``free_unlearn.distil_fit`` for 5 epochs
  towards the output as it came: does the perturbation matter, or the fit?); ``distil10``,
  ``distil20``: 10 and 20 epochs (the same seed stream).

With ``VARIANTS=distil5,distil10,distil20`` in the environment only those repairs run (the
second part of the run, after the first seven models showed the fit the best), and with them
the guard's readings:
``reach_before``/``reach_after``, ``free_reach``'s reading towards the suspect on the method's
images (``universal_reach``, at most 0.15 per pixel) before and after the refit, and
``guard_kept`` (after <= before + ``BACK_RISE``): the candidate ``refit_last=5``'s decision, its
figures ``distil5``'s where kept and today's where not (the same seed stream).

    PYTHONPATH=src:benchmarks python .../dev_repair.py OUT.json ZOO:MODEL...
"""
import copy
import json
import os
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

import trojanscope.mitigate.free_unlearn as fu
from trojanscope.data.resolve import load_dataset
from trojanscope.engine.modes import eval_mode
from trojanscope.io.models import load_model
from trojanscope.mitigate.adaptive import neighbourhood
from trojanscope.mitigate.back_distill import BACK_RISE
from trojanscope.mitigate.base import fine_tune, frozen_copy
from trojanscope.mitigate.dense_repair import REPAIR_LR, REPAIR_SEED, repair
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.sparse_last import unlearn_sparse
from trojanscope.mitigate.triggers import attack_from_spec

SPY: dict = {}


def shifted(x):
    """Every shift of ``x`` by (dx, dy) in [-2, 2]^2 but (0, 0), zero fill."""
    outs = []
    for dx in range(-2, 3):
        for dy in range(-2, 3):
            if dx == 0 and dy == 0:
                continue
            s = torch.roll(x, (dx, dy), (-2, -1))
            if dx > 0:
                s[..., :dx, :] = 0
            elif dx < 0:
                s[..., dx:, :] = 0
            if dy > 0:
                s[..., :dy] = 0
            elif dy < 0:
                s[..., dy:] = 0
            outs.append(s)
    return torch.cat(outs)


def acc(model, x, y):
    with torch.no_grad(), eval_mode(model):
        return float((model(x).argmax(1) == y).float().mean())


def readings(m_in, m_out, x, y, suspect):
    xs, ys = shifted(x), y.repeat(24)
    with torch.no_grad(), eval_mode(m_in), eval_mode(m_out):
        p_in, p_out = m_in(xs).argmax(1), m_out(xs).argmax(1)
    r = {"shift_in": float((p_in == ys).float().mean()),
         "shift_out": float((p_out == ys).float().mean()),
         "agree": float((p_in == p_out).float().mean())}
    if suspect is not None:
        s = ys == suspect
        r["srec_in"] = float((p_in[s] == suspect).float().mean())
        r["srec_out"] = float((p_out[s] == suspect).float().mean())
        o = ~s
        r["shift_in_ns"] = float((p_in[o] == ys[o]).float().mean())
        r["shift_out_ns"] = float((p_out[o] == ys[o]).float().mean())
    return r


def agree_repair(model, teacher, clean, epochs, seed, suspect, trigger):
    """``dense_repair.repair`` with the distillation only where the teacher and the model as it
    came agree on the neighbour."""
    gen = torch.Generator().manual_seed(seed + REPAIR_SEED)
    before = frozen_copy(model)
    keep = [c for c in range(10) if c != suspect]

    def loss_fn(net, x, y):
        near = neighbourhood(x, gen)
        logits = net(near)
        with torch.no_grad():
            t = teacher(near)
            m = t.argmax(1) == before(near).argmax(1)
        loss = F.cross_entropy(net(x), y)
        if bool(m.any()):
            loss = loss + F.kl_div(F.log_softmax(logits[m][:, keep], 1),
                                   torch.softmax(t[m][:, keep], 1), reduction="batchmean")
        if trigger is not None:
            loss = loss + F.cross_entropy(net(trigger.apply(x)), y)
        return loss

    fine_tune(model, clean, epochs=epochs, lr=REPAIR_LR, seed=seed, loss_fn=loss_fn)
    model.eval()


def main() -> None:
    torch.set_num_threads(1)
    out_path = Path(sys.argv[1])
    rows = json.loads(out_path.read_text()) if out_path.exists() else {}
    clean = load_dataset("mnist", "test")
    fit, held = split_clean(clean, 0.8, 0, needs_data=True)
    train = load_dataset("mnist", "train")
    pick = torch.randperm(len(train), generator=torch.Generator().manual_seed(60))[:1000]
    px, py = train.x[pick], train.y[pick]

    orig_unlearn, orig_step = Gated._unlearn, fu.free_step

    def spy_unlearn(self, model, *a, **k):
        SPY["first"] = copy.deepcopy(model).eval()
        return orig_unlearn(self, model, *a, **k)

    def spy_step(gated, out, *a, **k):
        SPY["stages"] = copy.deepcopy(out).eval()
        done = orig_step(gated, out, *a, **k)
        SPY["free"] = copy.deepcopy(done).eval()
        return done

    Gated._unlearn, fu.free_step = spy_unlearn, spy_step
    for arg in sys.argv[2:]:
        zoo, name = Path(arg.split(":")[0]), arg.split(":")[1]
        key = f"{zoo.name.replace('zoo-', '')}/{name}"
        if key in rows:
            continue
        SPY.clear()
        loaded = load_model(zoo / name)
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trig_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
        m_in = copy.deepcopy(loaded.module).eval()
        g = Gated()
        res = mitigate(loaded.module, g, clean, holdout=0.8, seed=0, trigger_of=trig_of,
                       input_shape=loaded.input_shape, num_classes=loaded.num_classes)
        trig = trig_of(held) if trig_of is not None else None
        suspect = g.report_.get("suspect")
        m_out = res.model.eval()
        row = {"before": res.before, "after": res.after, "elapsed_s": res.elapsed_s,
               "suspect": suspect, "free_reach": g.report_.get("free_reach"),
               "action": str(g.report_.get("action"))[:100],
               "pool": {"in": acc(m_in, px, py)}, "test": {"in": res.before["ca"]}}
        for k in ("first", "stages", "free"):
            if k in SPY:
                row["pool"][k] = acc(SPY[k], px, py)
                row["test"][k] = acc(SPY[k], held.x, held.y)
        row["pool"]["out"] = acc(m_out, px, py)
        row["test"]["out"] = res.after["ca"]
        verdict = getattr(g, "verdict_", None)
        if suspect is not None and "reach" in (g.report_.get("free_reach") or {}):
            s = int(suspect)
            t = verdict.triggers.get(s) if verdict is not None else None
            row["fit"] = readings(m_in, m_out, fit.x, fit.y, s)
            row["fit_first"] = readings(m_in, SPY["first"], fit.x, fit.y, s) \
                if "first" in SPY else None
            saved = copy.deepcopy(m_out.state_dict())
            for name_, fn in (
                    ("trig2", lambda m, m_in=m_in, s=s, t=t: repair(
                        m, m_in, fit, 2, 0, free=[s], triggers=[t] if t is not None else None)),
                    ("agree2", lambda m, m_in=m_in, s=s, t=t: agree_repair(m, m_in, fit, 2, 0,
                                                                           s, t)),
                    ("sparse", lambda m, s=s: unlearn_sparse(m, fit, s, 0)),
                    ("distil5", lambda m: fu.distil_fit(
                        m, frozen_copy(m), fit, torch.Generator().manual_seed(7331), 5)),
                    ("distil10", lambda m: fu.distil_fit(
                        m, frozen_copy(m), fit, torch.Generator().manual_seed(7331), 10)),
                    ("distil20", lambda m: fu.distil_fit(
                        m, frozen_copy(m), fit, torch.Generator().manual_seed(7331), 20))):
                if name_ not in os.environ.get("VARIANTS", name_).split(","):
                    continue
                m = copy.deepcopy(m_out)
                m.load_state_dict(saved)
                if name_ == "distil5":
                    row["reach_before"] = fu.universal_reach(m, fit.x, fit.y, s)
                elif name_.startswith("distil"):
                    row[name_ + "_reach_before"] = fu.universal_reach(m, fit.x, fit.y, s)
                start = time.perf_counter()
                fn(m)
                row[name_ + "_s"] = round(time.perf_counter() - start, 1)
                row[name_] = measure(m.eval(), held, trig)
                row[name_ + "_read"] = readings(m_in, m, fit.x, fit.y, s)
                if name_ == "distil5":
                    row["reach_after"] = fu.universal_reach(m, fit.x, fit.y, s)
                    row["guard_kept"] = row["reach_after"] <= row["reach_before"] + BACK_RISE
                elif name_.startswith("distil"):
                    after = fu.universal_reach(m, fit.x, fit.y, s)
                    row[name_ + "_guard_kept"] = after <= row[name_ + "_reach_before"] + BACK_RISE
        rows[key] = row
        b = res.before["ca"]

        def f(r, b=b):
            return f"{100 * (r['ca'] - b):+.1f}/{100 * (r.get('asr') or 0):.1f}"
        print(key, "s", suspect, "today", f(res.after), f"{res.elapsed_s:.0f}s",
              "pool", {k: round(v, 3) for k, v in row["pool"].items()},
              "test", {k: round(v, 4) for k, v in row["test"].items()},
              {k: f(row[k]) for k in ("trig2", "agree2", "sparse", "distil5", "distil10",
                                      "distil20") if k in row},
              {k: round(v, 3) for k, v in row.get("fit", {}).items()},
              {k: row.get(k) for k in ("reach_before", "reach_after", "guard_kept")}, flush=True)
        out_path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
