"""Issue 12, stop 72 (h12; development only, spent zoos): the dense-mask unlearning tried on
today's `gated` outputs and input models cached by ``cache_today.py``, not shipped as run here.
The completed mask (``dense_mask.completed_mask``) is read on the input model and unlearnt for
``EPOCHS`` epochs; ``FROM=1`` from the input model (the candidate's path) instead of today's
output, ``SUB=L`` stamps a random share in [L, 1] of the mask, ``UNION=1`` joins the reversed
trigger's bright pixels, ``SURG=sub|proj`` the weight surgeries tried and dropped; ``BLACK=1``
(after the fresh decision) also stamps the reversed trigger's dark masked pixels black, and
``ERASE=q`` blacks out each pixel of a stamped copy with probability q. The
attacker's trigger is read only to score ASR and to count the mask's pixels taken."""

import copy
import glob
import os
import resource
import sys

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.io.models import load_model
from trojanscope.mitigate import dense_mask as ML
from trojanscope.mitigate.run import attack_triggered, measure, split_clean
from trojanscope.mitigate.trigger_last import trigger_flip, unlearn_trigger
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.triggers.pixels import PixelsTrigger

torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
fit, held = split_clean(clean, 0.8, 0, needs_data=True)
epochs = [int(e) for e in os.environ.get("EPOCHS", "5").split(",")]
for k in ("Z", "MIN_PIXELS", "FLIP_BAR", "SPIKE"):
    if k in os.environ:
        setattr(ML, k, float(os.environ[k]))
pat = sys.argv[1] if len(sys.argv) > 1 else "*"
for f in sorted(glob.glob(f"/tmp/h1272/cache/{pat}.pt")):
    c = torch.load(f, weights_only=False)
    loaded = load_model(c["path"])
    came = loaded.module.eval()
    out = copy.deepcopy(came)
    out.load_state_dict(c["out"])
    out.eval()
    spec = loaded.manifest.attack
    trig = attack_triggered(attack_from_spec(spec))(held) if spec is not None else None
    mask, spike = ML.completed_mask(came, fit.x)
    if os.environ.get("UNION") and c["rt"] is not None:
        rm, rp = c["rt"]
        mask = torch.maximum(mask, ((rm[0] * rp.mean(0)) >= 0.5).float()[None])
    n = int(mask.sum())
    s = c["suspect"]
    ov = ""
    if c["family"] == "sparse":
        t = PixelsTrigger(**{k: v for k, v in c["trigger_spec"].items() if k != "name"})
        r, cc, v = t.positions(28, 28)
        wpos = set((r * 28 + cc)[v > 0.5].tolist())
        got = set(torch.nonzero(mask.flatten()).flatten().tolist())
        ov = (f"{c['trigger_spec']['value']} white {len(wpos)} hit {len(got & wpos)} "
              f"extra {len(got - wpos)}")
    if s is None:
        print(f"{c['name']:18s} {c['family']:8s} no suspect; spike={spike:.2f} pix={n} {ov}")
        continue
    s = int(s)
    stamp = ReversedTrigger(s, mask, torch.ones(1, 28, 28))
    fi = trigger_flip(came, fit.x, fit.y, s, stamp) if n else 0
    fo = trigger_flip(out, fit.x, fit.y, s, stamp) if n else 0
    b, a = c["before"], c["after"]
    line = (f"{c['name']:18s} {c['family']:8s} p={c['p']:.3f} s={s} t={c['target']} "
            f"spike={spike:.2f} pix={n} flip_in={fi:.2f} flip_out={fo:.2f} {ov} | today ca "
            f"{b['ca']:.3f}->{a['ca']:.3f} ({(a['ca'] - b['ca']) * 100:+.1f}) "
            f"asr {a.get('asr', 0):.3f}")
    print(line, flush=True)
    if (
        n >= ML.MIN_PIXELS
        and fi >= ML.FLIP_BAR
        and spike >= ML.SPIKE
        and os.environ.get("READONLY") is None
    ):
        for ep in epochs:
            o = copy.deepcopy(came if os.environ.get("FROM") else out)
            if os.environ.get("SURG"):
                from trojanscope.mitigate.stripe_projection import first_linear

                layer = first_linear(o, fit.x[:2])
                L0 = first_linear(came, fit.x[:2])
                cols = ML.columns(L0, (1, 28, 28))
                blank = (fit.x.amax(dim=(0, 1)) < ML.BLANK).flatten()
                cols = cols - cols[blank].mean(0, keepdim=True)
                tk = mask.flatten() > 0
                d = cols[tk].mean(0)
                with torch.no_grad():
                    if os.environ["SURG"] == "sub":
                        layer.weight[:, tk] -= d[:, None]
                    else:
                        dn = d / d.norm()
                        layer.weight[:, tk] -= torch.outer(dn, dn @ layer.weight[:, tk])
                mm = measure(o, held, trig)
                print(
                    f"    surgery alone: ca {mm['ca']:.3f} "
                    f"({(mm['ca'] - c['before']['ca']) * 100:+.1f}) asr {mm.get('asr', 0):.3f}"
                )
            c0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
            if os.environ.get("SUB"):
                from trojanscope.mitigate.base import frozen_copy
                from trojanscope.mitigate.free_unlearn import distil_fit

                lo = float(os.environ["SUB"])
                gen = torch.Generator().manual_seed(4409)

                dark = torch.zeros_like(mask)
                if os.environ.get("BLACK") and c["rt"] is not None:  # after the decision
                    rm, rp = c["rt"]
                    dark = ((rm[0] >= 0.5) & (rp.mean(0) < 0.5)).float()[None] * (1 - mask)
                    print(f"    dark pixels stamped black: {int(dark.sum())}")

                def pert(_n, bx, gen=gen, lo=lo, mask=mask, dark=dark):
                    keep = torch.rand(len(bx), 1, 1, 1, generator=gen) * (1 - lo) + lo
                    m = mask * (torch.rand(len(bx), *mask.shape, generator=gen) < keep).float()
                    k = dark * (torch.rand(len(bx), *dark.shape, generator=gen) < keep).float()
                    if os.environ.get("ERASE"):  # after the decision: random pixels blacked out
                        q = float(os.environ["ERASE"])
                        k = torch.maximum(k, (torch.rand(len(bx), *dark.shape, generator=gen)
                                              < q).float())
                    return bx * (1 - m) * (1 - k) + m

                distil_fit(o, frozen_copy(o), fit, gen, ep, perturb=pert)
            else:
                unlearn_trigger(o, fit, s, 0, ep, stamp)
            o.eval()
            c1 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
            m = measure(o, held, trig)
            print(
                f"    ep={ep}: ca {m['ca']:.3f} ({(m['ca'] - c['before']['ca']) * 100:+.1f}) "
                f"asr {m.get('asr', 0):.3f} "
                f"flip_after={trigger_flip(o, fit.x, fit.y, s, stamp):.2f} cpu {c1 - c0:.1f}",
                flush=True,
            )
