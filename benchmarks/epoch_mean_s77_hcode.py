"""Would ``torch.optim.swa_utils.AveragedModel`` hand back what ``aug_last.EpochMean`` does?
(issue 9, stop 77: hcode; the lead's stop-76 final read named the swap.)

Runs today's default ``gated`` on zoo models (``ZOO/NAME`` each) as ``bench_mitigate.py``
measures them (MNIST's test split, 200 images for the method, 800 scored, seed 0) and writes one
JSON line per model: CA and ASR after (full precision), the output state's SHA-256 and its
floating-point tensors (for ``compare``). ``--swa`` swaps ``EpochMean`` for :class:`SwaMean`, the
same mean kept by ``AveragedModel(use_buffers=True)`` (a running mean, ``lerp`` by 1/(n+1),
where ``EpochMean`` sums and divides once).

    PYTHONPATH=src:benchmarks python benchmarks/epoch_mean_s77_hcode.py run OUT.jsonl \
        [--swa] ZOO/NAME...
    PYTHONPATH=src:benchmarks python benchmarks/epoch_mean_s77_hcode.py compare A.jsonl B.jsonl
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel

from _common import fail, run_main
from trojanscope.mitigate import aug_last as au


class SwaMean(au.EpochMean):
    """``EpochMean``'s schedule, ``AveragedModel`` keeping the mean (the swap the read named)."""

    def __init__(self, model: nn.Module, n: int, first: int) -> None:
        super().__init__(model, n, first)
        self.avg = AveragedModel(model, use_buffers=True)

    def stepped(self) -> None:
        self.steps += 1
        if self.first <= 0 or self.steps % self.per or self.steps // self.per < self.first:
            return
        self.avg.update_parameters(self.model)
        self.count += 1

    def load(self) -> None:
        if self.count:
            self.model.load_state_dict(self.avg.module.state_dict())


def digest(model: nn.Module) -> str:
    """SHA-256 of the state's tensors' bytes, in the state's order."""
    h = hashlib.sha256()
    for k, v in model.state_dict().items():
        h.update(k.encode())
        h.update(v.detach().contiguous().numpy().tobytes())
    return h.hexdigest()


def run(out: Path, swa: bool, models: list[str]) -> None:
    from mitigate_sure_s71_check import mitigated
    from trojanscope.data.resolve import load_dataset
    from trojanscope.mitigate.gated import Gated
    from trojanscope.zoo import read_truth

    if swa:
        au.EpochMean = SwaMean  # aug_fit reads the module's name at call time
    torch.set_num_threads(1)
    with out.open("w") as fh:
        for spec in models:
            folder = Path(spec)
            dataset, _ = read_truth(folder.parent)
            method = Gated()
            res = mitigated(folder, method, load_dataset(dataset, "test"))
            state = {k: v.tolist() for k, v in res.model.state_dict().items()
                     if v.is_floating_point()}
            row = {"model": f"{folder.parent.name.removeprefix('zoo-')}/{folder.name}",
                   "ca_after": res.after["ca"], "asr_after": res.after.get("asr"),
                   "aug_last": str(method.report_.get("aug_last", {}).get("action"))[:60],
                   "sha256": digest(res.model), "cpu_s": res.cpu_s, "state": state}
            fh.write(json.dumps(row) + "\n")
            print(f"{row['model']}: CA {row['ca_after']!r} ASR {row['asr_after']!r} "
                  f"{row['sha256'][:12]} cpu {res.cpu_s:.1f}", flush=True)


def compare(a: Path, b: Path) -> None:
    """Per model: CA / ASR equal?, states bitwise equal?, the largest absolute and relative
    difference of any weight."""
    rows_a = [json.loads(x) for x in a.read_text().splitlines()]
    rows_b = [json.loads(x) for x in b.read_text().splitlines()]
    for r, s in zip(rows_a, rows_b, strict=True):
        assert r["model"] == s["model"]
        most = rel = 0.0
        for k, v in r["state"].items():
            x, y = torch.tensor(v), torch.tensor(s["state"][k])
            d = (x - y).abs()
            most = max(most, float(d.max()))
            rel = max(rel, float((d / x.abs().clamp_min(1e-12)).max()))
        print(f"{r['model']}: CA {r['ca_after']:.6f} / {s['ca_after']:.6f} "
              f"{'same' if r['ca_after'] == s['ca_after'] else 'MOVED'}; ASR {r['asr_after']} / "
              f"{s['asr_after']} {'same' if r['asr_after'] == s['asr_after'] else 'MOVED'}; "
              f"state {'bitwise equal' if r['sha256'] == s['sha256'] else 'differs'}, "
              f"largest |diff| {most:.3g}, relative {rel:.3g}; {r['aug_last']}")


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["run"] and len(args) >= 3:
        swa = "--swa" in args
        rest = [a for a in args[2:] if a != "--swa"]
        if not rest or not all((Path(m).parent / "truth.json").is_file() for m in rest):
            fail("give ZOO/NAME models of zoos with a truth.json")
        run(Path(args[1]), swa, rest)
    elif args[:1] == ["compare"] and len(args) == 3:
        compare(Path(args[1]), Path(args[2]))
    else:
        fail("usage: run OUT.jsonl [--swa] ZOO/NAME... | compare A.jsonl B.jsonl")


if __name__ == "__main__":
    run_main(main)
