"""Issue 12, stop 76 (h12; development): ``aug_last``'s fit read epoch by epoch on cached outputs.

For each model ``mitigate_aug_s75_dev.py`` cached (today's `gated` output, the input model's
state, the method's 200 clean images, the seed, the suspect and the detector's reversed trigger),
``aug_fit`` runs ``--epochs`` epochs on a copy of the output exactly as the step does (the same
generator stream, so epoch 5 is ``aug_last=5``'s output), and after every epoch (0: the output
as it came) the method's own readings and the scores are written:

- readings the method owns, on its 200 images only: accuracy on them (``fit``), on their shifted
  copies (``shift``: ``restore_last``'s reading), the share of shifted copies classed as the input
  model classes them (``agree``; ``agree_own``: the suspect's own images, ``agree_rest``: the
  others), and the share of stamped images not of the suspect sent to it (``flip``);
- scores (read to score only): CA and ASR on the benchmark's 800 held-out images, with the
  attacker's trigger.

One JSON line per model; decides nothing.

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_aug_s76_dev.py OUT.jsonl CACHE
        --zoo N=FOLDER ... --only N/NAME,... [--epochs 8] [--avg]
"""

from __future__ import annotations

import argparse
import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from _common import read_jsonl, run_main
from mitigate_aug_s75_dev import cpu
from mitigate_dense_s71_read import plain
from trojanscope.data.dataset import TensorDataset
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.engine.metrics import accuracy
from trojanscope.io.models import load_model
from trojanscope.mitigate import aug_last, free_unlearn
from trojanscope.mitigate.run import attack_triggered, measure, split_clean
from trojanscope.mitigate.shift_read import shifted
from trojanscope.mitigate.trigger_last import trigger_flip
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import read_truth


@torch.no_grad()
def own_readings(model: nn.Module, came: nn.Module, x: Tensor, y: Tensor, suspect: int,
                 trig: ReversedTrigger | None) -> dict[str, float]:
    """The readings the method owns (its 200 images, the input model, the reversed trigger)."""
    model.eval()
    moved = shifted(x)
    ys = y.repeat(len(moved) // len(x))
    agree = model(moved).argmax(1) == came(moved).argmax(1)
    own = ys == suspect
    return {"fit": accuracy(model, x, y), "shift": accuracy(model, moved, ys),
            "agree": float(agree.float().mean()),
            "agree_own": float(agree[own].float().mean()) if bool(own.any()) else 1.0,
            "agree_rest": float(agree[~own].float().mean()),
            "flip": trigger_flip(model, x, y, suspect, trig) if trig is not None else 0.0}


def epoch_spy(every: Callable[[int], None],
              step: Callable[[int], None] | None = None) -> Callable[..., Iterator]:
    """``free_unlearn.fit_batches`` wrapped to call ``every(epoch)`` after each epoch's last
    step (and ``step(i)`` after every step i, from 1), the batches and the generator's stream
    unchanged."""
    real = free_unlearn.fit_batches

    def spy(model, clean, gen, epochs):
        per = -(-len(clean) // free_unlearn.BATCH)
        for i, item in enumerate(real(model, clean, gen, epochs)):
            if i and step is not None:
                step(i)
            if i and i % per == 0:
                every(i // per)
            yield item
        if step is not None:
            step(epochs * per)
        every(epochs)
    return spy


# The weight averages scored beside the epochs (``--avg``): NAME -> (from, to, per step): the
# mean of the states after epochs from..to (per step: after every step of epochs from+1..to).
AVERAGES = {"avg1-5": (1, 5, False), "avg2-5": (2, 5, False), "avg3-5": (3, 5, False),
            "avg0-5": (0, 5, False), "avg1-8": (1, 8, False), "avg3-8": (3, 8, False),
            "step0-5": (0, 5, True), "step2-5": (2, 5, True), "step0-8": (0, 8, True),
            "step4-8": (4, 8, True)}


def mean_state(states: list[dict[str, Tensor]]) -> dict[str, Tensor]:
    """The element-wise mean of ``states`` (one model's state dicts)."""
    return {k: torch.stack([s[k].float() for s in states]).mean(0).to(states[0][k].dtype)
            for k in states[0]}


def trajectory(kept: dict, model: nn.Module, came: nn.Module, held: Any, attack: Any,
               epochs: int, averages: bool = False
               ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Readings and scores after every epoch of ``aug_fit`` on ``model`` (today's output), and
    (``averages``) of :data:`AVERAGES`' weight averages of its states."""
    trig = kept["trigger"]
    rt = ReversedTrigger(trig["target"], trig["mask"], trig["pattern"]) if trig else None
    x, y, s = kept["x"], kept["y"], int(kept["suspect"])
    rows: list[dict[str, Any]] = []
    spent = [0.0]
    by_epoch: list[dict[str, Tensor]] = []
    by_step: list[dict[str, Tensor]] = []

    def state() -> dict[str, Tensor]:
        return {k: v.detach().clone() for k, v in model.state_dict().items()}

    def scored(net: nn.Module) -> dict[str, Any]:
        r = own_readings(net, came, x, y, s, rt)
        got = measure(net.eval(), held, attack)
        return {**r, "ca": got["ca"], "asr": got.get("asr")}

    def every(epoch: int) -> None:
        spent[0] += cpu() - mark[0]
        if averages:
            by_epoch.append(state())
        rows.append({"epoch": epoch, **scored(model), "fit_cpu_s": round(spent[0], 2)})
        mark[0] = cpu()

    mark = [cpu()]
    if averages:
        by_step.append(state())
    every(0)
    aug_last.fit_batches = epoch_spy(every, (lambda _i: by_step.append(state())) if averages
                                     else None)
    try:
        clean = TensorDataset(x, y, tuple(str(i) for i in range(10)))
        aug_last.aug_fit(model, kept["came"], clean, s, rt, int(kept["seed"]), epochs)
    finally:
        aug_last.fit_batches = free_unlearn.fit_batches
    avg: dict[str, dict[str, Any]] = {}
    if averages:
        per = (len(by_step) - 1) // epochs
        net = copy.deepcopy(model)
        for name, (first, last, steps) in AVERAGES.items():
            if last > epochs:
                continue
            pick = by_step[first * per + 1:last * per + 1] if steps else by_epoch[first:last + 1]
            net.load_state_dict(mean_state(pick))
            avg[name] = scored(net)
    return rows, avg


def cached_parser(description: str) -> argparse.ArgumentParser:
    """The command line of a reader of cached runs: OUT.jsonl, CACHE, ``--zoo N=FOLDER`` ...,
    ``--only N/NAME,...`` (what :func:`cached_models` reads; stop 77's reader too)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("out", type=Path)
    ap.add_argument("cache", type=Path)
    ap.add_argument("--zoo", action="append", default=[], help="N=FOLDER")
    ap.add_argument("--only", required=True, help="N/NAME,... (cached models)")
    return ap


def cached_models(args: argparse.Namespace) -> Iterator[tuple[str, Any, dict, Any]]:
    """For each ``N/NAME`` of ``args.only`` not yet in ``args.out``: the name, the benchmark's
    800 held-out images of zoo N (``args.zoo``'s ``N=FOLDER``), the cached run (``args.cache``,
    read with ``weights_only=True``) and the zoo model as loaded (stop 77's reader too)."""
    zoos = dict(z.split("=", 1) for z in args.zoo)
    done = {r["name"] for r in read_jsonl(args.out)} if args.out.is_file() else set()
    held_of: dict[str, Any] = {}
    for name in args.only.split(","):
        if name in done:
            continue
        number, model_name = name.split("/")
        folder = Path(zoos[number])
        if number not in held_of:
            dataset, _ = read_truth(folder)
            held_of[number] = split_clean(load_dataset(dataset, "test"), 0.8, 0,
                                          needs_data=True)[1]
        kept = torch.load(args.cache / f"{number}-{model_name}.pt", weights_only=True)
        yield name, held_of[number], kept, load_model(folder / model_name)


def main() -> None:
    ap = cached_parser(__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--avg", action="store_true", help="score AVERAGES' weight averages too")
    args = ap.parse_args()
    torch.set_num_threads(1)
    for name, held, kept, loaded in cached_models(args):
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        attack = attack_triggered(attack_from_spec(spec))(held) if spec is not None else None
        came = copy.deepcopy(loaded.module).eval()
        came.load_state_dict(kept["came"])
        model = copy.deepcopy(loaded.module)
        model.load_state_dict(kept["out"])
        row = {"name": name, "family": name.split("/")[1].rsplit("-", 1)[0],
               "today": kept["today"], "mixed": str(kept.get("mixed", "")),
               "taught": str(kept.get("taught", "")), "read": kept.get("read")}
        if kept.get("read") and kept.get("suspect") is not None:
            row["epochs"], avg = trajectory(kept, model, came, held, attack, args.epochs,
                                            args.avg)
            if avg:
                row["avg"] = avg
        with args.out.open("a") as fh:
            fh.write(json.dumps(plain(row)) + "\n")
        base = kept["today"]["ca_before"]
        line = " ".join(f"{r['epoch']}:{100 * (r['ca'] - base):+.2f}/{100 * (r['asr'] or 0):.1f}"
                        for r in row.get("epochs", []))
        line += "".join(f" {k}:{100 * (r['ca'] - base):+.2f}/{100 * (r['asr'] or 0):.1f}"
                        for k, r in row.get("avg", {}).items())
        print(f"{name} [{row['mixed'][:10]}] {line}", flush=True)


if __name__ == "__main__":
    run_main(main)
