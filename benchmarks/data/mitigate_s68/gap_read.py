"""After the decision (issue 12, stop 68: h12; development only, no rule): the gate's reading on
every stored backdoored MLP of the fresh zoos still on disk, 2465-2478 (input models only,
nothing trained): the input model's blend reach towards the detector's suspect (its stop's
notes) at ``blend_last.BLEND_GATE_ALPHA`` on the method's 200 clean images (the benchmarks'
split, the images the step reads), to see how wide the gap between the blended backdoors and
the others is beyond the development models. One line per model, then the spread per family.

    PYTHONPATH=src:benchmarks python .../gap_read.py OUT.jsonl ZOO_DIR...
"""
import glob
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.blend_last import BLEND_BAR, BLEND_GATE_ALPHA
from trojanscope.mitigate.blend_push import blend_reach
from trojanscope.mitigate.run import split_clean
from trojanscope.zoo import read_truth

DATA = Path(__file__).resolve().parents[1]


def suspects(zoo: str) -> dict:
    """The detector's suspect per model of ``zoo``, from its stop's ``fresh-<zoo>.json``."""
    (path,) = glob.glob(str(DATA / f"mitigate_s*/fresh-{zoo}.json"))
    got = json.loads(Path(path).read_text())
    for key in got:
        notes = got[key].get("notes") or {}
        if notes:
            return {name: note.get("suspect") for name, note in notes.items()}
    return {}


def suspect_models(dirs: list[str]) -> Iterator[tuple]:
    """``(zoo, entry, suspect, model)`` for every backdoored model of the zoo folders ``dirs``
    its stop's notes name a suspect for (the model in eval mode; stop 69's
    ``mitigate_gate_s69_read.py`` reads the same models)."""
    for d in dirs:
        zoo = Path(d).name.split("-")[1]
        sus = suspects(zoo)
        _, entries = read_truth(Path(d))
        for e in entries:
            if e.backdoored and sus.get(e.name) is not None:
                yield zoo, e, int(sus[e.name]), load_model(Path(d) / e.name).module.eval()


def main() -> None:
    torch.set_num_threads(1)
    clean, _ = split_clean(load_dataset("mnist", "test"), 0.8, 0, needs_data=True)
    spread = defaultdict(list)
    with Path(sys.argv[1]).open("w") as fh:
        for zoo, e, suspect, model in suspect_models(sys.argv[2:]):
            reach = blend_reach(model, clean.x, clean.y, suspect, BLEND_GATE_ALPHA)
            row = {"model": f"{zoo}/{e.name}", "attack": e.attack, "suspect": suspect,
                   "target": e.target, "blend": round(reach, 4)}
            fh.write(json.dumps(row) + "\n")
            spread[e.attack].append((reach, row["model"]))
    for fam, got in sorted(spread.items()):
        got.sort()
        over = [m for r, m in got if r >= BLEND_BAR - 1e-9]
        print(f"{fam}: {len(got)} models, {got[0][0]:.3f}-{got[-1][0]:.3f}, at or over the bar "
              f"{BLEND_BAR}: {len(over)}" + (f" ({', '.join(over)})" if fam != "blended" and over
                                             else "")
              + (f"; under it: {[m for r, m in got if r < BLEND_BAR - 1e-9]}"
                 if fam == "blended" else "")
              + f"; highest {got[-1][1]}")


if __name__ == "__main__":
    main()
