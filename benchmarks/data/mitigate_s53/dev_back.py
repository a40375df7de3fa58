"""Development (issue 12, stop 53: h12): the candidate step itself
(:func:`trojanscope.mitigate.back_distill.back_step`, ``back_distill=E``) on today's outputs saved
by ``mitigate_s51a/keep_today.py`` (the step is `gated`'s last, so today's output is the model it
starts from; seed 0, as the benchmark's runs), scored on the scoring split with the run's own
attack (figures only; the step never reads it).

    PYTHONPATH=src:benchmarks/data/mitigate_s53 python .../dev_back.py OUT.json ZOOS E SAVED.pt...
"""
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import torch
from saved import read_saved, split, stages_model

from trojanscope.mitigate.back_distill import back_step
from trojanscope.mitigate.run import measure


def main() -> None:
    fit, held = split()
    out_path, zoos, epochs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    rows = {}
    for f in sys.argv[4:]:
        path = Path(f)
        came, saved, trig = read_saved(zoos, path, held)
        m = stages_model(zoos, path, saved)
        unchanged = all(torch.equal(v, came.state_dict()[k]) for k, v in m.state_dict().items())
        today = measure(m, held, trig)
        g = SimpleNamespace(report_={"suspect": saved["suspect"]}, back_distill=epochs)
        back_step(g, m, came, fit, 0, unchanged)
        cand = measure(m, held, trig)
        rows[path.stem] = {"ca_before": saved["before"]["ca"],
                           "asr_before": saved["before"].get("asr"), "today": today,
                           "candidate": cand, "note": g.report_["back_distill"]}
        print(path.stem, json.dumps(rows[path.stem]), flush=True)
        out_path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
