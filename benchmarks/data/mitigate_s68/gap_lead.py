"""After the decision (issue 12, stop 68: h12; development only, no rule): a reading with a
wider gap? On every stored backdoored MLP of zoos 2465-2478 (input models only, nothing
trained), ``blend_push.blend_reach`` at ``blend_last.BLEND_GATE_ALPHA`` towards *every* class on
the method's 200 clean images, and the suspect's lead over the most reached other class (issue
9's ``blend_lead`` idea: a count of decisions, read per class). Per family the spread of the
suspect's reading, the other classes' highest and the lead, and where the blended models' lowest
lead sits against the others' highest.

    PYTHONPATH=src:benchmarks python .../gap_lead.py OUT.jsonl GAP_ROWS.jsonl ZOO_DIR...
"""
import json
import sys
from collections import defaultdict
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.blend_last import BLEND_GATE_ALPHA
from trojanscope.mitigate.blend_push import blend_reach
from trojanscope.mitigate.run import split_clean


def main() -> None:
    torch.set_num_threads(1)
    clean, _ = split_clean(load_dataset("mnist", "test"), 0.8, 0, needs_data=True)
    rows = [json.loads(line) for line in Path(sys.argv[2]).read_text().splitlines() if line]
    dirs = {Path(d).name.split("-")[1]: Path(d) for d in sys.argv[3:]}
    got = defaultdict(list)
    with Path(sys.argv[1]).open("w") as fh:
        for row in rows:
            zoo, name = row["model"].split("/")
            model = load_model(dirs[zoo] / name).module.eval()
            reach = [round(blend_reach(model, clean.x, clean.y, c, BLEND_GATE_ALPHA), 4)
                     for c in range(10)]
            s = int(row["suspect"])
            other = max(r for c, r in enumerate(reach) if c != s)
            out = {**row, "reach": reach, "other": other, "lead": round(reach[s] - other, 4)}
            fh.write(json.dumps(out) + "\n")
            got[row["attack"]].append(out)
    for fam, rs in sorted(got.items()):
        lead = sorted(r["lead"] for r in rs)
        other = sorted(r["other"] for r in rs)
        own = sorted(r["reach"][int(r["suspect"])] for r in rs)
        print(f"{fam}: {len(rs)} models; the suspect's {own[0]:.3f}-{own[-1]:.3f}; the others' "
              f"highest {other[0]:.3f}-{other[-1]:.3f}; lead {lead[0]:.3f}-{lead[-1]:.3f}")
    blended = min(r["lead"] for r in got["blended"])
    rest = max(r["lead"] for f, rs in got.items() if f != "blended" for r in rs)
    print(f"lead: blended lowest {blended:.3f}, the others' highest {rest:.3f}, gap "
          f"{blended - rest:+.3f}")


if __name__ == "__main__":
    main()
