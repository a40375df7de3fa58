"""Issue 12, stop 79 (h12; development only, spent zoos): `gated` with given options on named
zoo models, measured as the fresh check measures (MNIST's test split, 200 images for the method,
800 scored, seed 0), with the notes that say which stage decided (the detector, the probe, the
hand-back, mask_black, the action) and the suspect's reversed trigger read as a darkening
(dense_black's reading: dark pixels, support, the share of the clean images not of the suspect
that zeroing them sends to it on the input model). One JSON line per model.

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s79_h12/dev.py OUT.jsonl 'k=v,k=v' \
        ZOO:NUMBER:name,name ...

``PATCH='DARK_MIN=5,FLIP_BAR=0.2'`` sets dense_black's bars for the run (development only).

The attacker's trigger is read only to score (the ASR).
"""

import json
import os
import resource
import sys
from pathlib import Path

import torch

from mitigate_sure_s71_check import mitigated
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate import dense_black
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import split_clean
from trojanscope.mitigate.sent_share import sent_share

torch.set_num_threads(1)
KEYS = ("detector", "suspect", "residual", "hand_check", "overruled", "unlearn", "mask_black",
        "hand_dark", "action")  # "dark_hand" until 71aca5b8: its note unread


def params(text: str) -> dict:
    out = {}
    for part in filter(None, text.split(",")):
        k, v = part.split("=")
        out[k] = float(v) if "." in v else int(v)
    return out


def main() -> None:
    for k, v in params(os.environ.get("PATCH", "")).items():  # dense_black's bars, development
        setattr(dense_black, k, v)
    out, opts = Path(sys.argv[1]), params(sys.argv[2])
    clean = load_dataset("mnist", "test")
    fit, _ = split_clean(clean, 0.8, 0, needs_data=True)
    with out.open("a") as fh:
        for arg in sys.argv[3:]:
            folder, number, names = arg.split(":")
            for name in names.split(","):
                c0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
                g = Gated(**opts)
                res = mitigated(Path(folder) / name, g, clean)
                cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - c0
                row = {"model": f"{number}/{name}", "opts": sys.argv[2],
                       "ca": [round(res.before["ca"], 4), round(res.after["ca"], 4)],
                       "asr": [res.before.get("asr"), res.after.get("asr")],
                       "cpu_s": round(cpu, 1)}
                v = getattr(g, "verdict_", None)
                s = row["suspect"] = v.target_classes[0] if v and v.target_classes else None
                read = dense_black.dark_pixels(v, int(s)) if s is not None else None
                if read is not None:
                    dark, support = read
                    model = load_model(Path(folder) / name).module.eval()
                    flip = sent_share(model, fit.x, fit.y, int(s),
                                      lambda x, d=dark: dense_black.zeroed(x, d))
                    row["dark"] = [int(dark.sum()), support, round(flip, 3)]
                row["notes"] = json.loads(json.dumps(
                    {k: g.report_.get(k) for k in KEYS if k in g.report_}, default=str))
                fh.write(json.dumps(row) + "\n")
                fh.flush()
                print(row["model"], row["ca"], row["asr"], row["cpu_s"], row.get("dark"),
                      str(g.report_.get("action"))[:100], flush=True)


if __name__ == "__main__":
    main()
