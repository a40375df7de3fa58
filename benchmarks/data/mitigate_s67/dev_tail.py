"""Development (issue 12, stop 67: h12), after the fresh read: the tail of the stamped margins
rather than their mean, on the two fits (``cap10``, ``res10``) of every development model (spent
seeds), scored against the attacker's real ASR (the real trigger only scores).

Why: on fresh zoos 2475/2476 the mean re-searched margin fell on fits whose ASR rose (1.4 ->
2.1%, 3.2 -> 5.0%). An ASR of 1-3% is 7-20 of the 720 triggered images, a tail the mean over
about 180 clean images need not follow. Readings per output, for the detector's trigger as left
(``re0``) and re-searched inside its mask grown by 1 and 2 pixels (``re1``, ``re2``): the share of
stamped clean images within 1 and within 2 logits of turning (``near1``, ``near2``), the mean of
the top tenth of margins (``top10``), the largest margin (``max``). Outputs rebuilt as in
``dev_read.py``. One JSON line per model.

    PYTHONPATH=src:benchmarks python .../dev_tail.py OUT.jsonl KEEP_DIR...
"""
import copy
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mitigate_s66"))
from dev_second import Capped, scored
from dev_suspect import Restore

from trojanscope.data.dataset import TensorDataset
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.io.models import load_model
from trojanscope.mitigate.base import frozen_copy, with_state
from trojanscope.mitigate.free_unlearn import distil_fit
from trojanscope.mitigate.mixed_last import fit_mixed
from trojanscope.mitigate.run import attack_triggered, split_clean
from trojanscope.mitigate.stamp_margin import searched_trigger, suspect_margin
from trojanscope.mitigate.teach_last import TEACH_FLIP
from trojanscope.mitigate.triggers import attack_from_spec

SEED = 6666


def tails(m, fit: TensorDataset, s: int, trig: ReversedTrigger) -> dict:
    xs = fit.x[fit.y != s]
    out = {}
    for px in (0, 1, 2):
        t = searched_trigger(m, xs, s, trig, px) if px else trig
        with torch.no_grad():
            mg = suspect_margin(m(t.apply(xs)), s).sort(descending=True).values
        k = max(1, len(mg) // 10)
        out[f"re{px}_near1"] = round(float((mg > -1).float().mean()), 4)
        out[f"re{px}_near2"] = round(float((mg > -2).float().mean()), 4)
        out[f"re{px}_top10"] = round(float(mg[:k].mean()), 4)
        out[f"re{px}_max"] = round(float(mg[0]), 4)
    return out


def main() -> None:
    torch.set_num_threads(1)
    out_path = Path(sys.argv[1])
    clean = load_dataset("mnist", "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    for d in sys.argv[2:]:
        for line in (Path(d) / "keep.jsonl").read_text().splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if not row["kept"]:
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
            else:
                today = with_state(loaded.module, kept["before"])
                fit_mixed(today, kept["came"], fit, sus, kept["seed"], 5)
            today.eval()
            res = {"model": row["model"], "attack": row["attack"]}
            outs = {"today": today}
            for name, teacher_of in (("cap10", Capped), ("res10", Restore)):
                m = copy.deepcopy(today)
                teacher = teacher_of(frozen_copy(came), frozen_copy(today), sus).eval()
                distil_fit(m, teacher, fit, torch.Generator().manual_seed(kept["seed"] + SEED),
                           10, push=sus)
                outs[name] = m.eval()
            for name, m in outs.items():
                res[name] = {**scored(m, held, trig, sus), **tails(m, fit, sus, trigger)}
            with out_path.open("a") as fh:
                fh.write(json.dumps(res) + "\n")
            print(row["model"], res["cap10"]["asr"], flush=True)


if __name__ == "__main__":
    main()
