"""Issue 12, stop 65 (h12): the step's fit (``mixed_last.fit_mixed``) on a model kept by
``dev_keep.py`` reads as ``dev_teachers.py``'s ``mixP`` row of that model (the same
computation: the teacher, the seed's stream, the pushed copies). Prints both.

    PYTHONPATH=src:benchmarks python .../same_fit.py KEEP_DIR MODEL DEV_ROWS.jsonl
"""
import json
import sys
from pathlib import Path

import torch

from trojanscope.data.dataset import TensorDataset
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.base import with_state
from trojanscope.mitigate.mixed_last import fit_mixed
from trojanscope.mitigate.run import attack_triggered, measure, split_clean
from trojanscope.mitigate.triggers import attack_from_spec


def main() -> None:
    torch.set_num_threads(1)
    keep, model = Path(sys.argv[1]), sys.argv[2]
    row = next(json.loads(line) for line in (keep / "keep.jsonl").read_text().splitlines()
               if json.loads(line)["model"] == model)
    dev = next(json.loads(line) for line in Path(sys.argv[3]).read_text().splitlines()
               if json.loads(line)["model"] == model)
    kept = torch.load(keep / f"{model.replace('/', '-')}.pt", weights_only=True)
    clean = load_dataset("mnist", "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    loaded = load_model(Path(row["path"]))
    trig = attack_triggered(attack_from_spec(loaded.manifest.attack))(held)
    out = with_state(loaded.module, kept["before"])
    fit = TensorDataset(kept["fit_x"], kept["fit_y"], clean.class_names)
    fit_mixed(out, kept["came"], fit, kept["suspect"], kept["seed"], 5)
    m = measure(out.eval(), held, trig)
    print(json.dumps({"model": model, "step": {"ca": round(m["ca"], 5),
                                               "asr": round(m["asr"], 5)},
                      "dev_mixP": {"ca": dev["mixP"]["ca"], "asr": dev["mixP"]["asr"]}}))


if __name__ == "__main__":
    main()
