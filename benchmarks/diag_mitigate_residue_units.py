"""What a `gated` residue is, read with the attacker's real trigger (development zoos only, a
diagnosis: no method reads it). For each cached purified model (``cache_gated_outputs.py``):

- the real trigger's ASR on the zoo's three clean models (the floor a clean MLP shows),
- how the purified model's wrong predictions under the trigger spread over the classes,
- ASR and CA after zeroing the k hidden units of each layer the real trigger drives most
  (its mean rise over clean inputs, in units of their spread; k = 1, 2, 4, 8, 16): whether
  the residue lives in a few units, as fine-pruning assumes,
- ASR and CA after pruning each layer's units least active on the clean images (fine-pruning's
  order; 20/40/60%), and after retraining the output layer alone on the clean images with
  distillation (from zero and from its weights).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/diag_mitigate_residue_units.py \\
        /tmp/zoo-2419:/tmp/cache/2419 --only blended-006,sparse-009 --out OUT.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.run import attack_triggered, measure, split_clean
from trojanscope.mitigate.triggers import attack_from_spec


def hidden(model: nn.Module, x: Tensor) -> list[Tensor]:
    """The MLP's hidden activations (after each ReLU) on ``x``."""
    out, h = [], x.flatten(1)
    for m in list(model.net)[1:]:
        h = m(h)
        if isinstance(m, nn.ReLU):
            out.append(h)
    return out


def zeroed(model: nn.Module, start: dict, layer: nn.Linear, units: Tensor, held, trig) -> dict:
    """Figures after zeroing ``units`` of ``layer`` (from ``start``)."""
    model.load_state_dict(start)
    with torch.no_grad():
        layer.weight[units] = 0
        layer.bias[units] = 0
    r = measure(model, held, trig)
    return {"asr": round(r["asr"], 4), "ca": round(r["ca"], 4)}


def retrained(model: nn.Module, start: dict, fit, held, trig, zero: bool) -> dict:
    """The output layer retrained alone on ``fit`` (labels + distillation, 300 Adam steps)."""
    model.load_state_dict(start)
    last = [m for m in model.net if isinstance(m, nn.Linear)][-1]
    with torch.no_grad():
        teacher = model(fit.x)
        if zero:
            last.weight.zero_()
            last.bias.zero_()
    for p in model.parameters():
        p.requires_grad_(False)
    last.weight.requires_grad_(True)
    last.bias.requires_grad_(True)
    opt = torch.optim.Adam([last.weight, last.bias], lr=1e-2, weight_decay=1e-3)
    for _ in range(300):
        out = model(fit.x)
        loss = F.cross_entropy(out, fit.y) + 4 * F.kl_div(
            F.log_softmax(out / 2, 1), F.softmax(teacher / 2, 1), reduction="batchmean")
        opt.zero_grad()
        loss.backward()
        opt.step()
    r = measure(model, held, trig)
    return {"asr": round(r["asr"], 4), "ca": round(r["ca"], 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pairs", nargs="+", help="ZOO:CACHE_DIR")
    ap.add_argument("--only", default="")
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    fit, held = split_clean(load_dataset("mnist", "test"), args.holdout, args.seed,
                            needs_data=True)
    done: dict = {}
    for pair in args.pairs:
        zoo, cached = (Path(p) for p in pair.split(":"))
        cleans = [load_model(zoo / f"clean-00{i}").module.eval() for i in range(3)]
        for state in sorted(cached.glob("*.pt")):
            if args.only and state.stem not in args.only.split(","):
                continue
            loaded = load_model(zoo / state.stem)
            spec = loaded.manifest.attack if loaded.manifest is not None else None
            if spec is None:
                continue
            trig = attack_triggered(attack_from_spec(spec))(held)
            model = loaded.module.eval()
            model.load_state_dict(torch.load(state, weights_only=True))
            start = {k: v.clone() for k, v in model.state_dict().items()}
            row: dict = {"purified": measure(model, held, trig),
                         "clean_models_asr": [round(measure(c, held, trig)["asr"], 4)
                                              for c in cleans]}
            with torch.no_grad():
                pred = model(trig.x).argmax(1)
                wrong = pred != trig.y
                row["wrong_by_class"] = torch.bincount(pred[wrong], minlength=10).tolist()
                row["target"] = int(trig.target[0])
                acts_c, acts_t = hidden(model, fit.x), hidden(model, trig.x[:300])
            layers = [m for m in model.net if isinstance(m, nn.Linear)]
            for i, (c, t) in enumerate(zip(acts_c, acts_t, strict=False)):
                order = ((t.mean(0) - c.mean(0)) / (c.std(0) + 1e-3)).argsort(descending=True)
                row[f"L{i}_real_trigger_units"] = {
                    k: zeroed(model, start, layers[i], order[:k], held, trig)
                    for k in (1, 2, 4, 8, 16)}
                quiet = c.mean(0).argsort()
                row[f"L{i}_least_active"] = {
                    f: zeroed(model, start, layers[i], quiet[: int(f * len(quiet))], held, trig)
                    for f in (0.2, 0.4, 0.6)}
            row["output_layer_from_zero"] = retrained(model, start, fit, held, trig, True)
            row["output_layer_retrained"] = retrained(model, start, fit, held, trig, False)
            done[f"{zoo.name}/{state.stem}"] = row
            write_text_atomic(args.out, json.dumps(done, indent=1) + "\n")
            print(f"{zoo.name}/{state.stem}", json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
