"""How ``auto``'s later rules were chosen (issue 13): what each candidate value would add on
development sets, against ``auto`` with the rule off.

- ``outside_agree``: in an infected class, confusion flags outside the group taken as poison
  are dropped unless the sample's early agreement is under this value (off: 0). For each
  value: the carriers and the clean samples it adds.
- ``spread_agree`` / ``spread_z``: where the set shows the all-to-all signature, samples with
  early agreement under ``spread_agree`` and spectral robust z above ``spread_z`` are flagged
  (off: ``spread_agree`` 0.5, which the 0.5 cut of the both-views signal already covers).
  For each pair: TPR / FPR of the feature signals with it (no confusion training).

Sets are those of ``bench_detect_data`` (``--seed-base``, ``--sets``), feature models read
from its ``--cache`` (trained there when missing). One JSON line per set.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_detect_data_rules.py \
        --seed-base 5000 --sets 7,18 --cache /tmp/cache [--no-confusion] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).parent))

from bench_detect_data import cached_features, make_attack, sets  # noqa: E402
from trojanscope.data.resolve import load_dataset  # noqa: E402
from trojanscope.detect.data.auto import AutoData  # noqa: E402
from trojanscope.detect.data.flagging import robust_z  # noqa: E402
from trojanscope.detect.data.inputs import materialize  # noqa: E402
from trojanscope.detect.data.spectral import SpectralSignatures  # noqa: E402
from trojanscope.detect.data.verdict import all_to_all_signature  # noqa: E402

OUTSIDE = (0.6, 0.7, 0.8, 0.9, 1.01)  # 1.01: every confusion flag outside the group
SPREAD_AGREE = (0.6, 0.7, 0.8)
SPREAD_Z = (3.0, 4.0, 5.0, 6.0)


class _Probe(AutoData):
    """``auto`` with the rules off, keeping what its confusion orientation was given."""

    def orient_by_confusion(self, confused, flagged, extra, scores=None):
        self.probe = (confused, flagged.copy(), extra.copy())
        return super().orient_by_confusion(confused, flagged, extra, scores)


def mask(idx: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[idx] = True
    return out


def rates(flags: np.ndarray, poison: np.ndarray) -> list[float]:
    return [round(float((flags & poison).sum() / max(poison.sum(), 1)), 4),
            round(float((flags & ~poison).sum() / max((~poison).sum(), 1)), 4)]


def outside_rule(det: _Probe, poison: np.ndarray) -> dict:
    """Carriers / clean samples each ``outside_agree`` value adds to the rule-off flags."""
    confused, flagged, extra = det.probe
    base = None
    out = {}
    for value in (0.0, *OUTSIDE):
        det.outside_agree = value
        kept, more = det.orient_by_confusion(confused, flagged, extra)
        flags = mask(np.union1d(kept, more), len(poison))
        if base is None:
            base = flags
            out["off"] = rates(flags, poison)
            continue
        added = flags & ~base
        out[str(value)] = [int((added & poison).sum()), int((added & ~poison).sum())]
    return out


def spread_rule(feats, poison: np.ndarray) -> dict:
    """TPR / FPR of the feature signals with each (spread_agree, spread_z) pair."""
    det = AutoData(confusion=False, spread_agree=0.5)
    _, flagged = det.run(feats)
    base = mask(flagged, len(poison))
    ev = det.evidence
    out = {"signature": all_to_all_signature(ev["n_disagree"], ev["n_both"]),
           "off": rates(base, poison)}
    if not out["signature"]:
        return out  # the rule never applies
    spectral = robust_z(SpectralSignatures().score(feats))
    for a in SPREAD_AGREE:
        for z in SPREAD_Z:
            out[f"{a}/{z}"] = rates(base | ((det.agree < a) & (spectral > z)), poison)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-base", type=int, required=True)
    parser.add_argument("--sets", default=None, help="set numbers (default: all)")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--no-confusion", action="store_true",
                        help="the spread rule only (no confusion training)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    train = load_dataset("mnist", "train")
    chosen = sets(args.seed_base)
    if args.sets:
        chosen = [chosen[int(i)] for i in args.sets.split(",")]
    rows = []
    for s in chosen:
        view = make_attack(s).poison(train)
        data, poison = materialize(view), view.is_poisoned.numpy().copy()
        name = f"{s['attack']} {s['rate']:.0%} {s['mapping']} t{s['target']} s{s['seed']}"
        feats = cached_features(data, args.cache, name)
        feats.data = data
        row = {"set": name, "spread": spread_rule(feats, poison)}
        if not args.no_confusion:
            det = _Probe(outside_agree=0.0, spread_agree=0.5)
            det.run(feats)
            row["outside"] = outside_rule(det, poison) if hasattr(det, "probe") else None
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
