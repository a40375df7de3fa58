"""Why a crossed patch survives `detect-inputs`' default on some foreign models (issue 14,
stop 44; measurement only): per model, for every transform of ``auto``'s menu, the share of the
guard half's clean predictions it keeps (``auto`` keeps a transform at >= 80%), and on the
triggered inputs whose backdoor fires, the share still classified as the target after it (the
backdoor survives the transform: its consistency column has nothing to read there).

    python benchmarks/xpatch_budget_why_stop44.py ZOO/relu_cnn-01 ZOO/mlp-01 --out why.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch

sys.path.insert(0, str(Path(__file__).parent))
from bench_detect_inputs_foreign import ForeignTrigger
from trojanscope.data import load_dataset
from trojanscope.detect.input_level.consistency import AUTO_MENU, MIN_AGREEMENT, TRANSFORMS
from trojanscope.detect.input_level.evaluate import triggered_split
from trojanscope.io.models import load_model


def model_row(path: Path, clean, seed: int) -> dict:
    """The menu's agreement on clean inputs and the backdoor's survival, for one zoo model."""
    truth = json.loads((path.parent / "truth.json").read_text())
    meta = {m["name"]: m for m in truth["models"]}[path.name]
    model = load_model(path.parent / f"{path.name}.pt").module.eval()
    attack = ForeignTrigger(meta["trigger"], meta["target"])
    with torch.no_grad():
        guard_x, _, trig_x, fires = triggered_split(model, clean, attack,  # type: ignore[arg-type]
                                                    torch.Generator().manual_seed(seed))
        pred = model(guard_x).argmax(1)
        fired = trig_x[fires]
        row: dict = {"model": f"{path.parent.name}/{path.name}", "arch": meta["arch_family"],
                     "trigger": meta["trigger_family"], "fired": int(fires.sum()),
                     "clean_agreement": {}, "backdoor_survives": {}}
        for name in AUTO_MENU:
            f = TRANSFORMS[name]
            row["clean_agreement"][name] = round(float((model(f(guard_x)).argmax(1) == pred)
                                                       .double().mean()), 4)
            row["backdoor_survives"][name] = round(float((model(f(fired)).argmax(1)
                                                          == meta["target"]).double().mean()), 4)
    row["kept_by_auto"] = [n for n in AUTO_MENU
                           if row["clean_agreement"][n] >= MIN_AGREEMENT][:4]
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", type=Path, nargs="+", help="ZOO/NAME of foreign zoo models")
    ap.add_argument("--seed", type=int, default=0, help="the benchmark's split seed")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    clean = load_dataset("mnist", "test")
    rows = []
    for path in args.models:
        row = model_row(path, clean, args.seed)
        rows.append(row)
        print(row["model"], row["trigger"], "kept", row["kept_by_auto"], "| clean agreement",
              row["clean_agreement"], "| backdoor survives", row["backdoor_survives"], flush=True)
        args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
