"""Issue 12, stop 77 (h12; development): where today's BadNets misses sit after ``aug_last``.

For each model ``mitigate_aug_s75_dev.py`` cached (the output before ``aug_last``, the input
model's state, the method's 200 clean images, the seed, the suspect and the detector's reversed
trigger), today's step (``aug_fit``, 8 epochs, the mean of epochs 3-8) is run on a copy of the
output, so today's default output is rebuilt, and then read:

- the attacker's trigger's footprint (the pixels its stamp changes; read to score only) against
  the detector's reversed mask: the share of the mask's mass on the footprint (``on_patch``) and
  the mask's mean over the footprint (``cover``);
- the residue: the held-out triggered images (not of the target) the output still sends to the
  target, how many of them the input model's clean copy already sends there, and what the
  detector's reversed trigger sends there on the method's images (``flip``);
- per class, the held-out accuracy of the input model and of the output (the accuracy misses);
- ``--search K,...``: a second search on today's output
  (:func:`~trojanscope.mitigate.fresh_residue.bounded_search`, warm from the detector's trigger,
  its mask L1 at most K times that trigger's): its flip on the method's images and its mask's
  share on the footprint.

Variants (``-v``, repeatable), each the step run again from the cached output with one change,
scored on the 800 held-out images: ``jit:S`` (the reversed trigger stamped at a random offset of
up to S pixels on each copy), ``two:K`` (the step, then a second search on its output with budget
K, then the step again from the cached output with both triggers stamped, half the copies each),
``ep:E/F`` (E epochs, the mean of epochs F..E), ``w:C`` (the stamped copies' cross-entropy
weighted C), ``full:T`` (the reversed mask's pixels at or above T of its peak set to 1),
``c:full=T,ep=E,mean=F,mix=1,w=C,jit=S,alt=1`` (a combination; ``mix=1``: the mixes stamped
too; ``alt=1``: every other copy stamped exactly, the rest jittered).
One JSON line per model; decides nothing.

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_res_s77_dev.py OUT.jsonl CACHE
        --zoo N=FOLDER ... --only N/NAME,... [--search 1,2] [-v VARIANT ...]
"""

from __future__ import annotations

import copy
import json
from typing import Any

import torch
from torch import Tensor, nn

from _common import run_main
from mitigate_aug_s75_dev import cpu
from mitigate_aug_s76_dev import cached_models, cached_parser
from mitigate_dense_s71_read import plain
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.engine.metrics import predict
from trojanscope.mitigate import aug_last, free_unlearn
from trojanscope.mitigate.fresh_residue import bounded_search
from trojanscope.mitigate.run import attack_triggered, measure
from trojanscope.mitigate.trigger_last import trigger_flip
from trojanscope.mitigate.triggers import attack_from_spec


class Jittered:
    """A reversed trigger stamped at a random offset of up to ``s`` pixels per image (its own
    generator, so the step's stream is the step's)."""

    def __init__(self, trig: ReversedTrigger, s: int, seed: int) -> None:
        self.trig, self.s = trig, s
        self.gen = torch.Generator().manual_seed(seed + 77)

    def apply(self, x: Tensor) -> Tensor:
        out = []
        for row in x:
            dy, dx = (int(v) for v in torch.randint(-self.s, self.s + 1, (2,),
                                                    generator=self.gen))
            m = torch.roll(self.trig.mask, (dy, dx), (-2, -1))
            p = torch.roll(self.trig.pattern, (dy, dx), (-2, -1))
            out.append((1 - m) * row + m * p)
        return torch.stack(out)


class Alternate:
    """Two triggers, the even rows stamped with the first, the odd rows with the second."""

    def __init__(self, first: Any, second: Any) -> None:
        self.first, self.second = first, second

    def apply(self, x: Tensor) -> Tensor:
        out = self.first.apply(x)
        out[1::2] = self.second.apply(x[1::2])
        return out


def footprint(x: Tensor, xt: Tensor) -> Tensor:
    """The pixels (H×W) the attacker's stamp changed on any of the images."""
    return ((xt - x).abs().sum(1) > 1e-6).any(0)


def rebuilt(kept: dict, model: nn.Module, trig: Any, epochs: int = 8, mean_from: int = 3,
            weight: float | None = None, **more: Any) -> nn.Module:
    """``aug_fit`` on a copy of the cached output as the step runs it (``trig`` stamped)."""
    net = copy.deepcopy(model)
    clean = TensorDataset(kept["x"], kept["y"], tuple(str(i) for i in range(10)))
    old = aug_last.F.cross_entropy
    if weight is not None:  # the stamped copies' cross-entropy weighted (a variant only)

        def weighted(out: Tensor, labels: Tensor) -> Tensor:
            w = torch.ones(len(out))
            w[free_unlearn.BATCH:] = weight  # the batch's clean images first, then the copies
            return (old(out, labels, reduction="none") * w
                    ).sum() / w.sum()
        aug_last.F.cross_entropy = weighted  # type: ignore[assignment]
    try:
        aug_last.aug_fit(net, kept["came"], clean, int(kept["suspect"]), trig,
                         int(kept["seed"]), epochs, mean_from=mean_from, **more)
    finally:
        aug_last.F.cross_entropy = old  # type: ignore[assignment]
    return net.eval()


def per_class(model: nn.Module, held: Any) -> list[float]:
    pred = predict(model, held.x).argmax(1)
    return [float((pred[held.y == c] == c).float().mean()) for c in range(10)]


def main() -> None:
    ap = cached_parser(__doc__.splitlines()[0])
    ap.add_argument("--search", default="", help="K,...: second searches on today's output")
    ap.add_argument("-v", action="append", default=[])
    args = ap.parse_args()
    torch.set_num_threads(1)
    for name, held, kept, loaded in cached_models(args):
        model_name = name.split("/")[1]
        spec = loaded.manifest.attack
        attack = attack_from_spec(spec)
        scored_set = attack_triggered(attack)(held)
        came = copy.deepcopy(loaded.module).eval()
        came.load_state_dict(kept["came"])
        out0 = copy.deepcopy(loaded.module)
        out0.load_state_dict(kept["out"])
        t = kept["trigger"]
        rt = ReversedTrigger(t["target"], t["mask"], t["pattern"])
        x, y, s = kept["x"], kept["y"], int(kept["suspect"])
        fits = str(kept.get("mixed", "")).startswith("fitted")  # where the step runs
        c0 = cpu()
        today = rebuilt(kept, out0, rt) if fits else out0.eval()
        fit_s = cpu() - c0
        base = kept["today"]["ca_before"]
        got = measure(today, held, scored_set)
        row: dict[str, Any] = {"name": name, "family": model_name.rsplit("-", 1)[0],
                               "ca_before": base, "pre": kept["today"],
                               "today": {"ca": got["ca"], "asr": got.get("asr")},
                               "fit_cpu_s": round(fit_s, 2), "suspect": s, "fits": fits,
                               "target": int(scored_set.target[0])}
        # the attacker's footprint against the reversed mask (read to score only)
        idx = torch.from_numpy(attack.test_index(held))
        foot = footprint(held.x[idx], scored_set.x)
        mask = rt.mask[0]
        row["foot_px"] = int(foot.sum())
        row["mask_l1"] = round(float(mask.sum()), 2)
        row["on_patch"] = round(float(mask[foot].sum() / mask.sum().clamp_min(1e-9)), 3)
        row["cover"] = round(float(mask[foot].mean()), 3)
        # the residue
        tgt = scored_set.target
        sent = predict(today, scored_set.x).argmax(1) == tgt
        clean_sent = predict(today, held.x[idx]).argmax(1) == tgt
        row["residue"] = int(sent.sum())
        row["residue_clean_too"] = int((sent & clean_sent).sum())
        row["residue_by_class"] = [int((sent & (scored_set.y == c)).sum()) for c in range(10)]
        stamped = rt.apply(scored_set.x[sent]) if bool(sent.any()) else None
        row["residue_stamped_sent"] = (int((predict(today, stamped).argmax(1) == tgt[sent]).sum())
                                       if stamped is not None else 0)
        row["flip"] = round(trigger_flip(today, x, y, s, rt), 4)
        row["flip_pre"] = round(trigger_flip(out0.eval(), x, y, s, rt), 4)
        row["class_came"] = per_class(came, held)
        row["class_today"] = per_class(today, held)
        row["class_n"] = [int((held.y == c).sum()) for c in range(10)]
        for k in [float(v) for v in args.search.split(",") if v]:
            found = bounded_search(today, TensorDataset(x, y, tuple(str(i) for i in range(10))),
                                   s, k * float(mask.sum()),
                                   torch.Generator().manual_seed(int(kept["seed"]) + 77),
                                   start=rt)
            fm = found.mask[0]
            row[f"search{k:g}"] = {
                "flip": round(trigger_flip(today, x, y, s, found), 4),
                "flip_came": round(trigger_flip(came, x, y, s, found), 4),
                "on_patch": round(float(fm[foot].sum() / fm.sum().clamp_min(1e-9)), 3),
                "residue_sent": int((predict(today, found.apply(scored_set.x[sent])).argmax(1)
                                     == tgt[sent]).sum()) if bool(sent.any()) else 0}
        for text in args.v if fits else []:  # the step does not run: today's row stands
            kind, _, rest = text.partition(":")
            c0 = cpu()
            if kind == "jit":
                net = rebuilt(kept, out0, Jittered(rt, int(rest), int(kept["seed"])))
            elif kind == "two":
                k = float(rest)
                found = bounded_search(today, TensorDataset(x, y, tuple(str(i) for i in
                                                                        range(10))),
                                       s, k * float(mask.sum()),
                                       torch.Generator().manual_seed(int(kept["seed"]) + 77),
                                       start=rt)
                net = rebuilt(kept, out0, Alternate(rt, found))
            elif kind == "full":  # the mask's pixels at or above T of its peak stamped whole
                m = rt.mask
                net = rebuilt(kept, out0, ReversedTrigger(rt.target, (m >= float(rest) * m.max())
                                                          .float().clamp_min(m), rt.pattern))
            elif kind == "c":  # a combination: full=T,ep=E,mean=F,mix=1,w=C
                o = dict(p.split("=") for p in rest.split(","))
                m, trig_c = rt.mask, rt
                if "full" in o:
                    trig_c = ReversedTrigger(rt.target, (m >= float(o["full"]) * m.max()).float()
                                             .clamp_min(m), rt.pattern)
                if "jit" in o:  # jittered copies (alt=1: every other copy stamped exactly)
                    jit = Jittered(trig_c, int(o["jit"]), int(kept["seed"]))
                    trig_c = Alternate(trig_c, jit) if o.get("alt") == "1" else jit
                net = rebuilt(kept, out0, trig_c, int(o.get("ep", 8)), int(o.get("mean", 3)),
                              float(o["w"]) if "w" in o else None,
                              stamp_mixes=bool(int(o.get("mix", 0))))
            elif kind == "ep":
                e, _, f = rest.partition("/")
                net = rebuilt(kept, out0, rt, int(e), int(f or 3))
            elif kind == "w":
                net = rebuilt(kept, out0, rt, weight=float(rest))
            else:
                raise SystemExit(f"error: unknown variant {text!r}")
            spent = cpu() - c0
            g = measure(net, held, scored_set)
            row[text] = {"ca": g["ca"], "asr": g.get("asr"), "cpu_s": round(spent, 2)}
        with args.out.open("a") as fh:
            fh.write(json.dumps(plain(row)) + "\n")
        line = " ".join(f"{k}:{100 * (r['ca'] - base):+.2f}/{100 * (r['asr'] or 0):.2f}"
                        for k, r in row.items() if isinstance(r, dict) and "ca" in r
                        and k not in ("pre",))
        print(f"{name} foot {row['foot_px']} on_patch {row['on_patch']} cover {row['cover']} "
              f"res {row['residue']} (clean {row['residue_clean_too']}, stamped "
              f"{row['residue_stamped_sent']}) flip {row['flip_pre']}->{row['flip']} | {line}",
              flush=True)


if __name__ == "__main__":
    run_main(main)
