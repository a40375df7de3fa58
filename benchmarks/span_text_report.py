"""Scores from span occlusion, simulated on ``span_text_dump.py`` readings (issue 15, stop 56,
h15; no forward pass): per model and split, each score's guard FPR / TPR at the guard's own
threshold (:func:`pac_threshold` of the guard half's scores, ``--fpr`` 0.05, ``--confidence``
0.95, as today's ``strip-text`` guard), ROC-AUC and TPR at FPR ≤ ``--fpr`` on the held-out clean.

Scores (higher = more likely triggered): ``strip`` (today's ``strip-text``), ``drop:W:S`` (the
own probability of the predicted class minus the least kept with one window of the dump's
``W:S`` removed: ``span-text -p width=W -p stride=S``), ``share:W:S`` (that drop over the own
probability, ``-p measure=share``), ``either:W:S`` (the larger of ``strip``'s and
``drop:W:S``'s rank among the guard half's scores: flagged when either is high), and
``orP:W:S`` (stop 58: flagged when ``strip`` passes its own guard threshold at ``100 - P``% of the
FPR budget or ``drop:W:S`` passes its own at ``P``%, ``pac_threshold(guard, share * fpr,
confidence)`` each; its value is the larger excess over the two thresholds, its threshold 0;
P in ``OR_SHARES``), and ``beyond:W:S`` (stop 58: ``strip``, with an input whose ``drop:W:S``
exceeds every guard input's lifted above every guard score: today's threshold, and also flagged
when the input hangs on one window more than any clean input the guard was fitted on), and
``lost:W:S`` (stop 59: ``strip``'s rank among the guard inputs of the same group, the group
being whether the input loses its predicted class with its worst window of ``W:S`` removed —
its least kept probability below 1/2, the dumps' models having two classes — or keeps it: a
triggered input loses its target when its trigger window goes, a clean sentence that loses
its class so is a fragile one whose mixtures keep little of it), ``flip:W:S`` (1 minus that
least kept probability: how far the input without its worst window is from its class; above
1/2 it lost it), ``deep:W:S`` (stop 63: ``lost:W:S`` with ``strip`` raised by
``DEEP_WEIGHT`` (0.25) times ``-log10`` of that least kept probability before it is ranked in
its group — within the fragile clean sentences that lose their class, a triggered input loses
it deeply, its worst window leaving it 0.05 of its class where theirs leave 0.1-0.5) and
``orflip:W:S`` (``strip`` or ``flip:W:S``, each at half the FPR budget, as
``or50``).

Counts (stop 61, the lead's decision): ``fired`` (every triggered input the model puts in the
target class, the count of stops 49-60) and ``turned`` (those of them whose clean twin it does
not: the inputs the trigger turned, as the attack's ``flip_rate`` counts them; from a dump's
``twin_pred``, see ``span_text_dump.py``). Each row gives both where the dump has the twins.

    python benchmarks/span_text_report.py DUMP... [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from torch import Tensor

from _common import read_json
from trojanscope.detect.input_level.base import pac_threshold
from trojanscope.detect.input_level.evaluate import roc_auc, tpr_at_fpr
from trojanscope.detect.input_level.strip_text import DEEP_WEIGHT, LEAST_GATE, LEAST_SHARE

SETS = ("guard", "neg", "trig")
COUNTS = ("fired", "turned")  # which triggered inputs a guard TPR counts (stop 61: turned)
OR_SHARES = (50, 20)  # the drop's percent of the FPR budget in the ``orP`` scores


def drop(reading: dict, spec: str, share: bool = False) -> Tensor:
    """Own probability minus the least kept with one window of ``spec`` removed (over own:
    ``share``)."""
    own = torch.tensor(reading["own"], dtype=torch.float64)
    out = own - torch.tensor(reading["span"]["least"][spec], dtype=torch.float64)
    return out / own.clamp_min(1e-12) if share else out


def rank_in(ref: Tensor, x: Tensor) -> Tensor:
    """Share of ``ref`` strictly below each of ``x``."""
    ref = ref.sort().values
    return torch.searchsorted(ref, x.contiguous(), side="left").double() / len(ref)


def either_way(a: dict[str, Tensor], b: dict[str, Tensor], fpr: float,
               confidence: float, share_b: float = 0.5) -> dict:
    """Flagged when ``a`` passes its own guard threshold at ``1 - share_b`` of the FPR budget or
    ``b`` at ``share_b`` of it: per set the larger excess over the two thresholds, with a fixed
    ``threshold`` of 0."""
    ta = pac_threshold(a["guard"], (1 - share_b) * fpr, confidence)
    tb = pac_threshold(b["guard"], share_b * fpr, confidence)
    out: dict = {s: torch.maximum(a[s] - ta, b[s] - tb) for s in SETS}
    out["threshold"] = 0.0
    return out


def beyond(a: dict[str, Tensor], b: dict[str, Tensor]) -> dict[str, Tensor]:
    """``a``, with each input whose ``b`` exceeds every guard input's lifted to above every
    guard ``a`` (the guard's own values unchanged, so its threshold is ``a``'s)."""
    top, lift = a["guard"].max() + 1.0, b["guard"].max()
    return {s: torch.where(b[s] > lift, torch.clamp_min(a[s], top), a[s]) for s in SETS}


def lost_rank(a: dict[str, Tensor], keep: dict[str, Tensor]) -> dict[str, Tensor]:
    """``a``'s rank (the share strictly below) among the guard values of the inputs of the same
    group: those whose ``keep`` (the least kept probability of the predicted class with one
    window removed) is below 1/2 (the class lost, two classes) and the others; a group with no
    guard input is ranked among all the guard values."""
    lost = {s: keep[s] < 0.5 for s in SETS}
    out = {}
    for s in SETS:
        ranks = rank_in(a["guard"], a[s])
        for group in (True, False):
            ref, mine = a["guard"][lost["guard"] == group], lost[s] == group
            if len(ref):
                ranks[mine] = rank_in(ref, a[s][mine])
        out[s] = ranks
    return out


def deepened(a: dict[str, Tensor], least: dict[str, Tensor],
             weight: float = DEEP_WEIGHT) -> dict[str, Tensor]:
    """``a`` plus ``weight`` times the decades of its class each input's worst window takes away
    (``-log10`` of the least kept): stop 63's ``deep`` score before its group rank."""
    return {s: a[s] - weight * torch.log10(least[s].clamp_min(1e-12)) for s in SETS}


def second_threshold(ranks: dict[str, Tensor], least: dict[str, Tensor], fpr: float,
                     confidence: float, share: float = LEAST_SHARE,
                     gate: float = LEAST_GATE) -> dict:
    """Stop 65's ``second:W:S`` (``strip-text -p least_share``): flagged when the group rank
    (``lost:W:S``) passes its guard threshold at ``1 - share`` of the FPR budget, or when an
    input ranked at least ``gate`` in its group loses more decades of its class without its
    worst window (``-log10`` of the least kept) than the guard's gated inputs allow at ``share``
    of it (ungated inputs: -1, never). Per set the larger excess over the two thresholds, with
    a fixed ``threshold`` of 0."""
    depth = {s: torch.where(ranks[s] >= gate, -torch.log10(least[s].clamp_min(1e-12)),
                            torch.full_like(least[s], -1.0)) for s in SETS}
    return either_way(ranks, depth, fpr, confidence, share)


def scores(split: dict, windows: list[str], fpr: float = 0.05,
           confidence: float = 0.95) -> dict[str, dict[str, Tensor]]:
    """Each score's values on the three sets of one split (``or:`` scores carry their fixed
    ``threshold``)."""
    out: dict[str, dict[str, Tensor]] = {
        "strip": {s: torch.tensor(split[s]["score"], dtype=torch.float64) for s in SETS}}
    for k in windows:
        out[f"drop:{k}"] = {s: drop(split[s], k) for s in SETS}
        out[f"share:{k}"] = {s: drop(split[s], k, share=True) for s in SETS}
        both = (out["strip"], out[f"drop:{k}"])
        out[f"either:{k}"] = {s: torch.maximum(*(rank_in(b["guard"], b[s]) for b in both))
                              for s in SETS}
        out[f"beyond:{k}"] = beyond(out["strip"], out[f"drop:{k}"])
        least = {s: torch.tensor(split[s]["span"]["least"][k], dtype=torch.float64)
                 for s in SETS}
        out[f"lost:{k}"] = lost_rank(out["strip"], least)
        out[f"deep:{k}"] = lost_rank(deepened(out["strip"], least), least)
        out[f"second:{k}"] = second_threshold(out[f"lost:{k}"], least, fpr, confidence)
        out[f"flip:{k}"] = {s: 1.0 - least[s] for s in SETS}
        out[f"orflip:{k}"] = either_way(out["strip"], out[f"flip:{k}"], fpr, confidence, 0.5)
        for share in OR_SHARES:
            out[f"or{share}:{k}"] = either_way(out["strip"], out[f"drop:{k}"], fpr, confidence,
                                               share / 100)
    return out


def figures(values: dict[str, Tensor], fires: Tensor, fpr: float, confidence: float) -> dict:
    """Guard FPR / TPR at the guard half's own threshold (or the score's fixed ``threshold``),
    ROC-AUC and ROC TPR."""
    t = values.get("threshold")
    if t is None:
        t = pac_threshold(values["guard"], fpr, confidence)
    pos = values["trig"][fires]
    neg = values["neg"]
    return {"guard_fpr": float((neg > t).double().mean()),
            "guard_tpr": float((pos > t).double().mean()),
            "auc": roc_auc(neg, pos),
            "roc_tpr": tpr_at_fpr(neg, pos, fpr) if len(neg) and len(pos) else float("nan"),
            "fired": len(pos)}


def count_mask(split: dict, count: str) -> Tensor | None:
    """The triggered inputs ``count`` counts: ``fired`` (in the target class with the trigger)
    or ``turned`` (fired, their clean twin not in the target class: what the trigger changed);
    None for ``turned`` on a dump without ``twin_pred``."""
    fires = torch.tensor(split["fires"], dtype=torch.bool)
    if count == "fired":
        return fires
    if count != "turned":
        raise ValueError(f"count {count!r} is not one of {COUNTS}")
    if "twin_pred" not in split:
        return None
    twin = torch.tensor(split["twin_pred"][:len(fires)], dtype=torch.long)
    return fires & (twin != int(split["target"]))


def by_count(values: dict[str, Tensor], split: dict, fpr: float, confidence: float) -> dict:
    """:func:`figures` under each count the split can give (``turned`` needs ``twin_pred``)."""
    out = {}
    for count in COUNTS:
        mask = count_mask(split, count)
        if mask is not None:
            out[count] = figures(values, mask, fpr, confidence)
    return out


def merged(paths: list[Path], partial: bool = False) -> list[tuple[str, dict, list[str]]]:
    """(model, split, window specs) per model and split seed, the readings of dumps of the same
    model and split (``--part`` / ``--sets`` readers) merged into one; only those whose three
    sets hold both readings of every input (``partial``: of the inputs both readers reached,
    each set cut to its first that many, a set not reached read as empty — a reading stopped
    at a cut-off, not the rule's)."""
    found: dict[tuple[str, int], dict] = {}
    pieces: dict[tuple[str, int], dict[str, dict[int, dict]]] = {}
    for path in paths:
        data = read_json(path)  # stop 59's dumps are stored gzipped
        for model in data["models"]:
            for split in model["splits"]:
                key = (model["model"], split["seed"])
                have = found.setdefault(key, {"windows": None})
                starts = split.get("starts", {})  # stop 62: a set read from its input K on
                for name, value in split.items():
                    if name in SETS:
                        pieces.setdefault(key, {}).setdefault(name, {}).setdefault(
                            starts.get(name, 0), {}).update(value)
                    elif name != "starts":
                        have[name] = value
                if any("span" in split.get(name, {}) for name in SETS):
                    have["windows"] = data["windows"]
    for key, sets in pieces.items():
        for name, by_start in sets.items():
            found[key][name] = joined(by_start)
    out = []
    for key, split in found.items():
        if partial:  # a set no reader reached yet: read as empty (its figures NaN)
            for s in SETS:
                if not split.get(s):
                    split[s] = {"score": [], "own": [],
                                "span": {"least": {k: [] for k in split["windows"] or []}}}
        if not all("score" in split.get(s, {}) and "span" in split.get(s, {}) for s in SETS):
            continue
        counts = {s: min(len(split[s]["score"]), *(len(v) for v in
                                                   split[s]["span"]["least"].values()))
                  for s in SETS}
        sizes = split.get("sizes", counts)
        if counts != sizes:
            if not partial:
                continue
            for s in SETS:
                split[s] = cut(split[s], counts[s])
            split["fires"] = split["fires"][:counts["trig"]]
            if "twin_pred" in split:
                split["twin_pred"] = split["twin_pred"][:counts["trig"]]
        out.append((key[0], split, split["windows"]))
    return out


def joined(by_start: dict[int, dict]) -> dict:
    """One set's readings from its pieces (stop 62: ``span_text_dump.py --start K`` reads a set
    from its input K on, so that several readers share one set), keyed by the input each
    starts at: joined in order while each starts where the ones before it end (a later piece
    after a gap — a reader cut short before it — is left out: the set reads as cut there)."""
    out: dict = {}
    for start in sorted(by_start):
        if start != len(out.get("own", out.get("score", []))):
            break
        extend(out, by_start[start])
    return out


def extend(have: dict, more: dict, skip: tuple[str, ...] = ()) -> None:
    """Append one chunk's readings to a set's (lists extended, seconds added, per key)."""
    for key, value in more.items():
        if key in skip:
            continue
        if isinstance(value, dict):
            extend(have.setdefault(key, {}), value)
        elif isinstance(value, list):
            have.setdefault(key, []).extend(value)
        else:
            have[key] = have.get(key, 0.0) + value


def cut(reading: dict, n: int) -> dict:
    """``reading`` with every per-input list cut to its first ``n``."""
    return {k: (v[:n] if isinstance(v, list) else cut(v, n) if isinstance(v, dict) else v)
            for k, v in reading.items()}


def latency(paths: list[Path]) -> list[dict]:
    """Per dump, model and set read: wall seconds per input of each part as read (the strip
    part's fit apart) and the span part's forward passes per input (its own pass and one per
    window, where the dump counted the windows)."""
    rows = []
    for path in paths:
        data = read_json(path)  # stop 59's dumps are stored gzipped
        for model in data["models"]:
            for split in model["splits"]:
                for name in SETS:
                    got = split.get(name)
                    if not got:
                        continue
                    row = {"dump": path.name, "model": model["model"], "set": name}
                    if got.get("score"):
                        row["strip_s"] = got["strip_seconds"] / len(got["score"])
                        row["strip_n"] = len(got["score"])
                        row["fit_s"] = split.get("fit_seconds")
                    for spec, least in got.get("span", {}).get("least", {}).items():
                        if least:
                            row["span_s"] = got["span"]["seconds"] / len(least)
                            row["span_n"] = len(least)
                            counted = got["span"].get("windows", {}).get(spec)
                            row["span_passes"] = 1 + sum(counted) / len(counted) if counted \
                                else None
                    rows.append(row)
    return rows


def report(paths: list[Path], fpr: float, confidence: float,
           partial: bool = False) -> list[dict]:
    """Per model, split and score: its figures on all fired triggered inputs, and under each
    count (``counts``: ``fired``, and ``turned`` where the dump has the twins)."""
    rows = []
    for model, split, windows in merged(paths, partial):
        fires = torch.tensor(split["fires"], dtype=torch.bool)
        for name, values in scores(split, windows, fpr, confidence).items():
            rows.append({"model": model, "seed": split["seed"], "target": split["target"],
                         "score": name, "n": {s: len(values[s]) for s in SETS},
                         **figures(values, fires, fpr, confidence),
                         "counts": by_count(values, split, fpr, confidence)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dumps", type=Path, nargs="+")
    parser.add_argument("--fpr", type=float, default=0.05)
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--partial", action="store_true",
                        help="read sets a cut-off left unfinished (not the rule's reading)")
    parser.add_argument("--latency", action="store_true",
                        help="print each dump's seconds and forward passes per input instead")
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    if opts.latency:
        rows = latency(opts.dumps)
        for r in rows:
            print(json.dumps(r))
        if opts.json:
            opts.json.write_text(json.dumps(rows, indent=1) + "\n")
        return
    rows = report(opts.dumps, opts.fpr, opts.confidence, opts.partial)
    print("| model | split | score | guard FPR | guard TPR turned (n) | guard TPR fired (n) | "
          "ROC-AUC turned / fired | ROC TPR turned / fired |")
    print("|---|---|---|---|---|---|---|---|")
    nan = {"guard_tpr": float("nan"), "auc": float("nan"), "roc_tpr": float("nan"), "fired": 0}
    for r in rows:
        t = r["counts"].get("turned", nan)
        print(f"| {r['model']} (t {r['target']}) | {r['seed']} | {r['score']} | "
              f"{r['guard_fpr']:.3f} | {t['guard_tpr']:.3f} ({t['fired']}) | "
              f"{r['guard_tpr']:.3f} ({r['fired']}) | {t['auc']:.3f} / {r['auc']:.3f} | "
              f"{t['roc_tpr']:.3f} / {r['roc_tpr']:.3f} |")
    if opts.json:
        opts.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
