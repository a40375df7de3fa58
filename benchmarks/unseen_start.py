"""A start for an activation the calibration never fitted (issue 9, stop 52: h9F).

The shipped file's two gated raise terms (empty pixels ``auto:raise``, frame
``auto:raise:frame``) start per activation x kind where a group of clean development models was
fitted. A model whose activation has no such group (a family held out, or Softplus / Hardswish /
Mish / SELU, which no zoo holds and the trait reader does not name) falls back to the term's
own start (0.20 / 0.32) or has the frame term gated off; h9L's held-out sigmoid CNNs read
0.32-0.36 on the empty-pixel gap and were lifted to p ~ 1. The candidate ``U`` is the shipped
file with ``fitted_on.gate_unseen = "max@kind"`` on both terms (``calibration.unseen_start``):
such a model starts at the highest start fitted on any group of its kind. This script writes
``cal_U.json`` and checks that it changes nothing where the activation is covered: every stored
run of foreign seeds 50, 51, 60-73 and issue 3's ``zoo/eval`` are rescored with both files, and
each model whose probability or suspect moves is listed (none is allowed where
``unseen_start`` does not apply).

    PYTHONPATH=src:benchmarks python benchmarks/unseen_start.py --out benchmarks/data/foreign_s52f
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import read_jsonl
from foreign_zoo_detect import recalibrate_row
from frame_start_loso import FRAME
from own_eval_recal import score_file
from pixel_gate_loso import PIXEL
from r13p_lofo import EVAL_ROWS, SEEDS16, load_rows
from relu_side_write import RELU_CONV
from trojanscope.detect.calibration import (
    SHIPPED,
    UNFITTED_MAX_KIND,
    UNSEEN_MAX_KIND,
    Calibrator,
    load_calibrators,
    unseen_start,
)

TERMS = (PIXEL, FRAME)


def with_unseen(cals: dict[str, Calibrator], mode: str = UNSEEN_MAX_KIND
                ) -> dict[str, Calibrator]:
    """``cals`` with both raise terms' ``gate_unseen`` option set to ``mode`` (a copy; ``cals``
    unchanged). Under ``"max@kind:unfitted"`` the frame term's ReLU-CNN start is written out
    as the term's own start (R13P's recipe leaves ReLU CNNs there), so that group stays fitted."""
    out = dict(cals)
    for key in TERMS:
        c = cals[key]
        fitted = {**c.fitted_on, "gate_unseen": mode}
        if mode == UNFITTED_MAX_KIND and key == FRAME:
            fitted["gate_start"] = {RELU_CONV: float(fitted["start"]),
                                    **fitted.get("gate_start", {})}
        out[key] = Calibrator(c.method, list(c.features), list(c.coef), c.intercept,
                              fitted, c.mean, c.scale, c.transform)
    return out


def candidate_text(shipped: Path, mode: str = UNSEEN_MAX_KIND) -> dict:
    """The shipped file's text with the option on both raise terms (as :func:`with_unseen`)."""
    data = json.loads(shipped.read_text())
    for key in TERMS:
        fitted = data[key]["fitted_on"]
        fitted["gate_unseen"] = mode
        if mode == UNFITTED_MAX_KIND and key == FRAME:
            fitted["gate_start"] = {RELU_CONV: float(fitted["start"]), **fitted["gate_start"]}
    return data


def moved(rows: list[dict], a: dict, b: dict) -> list[dict]:
    """Rows whose probability (|dp| > 1e-12) or suspect differs between ``a`` and ``b``, with
    whether ``unseen_start`` applies to them under ``b``."""
    out = []
    for r in rows:
        ra, rb = recalibrate_row(r, a, "a"), recalibrate_row(r, b, "b")
        if abs(ra["probability"] - rb["probability"]) > 1e-12 or \
                ra["suspected_target"] != rb["suspected_target"]:
            traits = r["report"].get("traits") or []
            out.append({"model": f"s{r['seed']}:{r['name']}", "p": [ra["probability"],
                        rb["probability"]], "unseen": [unseen_start(b[k], traits) for k in TERMS]})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True,
                    help="folder for cal_U.json and unseen_check.json")
    ap.add_argument("--unfitted", action="store_true",
                    help="write candidate V (gate_unseen \"max@kind:unfitted\", stop 54: h9A) "
                    "as cal_V.json and check it (unseen_check_V.json)")
    args = ap.parse_args()
    if not args.out.is_dir():
        print(f"error: --out {args.out}: no such folder", file=sys.stderr)
        raise SystemExit(2)
    shipped_path = Path(__file__).resolve().parents[1] / "src/trojanscope/detect" / SHIPPED
    mode, tag = (UNFITTED_MAX_KIND, "V") if args.unfitted else (UNSEEN_MAX_KIND, "U")
    path = args.out / f"cal_{tag}.json"
    path.write_text(json.dumps(candidate_text(shipped_path, mode), indent=2) + "\n")
    shipped, cand = load_calibrators(shipped_path), load_calibrators(path)
    rows = load_rows(SEEDS16)
    foreign = moved(rows, shipped, cand)
    unseen_rows = [f"s{r['seed']}:{r['name']}" for r in rows
                   if any(unseen_start(cand[k], r["report"].get("traits") or []) is not None
                          for k in TERMS)]
    ev = read_jsonl(EVAL_ROWS)
    a, b = score_file(ev, shipped_path), score_file(ev, path)
    ev_moved = [x["name"] for x, y in zip(a["rows"], b["rows"], strict=True)
                if abs(x["probability"] - y["probability"]) > 1e-12
                or x["predicted_target"] != y["predicted_target"]]
    result = {"runs": len(rows), "seeds": sorted(SEEDS16), "moved": foreign,
              "unseen_models": unseen_rows,
              "moved_where_covered": [m["model"] for m in foreign
                                      if all(u is None for u in m["unseen"])],
              "own_eval": {"shipped": [a["scores"]["roc_auc"], a["scores"]["cross_entropy"]],
                           tag: [b["scores"]["roc_auc"], b["scores"]["cross_entropy"]],
                           "moved": ev_moved}}
    name = "unseen_check.json" if tag == "U" else f"unseen_check_{tag}.json"
    (args.out / name).write_text(json.dumps(result, indent=1) + "\n")
    print(f"{len(rows)} stored runs of seeds {result['seeds']}: {len(foreign)} moved "
          f"({len(result['moved_where_covered'])} where the activation is covered); "
          f"models unseen_start applies to: {len(unseen_rows)}; zoo/eval shipped "
          f"{result['own_eval']['shipped']} {tag} {result['own_eval'][tag]}, moved {ev_moved}")


if __name__ == "__main__":
    main()
