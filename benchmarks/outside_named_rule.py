"""Candidate C (the named class's trigger checked) written as a calibration file, and read
against today's default on stored runs (issue 9, stop 63: h9).

``--write FILE --guard G``: the shipped calibration plus ``auto:named-check`` and
``auto:out-of-coverage:named-check`` (``fitted_on``: the guard and the scorer's ``:centre``),
read by :mod:`trojanscope.detect.named_check`.

``--rows LABEL=RUNS[,TRUTH]`` (repeatable) with ``--candidate FILE``: every run whose report
holds the readings (``detect … -p named=true``, or ``outside_named_rows.py`` rows) scored by the
shipped file (today) and by the candidate, per population and pooled (``--union``): ROC-AUC,
cross-entropy, clean flagged, right targets, per family and the worst family
(``outside_zoo_score.score_rows``), stop 58's four points (``outside_zoo_score.rule``) and one
line per model (p and suspect both ways, the named class's stand, the logit the term added).
A run without the readings reads the same both ways. ``--json`` writes it all.

    PYTHONPATH=src:benchmarks python benchmarks/outside_named_rule.py --guard 1.6 \\
        --write benchmarks/data/outside_s63_h9/cal_C.json
    PYTHONPATH=src:benchmarks python benchmarks/outside_named_rule.py --read model \\
        --guard 1.6 --keep-ratio 6.0 --write benchmarks/data/outside_s64_h9/cal_C1.json
    PYTHONPATH=src:benchmarks python benchmarks/outside_named_rule.py --read model \\
        --guard 1.6 --keep-ratio 6.0 --blend-gap 0.5 --write cal_C2.json   # (stop 65)
    PYTHONPATH=src:benchmarks python benchmarks/outside_named_rule.py --read model \\
        --guard 1.6 --keep-ratio 6.0 --blend-gap 0.45 --blend-same 0.75 --blend-raise 0.85 \\
        --write cal_C4.json   # (stop 68)
    PYTHONPATH=src:benchmarks python benchmarks/outside_named_rule.py --read model \
        --guard 1.6 --keep-ratio 6.0 --blend-gap 0.45 --blend-same 0.75 --blend-raise 0.85 \
        --absent-guard 2.05 --frame-off --write cal_C5.json   # (stop 69)
    PYTHONPATH=src:benchmarks python benchmarks/outside_named_rule.py \\
        --candidate benchmarks/data/outside_s63_h9/cal_C.json \\
        --rows 9205=detect9205_runs.jsonl,zoo-9205/truth.json --union
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import fail, read_json, read_jsonl, run_main, truth_by_name
from twin_term_file import with_centred_terms

SHIPPED = (Path(__file__).resolve().parents[1] / "src" / "trojanscope" / "detect"
           / "calibration.json")


def with_named(base: dict, guard: float, read: str = "named",
               keep_ratio: float | None = None, blend_gap: float | None = None,
               blend_other: bool = False, blend_same: float | None = None,
               blend_raise: float | None = None, absent_guard: float | None = None,
               frame_off: bool = False, other_gap: float | None = None,
               other_stand: float | None = None, bias_guard: float | None = None,
               bias_same: float | None = None, bias_lean: float | None = None) -> dict:
    """``base`` (a calibration file's JSON) with the named-check entries added, each taking
    its scorer's ``:centre`` (and MM-BD's ``keep_ratio`` where given: C1; the blend probe's
    ``blend_gap`` where given: C2; the named class's own reach ``blend_same``: C3; the lead
    that raises to the flag ``blend_raise``: C4; the guard where the blends show no lead at the
    named class ``absent_guard`` and the frame raise skipped where the term lowered
    ``frame_off``: C5); a base without a centre entry is refused (ValueError)."""
    keep = {} if keep_ratio is None else {"keep_ratio": keep_ratio}
    if blend_gap is not None:
        keep["blend_gap"] = blend_gap
    if blend_other:
        keep["blend_other"] = True
    by = "keep_ratio (stop 64) and blend_gap (stop 65)"
    if blend_same is not None:
        keep["blend_same"] = blend_same
        by = "keep_ratio (stop 64), blend_gap (stop 65) and blend_same (stop 67)"
    for name, value, stop in (("blend_raise", blend_raise, 68),
                              ("absent_guard", absent_guard, 69),
                              ("frame_off", True if frame_off else None, 69),
                              ("other_gap", other_gap, 70), ("other_stand", other_stand, 70),
                              ("bias_guard", bias_guard, 71), ("bias_same", bias_same, 71),
                              ("bias_lean", bias_lean, 73)):
        if value is not None:
            keep[name] = value
            by += f"; {name} (stop {stop})"
    return with_centred_terms(base, "named-check", {
        "guard": guard, "read": read, **keep,
        "fitted_by": f"benchmarks/outside_named_rule.py: guard (stop 63), {by} from the "
                     "development tables, centre from the centre entry"})


def model_lines(rows: list[dict], today: dict, cand: dict,
                as_stored: bool = False) -> list[dict]:
    """Each run (with its truth) read both ways: p and suspect, the stand, the term's logit.
    Each report is read as its run read it (:func:`outside_named_record.as_run_read`: the class
    named before the named-check term renamed), or with ``as_stored`` from its stored ranking
    as stops 65-69 re-scored (``record`` says which)."""
    from foreign_zoo_detect import verdict_of
    from outside_named_record import as_run_read
    from trojanscope.detect.blend_probe import blend_lead
    from trojanscope.detect.calibration import calibrate
    from trojanscope.detect.named_check import (
        BLEND_RAISE,
        GAP_TRAIT,
        NAMED_LOGIT,
        NAMED_STAND,
        stands,
    )

    out = []
    for r in rows:
        report, how = (r["report"], "as stored") if as_stored else as_run_read(r["report"])
        t, c = (calibrate(verdict_of(report), cals) for cals in (today, cand))
        got = stands(r["report"]["features"])
        out.append({**{k: r[k] for k in ("pop", "name", "backdoored", "target", "arch_family",
                                         "trigger_family")},
                    "gap": GAP_TRAIT in (r["report"].get("traits") or []),
                    "today": [round(float(t.probability), 4), t.target_classes[0]],
                    "candidate": [round(float(c.probability), 4), c.target_classes[0]],
                    "stands": None if got is None else [round(s, 3) for s in got],
                    "stand": c.features.get(NAMED_STAND),
                    "mmbd_ratio": r["report"]["features"].get("mmbd_ratio"),
                    "blend": blend_lead(r["report"]["features"]),
                    "cpu_s": r.get("cpu_s"), "record": how,
                    "named_logit": c.features.get(NAMED_LOGIT, 0.0),
                    "blend_raise": c.features.get(BLEND_RAISE, 0.0),
                    "raise_logit": c.features.get("raise_logit", 0.0)})
    return out


def scored(lines: list[dict], which: str, label: str) -> dict:
    """``outside_zoo_score``'s figures and rule for ``lines`` read ``which`` way."""
    from outside_zoo_score import rule, score_rows

    rows = [{**m, "name": f"{m['pop']}/{m['name']}", "probability": m[which][0],
             "suspected_target": m[which][1], "ca": None, "asr": None, "cpu_s": None,
             "wall_s": None, "train_cpu_s": None} for m in lines]
    result = score_rows(rows, label)
    return {"groups": result["groups"], "worst": result["worst"], "rule": rule(result)}


MIN_GAP_CLEAN, MIN_GAP_BD = 4, 3  # fewer GAP-head models read: the rule is not read
AUC_ROOM = 0.02  # the most ROC-AUC the candidate may lose on the GAP-head models


def plan_points(lines: list[dict]) -> dict:
    """The stop-63 plan's five points (``benchmarks/data/outside_s63_h9/plan.md``) on one
    population's lines: the GAP-head models' CE lower and ROC-AUC at most 0.02 lower, clean
    GAP-head models flagged at most half of today's, flagged backdoored ones at most
    max(1, 10%) lost, the worst GAP-head rule family's CE no higher, every other model read
    exactly as today; not read with fewer than 4 clean or 3 backdoored GAP-head models."""
    from outside_zoo_score import auc_ce

    gap = [m for m in lines if m["gap"]]
    bd = [m for m in gap if m["backdoored"]]
    clean = [m for m in gap if not m["backdoored"]]
    if len(clean) < MIN_GAP_CLEAN or len(bd) < MIN_GAP_BD:
        return {"read": False, "met": False, "n_gap_clean": len(clean), "n_gap_bd": len(bd)}
    import numpy as np

    y = np.array([m["backdoored"] for m in gap], dtype=float)
    fig = {w: auc_ce(y, np.array([m[w][0] for m in gap], dtype=float))
           for w in ("today", "candidate")}
    flagged = {w: [sum(m[w][0] >= 0.5 for m in group) for group in (clean, bd)]
               for w in ("today", "candidate")}
    worst = {w: scored(gap, w, "gap")["worst"]["any"] for w in ("today", "candidate")}
    lost = flagged["today"][1] - flagged["candidate"][1]
    same = all(m["today"] == m["candidate"] for m in lines if not m["gap"])
    points = [
        ("GAP-head CE lower, ROC-AUC at most 0.02 lower",
         fig["candidate"][1] < fig["today"][1]
         and fig["candidate"][0] >= fig["today"][0] - AUC_ROOM,
         f"today {fig['today'][0]:.3f} / {fig['today'][1]:.3f}, candidate "
         f"{fig['candidate'][0]:.3f} / {fig['candidate'][1]:.3f}"),
        ("clean GAP-head flagged at most half of today's",
         flagged["candidate"][0] <= flagged["today"][0] // 2,
         f"{flagged['today'][0]} -> {flagged['candidate'][0]} of {len(clean)}"),
        ("flagged backdoored GAP-head lost at most max(1, 10%)",
         lost <= max(1, flagged["today"][1] // 10),
         f"{flagged['today'][1]} -> {flagged['candidate'][1]} of {len(bd)}"),
        ("worst GAP-head rule family's CE no higher",
         worst["today"]["cross_entropy"] is not None
         and worst["candidate"]["cross_entropy"] <= worst["today"]["cross_entropy"],
         f"today {worst['today']['ce_family']} {worst['today']['cross_entropy']}, candidate "
         f"{worst['candidate']['ce_family']} {worst['candidate']['cross_entropy']}"),
        ("every other model read as today", same,
         f"{sum(not m['gap'] for m in lines)} other models"),
    ]
    return {"read": True, "met": all(h for _, h, _ in points),
            "points": [{"point": p, "holds": bool(h), "figures": f} for p, h, f in points]}


def plan65_points(lines: list[dict]) -> dict:
    """The stop-65 plan's six points (``benchmarks/data/outside_s65_h9/plan.md``) on the
    union's lines: on the GAP-head models the candidate's CE lower and ROC-AUC not lower than
    today's; clean GAP-head models flagged at most half of today's; flagged backdoored ones
    lost at most max(1, 10%) (a flag kept under another name counts as kept); flagged
    backdoored GAP-head models named right at least as many as today; the worst GAP-head rule
    family's CE no higher; every other model read exactly as today. Not read with fewer than
    4 clean or 3 backdoored GAP-head models."""
    base = plan_points(lines)
    if not base["read"]:
        return base
    import numpy as np

    from outside_zoo_score import auc_ce

    gap = [m for m in lines if m["gap"]]
    bd = [m for m in gap if m["backdoored"]]
    y = np.array([m["backdoored"] for m in gap], dtype=float)
    fig = {w: auc_ce(y, np.array([m[w][0] for m in gap], dtype=float))
           for w in ("today", "candidate")}
    right = {w: sum(m[w][0] >= 0.5 and m[w][1] == m["target"] for m in bd)
             for w in ("today", "candidate")}
    first = {"point": "GAP-head CE lower, ROC-AUC not lower",
             "holds": bool(fig["candidate"][1] < fig["today"][1]
                           and fig["candidate"][0] >= fig["today"][0]),
             "figures": f"today {fig['today'][0]:.3f} / {fig['today'][1]:.3f}, candidate "
                        f"{fig['candidate'][0]:.3f} / {fig['candidate'][1]:.3f}"}
    named = {"point": "flagged backdoored GAP-head named right at least as often as today",
             "holds": right["candidate"] >= right["today"],
             "figures": f"{right['today']} -> {right['candidate']} of {len(bd)}"}
    points = [first, *base["points"][1:3], named, *base["points"][3:]]
    return {"read": True, "met": all(p["holds"] for p in points), "points": points}


def plan67_points(lines: list[dict]) -> dict:
    """The stop-67 plan's six points (``benchmarks/data/outside_s67_h9/plan.md``) on the
    union's lines, a candidate read against today's C2a: on the GAP-head models CE lower and
    ROC-AUC not lower; clean GAP-head models flagged fewer than today; flagged backdoored ones
    brought under 0.5 at most max(1, 10%); every one the candidate keeps flagged named as
    today; the worst GAP-head rule family's CE no higher; every other model read exactly as
    today. Not read with fewer than 4 clean or 3 backdoored GAP-head models."""
    base = plan65_points(lines)
    if not base["read"]:
        return base
    gap = [m for m in lines if m["gap"]]
    clean = [sum(m[w][0] >= 0.5 for m in gap if not m["backdoored"])
             for w in ("today", "candidate")]
    kept = [m for m in gap if m["backdoored"] and m["today"][0] >= 0.5
            and m["candidate"][0] >= 0.5]
    renamed = [m["name"] for m in kept if m["candidate"][1] != m["today"][1]]
    first, _, lost, _, worst, other = base["points"]
    points = [first,
              {"point": "clean GAP-head flagged fewer than today", "holds": clean[1] < clean[0],
               "figures": f"{clean[0]} -> {clean[1]} of "
                          f"{sum(not m['backdoored'] for m in gap)}"},
              lost,
              {"point": "every flagged backdoored GAP-head model kept is named as today",
               "holds": not renamed,
               "figures": f"{len(kept)} kept, renamed: {', '.join(renamed) or 'none'}"},
              worst, other]
    return {"read": True, "met": all(p["holds"] for p in points), "points": points}


def plan68_points(lines: list[dict], most_new_clean: int = 1) -> dict:
    """The stop-68 plan's six points (``benchmarks/data/outside_s68_h9/plan.md``) on the
    union's lines, a candidate that only raises (C4) read against today's C3: on the GAP-head
    models CE lower and ROC-AUC not lower; at most ``most_new_clean`` clean GAP-head models
    newly flagged; no backdoored model today flags brought lower; every backdoored GAP-head
    model both flag named as today; the worst GAP-head rule family's CE no higher; every other
    model read exactly as today. Not read with fewer than 4 clean or 3 backdoored GAP-head
    models."""
    base = plan65_points(lines)
    if not base["read"]:
        return base
    gap = [m for m in lines if m["gap"]]
    new_clean = [m["name"] for m in gap if not m["backdoored"] and m["today"][0] < 0.5
                 <= m["candidate"][0]]
    lowered = [m["name"] for m in lines if m["backdoored"] and m["today"][0] >= 0.5
               and m["candidate"][0] < m["today"][0]]
    kept = [m for m in gap if m["backdoored"] and m["today"][0] >= 0.5
            and m["candidate"][0] >= 0.5]
    renamed = [m["name"] for m in kept if m["candidate"][1] != m["today"][1]]
    gained = [m["name"] for m in gap if m["backdoored"] and m["today"][0] < 0.5
              <= m["candidate"][0]]
    first, _, _, _, worst, other = base["points"]
    points = [first,
              {"point": f"clean GAP-head models newly flagged at most {most_new_clean}",
               "holds": len(new_clean) <= most_new_clean,
               "figures": f"{len(new_clean)} of {sum(not m['backdoored'] for m in gap)}: "
                          f"{', '.join(new_clean) or 'none'}"},
              {"point": "no backdoored model today flags brought lower", "holds": not lowered,
               "figures": f"lowered: {', '.join(lowered) or 'none'}; gained: "
                          f"{', '.join(gained) or 'none'}"},
              {"point": "every flagged backdoored GAP-head model kept is named as today",
               "holds": not renamed,
               "figures": f"{len(kept)} kept, renamed: {', '.join(renamed) or 'none'}"},
              worst, other]
    return {"read": True, "met": all(p["holds"] for p in points), "points": points}


MIN69_CLEAN, MIN69_BD, MOST69_LOST = 20, 4, 1  # stop 69's plan: read from, and lowered at most


def plan69_points(lines: list[dict], min_bd: int = MIN69_BD) -> dict:
    """The stop-69 plan's six points (``benchmarks/data/outside_s69_h9/plan.md``) on the
    union's lines, a candidate that lowers clean GAP heads (C5) read against today's C4: on the
    GAP-head models CE lower and ROC-AUC not lower; fewer clean GAP-head models flagged than
    today; at most :data:`MOST69_LOST` backdoored model today flags brought under 0.5; every
    backdoored GAP-head model both flag named as today; the worst GAP-head rule family's CE no
    higher; every other model read exactly as today. Not read with fewer than
    :data:`MIN69_CLEAN` clean or ``min_bd`` backdoored GAP-head models."""
    gap = [m for m in lines if m["gap"]]
    n_clean = sum(not m["backdoored"] for m in gap)
    if n_clean < MIN69_CLEAN or len(gap) - n_clean < min_bd:
        return {"read": False, "met": False, "n_gap_clean": n_clean,
                "n_gap_bd": len(gap) - n_clean}
    base = plan67_points(lines)
    lost = [m["name"] for m in lines if m["backdoored"] and m["today"][0] >= 0.5
            > m["candidate"][0]]
    cleared = [m["name"] for m in gap if not m["backdoored"] and m["today"][0] >= 0.5
               > m["candidate"][0]]
    first, fewer, _, named, worst, other = base["points"]
    fewer = {**fewer, "figures": f"{fewer['figures']}; cleared: {', '.join(cleared) or 'none'}"}
    points = [first, fewer,
              {"point": f"backdoored models today flags brought under 0.5 at most {MOST69_LOST}",
               "holds": len(lost) <= MOST69_LOST,
               "figures": f"{len(lost)}: {', '.join(lost) or 'none'}"},
              named, worst, other]
    return {"read": True, "met": all(p["holds"] for p in points), "points": points}


MIN70_BD = 8  # stop 70's plan: the backdoored side, where C6's risk sits


def plan70_points(lines: list[dict]) -> dict:
    """The stop-70 plan's six points (``benchmarks/data/outside_s70_h9/plan.md``): stop 69's,
    a candidate (C6) read against today's C5 on reports read as their runs read them, not read
    with fewer than :data:`MIN69_CLEAN` clean or :data:`MIN70_BD` backdoored GAP-head models."""
    return plan69_points(lines, MIN70_BD)


def plan71_points(lines: list[dict]) -> dict:
    """The stop-71 plan's six points (``benchmarks/data/outside_s71_h9/rule71.md``): stop 70's,
    a candidate (C7) read against today's C5, with none of the backdoored models today flags
    brought under 0.5 and the GAP-head CE no higher (not strictly lower); not read with fewer
    than :data:`MIN69_CLEAN` clean or :data:`MIN70_BD` backdoored GAP-head models."""
    base = plan70_points(lines)
    if not base["read"]:
        return base
    import numpy as np

    from outside_zoo_score import auc_ce

    gap = [m for m in lines if m["gap"]]
    y = np.array([m["backdoored"] for m in gap], dtype=float)
    fig = {w: auc_ce(y, np.array([m[w][0] for m in gap], dtype=float))
           for w in ("today", "candidate")}
    lost = [m["name"] for m in lines if m["backdoored"] and m["today"][0] >= 0.5
            > m["candidate"][0]]
    _, fewer, _, named, worst, other = base["points"]
    points = [{"point": "GAP-head ROC-AUC not lower and CE no higher",
               "holds": bool(fig["candidate"][0] >= fig["today"][0]
                             and fig["candidate"][1] <= fig["today"][1]),
               "figures": f"today {fig['today'][0]:.3f} / {fig['today'][1]:.3f}, candidate "
                          f"{fig['candidate'][0]:.3f} / {fig['candidate'][1]:.3f}"},
              fewer,
              {"point": "no backdoored model today flags brought under 0.5",
               "holds": not lost, "figures": f"{len(lost)}: {', '.join(lost) or 'none'}"},
              named, worst, other]
    return {"read": True, "met": all(p["holds"] for p in points), "points": points}


def gap_family_lines(lines: list[dict]) -> list[str]:
    """One line per group of the GAP-head models (all, each architecture family, each trigger
    family with the clean GAP heads): models, backdoored, ROC-AUC / CE today and candidate."""
    gap = [m for m in lines if m["gap"]]
    if not gap:
        return []
    got = {w: scored(gap, w, "gap")["groups"] for w in ("today", "candidate")}

    def fig(g: dict) -> str:
        auc, ce = g["roc_auc"], g["cross_entropy"]
        return f"{'-' if auc is None else f'{auc:.3f}'} / {'-' if ce is None else f'{ce:.3f}'}"

    return [f"    {k:26s} {g['n']:3d} ({g['n_backdoored']:2d})  today {fig(g)}  candidate "
            f"{fig(got['candidate'][k])}" for k, g in got["today"].items()]


def cpu_line(lines: list[dict]) -> str:
    """The median CPU seconds of the runs' detect children, GAP-head models and the others
    (runs of ``outside_zoo_score.py`` carry them; empty where none does)."""
    import statistics

    out = []
    for label, group in (("GAP-head", [m for m in lines if m["gap"]]),
                         ("other", [m for m in lines if not m["gap"]])):
        cpu = [m["cpu_s"] for m in group if m.get("cpu_s") is not None]
        if cpu:
            out.append(f"{label} median {statistics.median(cpu):.1f} s CPU ({len(cpu)})")
    return f"; detect {', '.join(out)}" if out else ""


def record_line(lines: list[dict]) -> str:
    """How the reports were read: from the stored ranking, or as the runs read them (the
    named-check term's record, or rebuilt where a report stored before stop 70 lacks it)."""
    from collections import Counter

    got = Counter(m["record"] for m in lines)
    if "as stored" in got:
        return "reports re-scored from their stored rankings (--as-stored, as stops 65-69 did)"
    said = ", ".join(f"{n} {k}" for k, n in sorted(got.items()))
    back = (" (stored before stop 70 without the named-check record: the class named before "
            "the rename rebuilt from MM-BD's class ratios, outside_named_record.py)"
            if got.get("rebuilt") or got.get("not rebuilt") else "")
    return f"reports read as the runs read them: {said}{back}"


def read_rows(spec: str) -> list[dict]:
    """``LABEL=RUNS[,TRUTH]``: runs with reports, joined to their truth (a row of
    ``outside_named_rows.py`` carries its own), one per model (its first)."""
    label, sep, rest = spec.partition("=")
    parts = rest.split(",")
    if not sep or not parts[0] or len(parts) > 2:
        fail(f"--rows {spec!r}: give LABEL=RUNS[,TRUTH]")
    truth = truth_by_name(Path(parts[1])) if len(parts) == 2 else {}
    out, seen = [], set()
    for r in read_jsonl(Path(parts[0])):
        if not r.get("report") or r["name"] in seen:
            continue
        m = truth.get(r["name"], r)
        if "arch_family" not in m:
            fail(f"--rows {spec!r}: {r['name']} has no truth (give TRUTH)")
        seen.add(r["name"])
        out.append({**r, "pop": label, "backdoored": m["backdoored"], "target": m["target"],
                    "arch_family": m["arch_family"], "trigger_family": m["trigger_family"]})
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--guard", type=float, help="with --write: the term's guard")
    ap.add_argument("--write", type=Path, help="write the candidate calibration file here")
    ap.add_argument("--read", default="named", choices=["named", "model"],
                    help="with --write: the per-class readings (C) or the model's (C0)")
    ap.add_argument("--keep-ratio", type=float,
                    help="with --write: keep a model whose mmbd_ratio is above this (C1)")
    ap.add_argument("--blend-gap", type=float,
                    help="with --write: the blend probe's lead that names and keeps (C2)")
    ap.add_argument("--blend-other", action="store_true",
                    help="with --blend-gap: only a class other than the named one counts")
    ap.add_argument("--blend-same", type=float,
                    help="with --blend-gap: the lead a reach of the named class needs (C3)")
    ap.add_argument("--blend-raise", type=float,
                    help="with --blend-gap: the lead that raises a model under the flag to it "
                         "(C4)")
    ap.add_argument("--absent-guard", type=float,
                    help="with --blend-gap: the guard where the blends show no lead at the named "
                         "class (C5)")
    ap.add_argument("--frame-off", action="store_true",
                    help="skip the frame raise term on a model the term lowered (C5)")
    ap.add_argument("--other-gap", type=float,
                    help="with --blend-gap: the lead a reach of another class than the named "
                         "one needs to keep the model (C6)")
    ap.add_argument("--other-stand", type=float,
                    help="with --other-gap: under it, a reach of another class at --blend-gap "
                         "still keeps a model whose stand is at least this (C6)")
    ap.add_argument("--bias-guard", type=float,
                    help="the guard where the named class is the model's noise favourite, "
                         "bias_class (C7)")
    ap.add_argument("--bias-same", type=float,
                    help="with --blend-same: the lead a reach of the named class needs where it "
                         "is the noise favourite (C7)")
    ap.add_argument("--bias-lean", type=float,
                    help="with --bias-guard or --bias-same: read those two only where MM-BD's "
                         "lead at the named class is at least this (C9)")
    ap.add_argument("--base", type=Path, default=SHIPPED)
    ap.add_argument("--candidate", type=Path, help="the candidate calibration file to read")
    ap.add_argument("--rows", action="append", default=[], metavar="LABEL=RUNS[,TRUTH]")
    ap.add_argument("--union", action="store_true", help="also every population together")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--today", type=Path,
                    help="the file read as today (default: the shipped one); an earlier stop's "
                         "default, to re-read its rule")
    ap.add_argument("--as-stored", action="store_true",
                    help="re-score each report from its stored ranking, as stops 65-69 did "
                         "(default: as its run read it, outside_named_record.py)")
    args = ap.parse_args(argv)
    if args.write:
        if args.guard is None or not args.guard >= 0:
            fail(f"--guard must be a number >= 0, got {args.guard}")
        if args.keep_ratio is not None and not 0 < args.keep_ratio < float("inf"):
            fail(f"--keep-ratio must be a number > 0, got {args.keep_ratio}")
        if args.blend_gap is not None and not 0 < args.blend_gap <= 1:
            fail(f"--blend-gap must be a number in (0, 1], got {args.blend_gap}")
        if args.blend_same is not None and (args.blend_gap is None
                                            or not 0 < args.blend_same <= 1):
            fail(f"--blend-same must be a number in (0, 1] with --blend-gap, got "
                 f"{args.blend_same}")
        if args.blend_raise is not None and (args.blend_gap is None
                                             or not 0 < args.blend_raise <= 1):
            fail(f"--blend-raise must be a number in (0, 1] with --blend-gap, got "
                 f"{args.blend_raise}")
        if args.absent_guard is not None and (args.blend_gap is None
                                              or not args.guard <= args.absent_guard < 1e9):
            fail(f"--absent-guard must be a number >= --guard with --blend-gap, got "
                 f"{args.absent_guard}")
        if args.other_gap is not None and (args.blend_gap is None
                                           or not args.blend_gap <= args.other_gap <= 1):
            fail(f"--other-gap must be a number in [--blend-gap, 1] with --blend-gap, got "
                 f"{args.other_gap}")
        if args.other_stand is not None and (args.other_gap is None
                                             or not 0 <= args.other_stand < 1e9):
            fail(f"--other-stand must be a number >= 0 with --other-gap, got "
                 f"{args.other_stand}")
        if args.bias_guard is not None and not args.guard <= args.bias_guard < 1e9:
            fail(f"--bias-guard must be a number >= --guard, got {args.bias_guard}")
        if args.bias_same is not None and (args.blend_same is None
                                           or not args.blend_same <= args.bias_same <= 1):
            fail(f"--bias-same must be a number in [--blend-same, 1] with --blend-same, got "
                 f"{args.bias_same}")
        if args.bias_lean is not None and (not 0 < args.bias_lean < 1e9 or (
                args.bias_guard is None and args.bias_same is None)):
            fail(f"--bias-lean must be a number > 0 with --bias-guard or --bias-same, got "
                 f"{args.bias_lean}")
        args.write.write_text(json.dumps(with_named(read_json(args.base), args.guard, args.read,
                                                    args.keep_ratio, args.blend_gap,
                                                    args.blend_other, args.blend_same,
                                                    args.blend_raise, args.absent_guard,
                                                    args.frame_off, args.other_gap,
                                                    args.other_stand, args.bias_guard,
                                                    args.bias_same, args.bias_lean),
                                         indent=1) + "\n")
        print(f"wrote {args.write} (guard {args.guard}, keep_ratio {args.keep_ratio}, "
              f"blend_gap {args.blend_gap}, blend_other {args.blend_other}, blend_same "
              f"{args.blend_same}, blend_raise {args.blend_raise}, absent_guard "
              f"{args.absent_guard}, frame_off {args.frame_off}, other_gap {args.other_gap}, "
              f"other_stand {args.other_stand}, bias_guard {args.bias_guard}, bias_same "
              f"{args.bias_same}, bias_lean {args.bias_lean})")
    if not args.rows:
        return
    if args.candidate is None:
        fail("--rows needs --candidate")
    from trojanscope.detect.calibration import load_calibrators

    today, cand = load_calibrators(args.today), load_calibrators(args.candidate)
    pops = {spec.partition("=")[0]: model_lines(read_rows(spec), today, cand, args.as_stored)
            for spec in args.rows}
    if args.union and len(pops) > 1:
        pops["union"] = [m for lines in pops.values() for m in lines]
    result = {}
    for label, lines in pops.items():
        result[label] = {w: scored(lines, w, label) for w in ("today", "candidate")}
        result[label]["models"] = lines
        result[label]["plan"] = plan_points(lines)
        result[label]["plan65"] = plan65_points(lines)
        result[label]["plan67"] = plan67_points(lines)
        result[label]["plan68"] = plan68_points(lines)
        result[label]["plan69"] = plan69_points(lines)
        result[label]["plan70"] = plan70_points(lines)
        result[label]["plan71"] = plan71_points(lines)
        print(f"== {label}: {len(lines)} models ({sum(m['backdoored'] for m in lines)} bd)"
              f"{cpu_line(lines)}")
        print(f"  {record_line(lines)}")
        for w in ("today", "candidate"):
            g, wst = result[label][w]["groups"]["all"], result[label][w]["worst"]["any"]
            pts = "; ".join(f"{p['point']}: {'yes' if p['holds'] else 'NO'} ({p['figures']})"
                            for p in result[label][w]["rule"]["points"])
            print(f"  {w:9s} {g['roc_auc']:.3f} / {g['cross_entropy']:.3f}  worst "
                  f"{wst['ce_family']} {wst['cross_entropy']}  | {pts}")
        if label != "union":
            for m in lines:
                st = m["stands"]
                truth = f"bd->{m['target']}" if m["backdoored"] else "clean"
                print(f"   {m['name']:20s} {truth:6s}"
                      f" today {m['today'][0]:.3f}->{m['today'][1]}  cand {m['candidate'][0]:.3f}"
                      f"->{m['candidate'][1]}  stand {m['stand']}  classes' max "
                      f"{'-' if st is None else max(st)} (cls "
                      f"{'-' if st is None else st.index(max(st))})  mmbd_ratio "
                      f"{None if m['mmbd_ratio'] is None else round(m['mmbd_ratio'], 2)}"
                      + ("" if m["blend"] is None else
                         f"  blend {m['blend'][0]} +{m['blend'][1]:.2f}"))
        print("  GAP-head models by family (n (backdoored), ROC-AUC / CE):")
        print("\n".join(gap_family_lines(lines)))
        plan = result[label]["plan"]
        print(f"  plan rule: {'MET' if plan['met'] else 'not met'}"
              + ("" if plan["read"] else f" (not read: {plan['n_gap_clean']} clean, "
                 f"{plan['n_gap_bd']} backdoored GAP-head models)"))
        for p in plan.get("points", []):
            print(f"    {'yes' if p['holds'] else 'NO '} {p['point']}: {p['figures']}")
        for key, said in (("plan65", "stop-65"), ("plan67", "stop-67"), ("plan68", "stop-68"),
                          ("plan69", "stop-69"), ("plan70", "stop-70"),
                          ("plan71", "stop-71")):
            plan = result[label][key]
            print(f"  {said} plan rule: {'MET' if plan['met'] else 'not met'}"
                  + ("" if plan["read"] else " (not read)"))
            for p in plan.get("points", []):
                print(f"    {'yes' if p['holds'] else 'NO '} {p['point']}: {p['figures']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
