"""Per-family calibrators for ``tabular-search`` (issue 16): networks and trees apart.

One logistic calibrator over every tabular model let the trees' features set the scale, and
the networks' evidence (``tab_excess``) spans a narrow range, so few backdoored MLPs reached
probability 0.5. Here each family gets its own design, chosen by leave-one-out cross-entropy
on CALIBRATION zoos' rows only (``trojanscope zoo eval ZOO --method auto --json ROWS``):

    PYTHONPATH=src python benchmarks/bench_tabular_calibrate.py --choose ROWS... \
        [--out calibration-tab.json]

prints, per family, every design's LOO cross-entropy and ROC-AUC (and the single pooled
calibrator's, for comparison), then fits the chosen design per family on every calibration
row and writes ``tabular-search:network``, ``tabular-search:tree`` (any tree library) and
``tabular-search:tree:xgboost`` / ``:tree:lightgbm`` into ``--out`` (the entries shipped in
``src/trojanscope/detect/calibration.json``; a verdict takes its most specific one). The
rows' ``zoo`` paths are read (``truth.json``) for each model's architecture, so run it where
those paths resolve.
An evaluation zoo's figures per family: ``bench_tabular_detect.py --zoo ZOO --rows ROWS``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from trojanscope.detect.calibration import (
    fit_calibrator,
    load_calibrators,
    save_calibrators,
)
from trojanscope.detect.coverage import count_traits
from trojanscope.zoo import read_truth

METHOD = "tabular-search"
POOLED = ["tab_score", "tab_flip_1", "tab_tree", "tab_mass", "tab_excess"]  # shipped before
DESIGNS = {
    "network": {
        "excess": ["tab_excess"],
        "excess + score": ["tab_excess", "tab_score"],
        "excess + flip_2": ["tab_excess", "tab_flip_2"],
        "excess + flip_1 + flip_2": ["tab_excess", "tab_flip_1", "tab_flip_2"],
        "excess + flip_1 + score": ["tab_excess", "tab_flip_1", "tab_score"],
        "excess + flip_1 + flip_2 + score": ["tab_excess", "tab_flip_1", "tab_flip_2",
                                             "tab_score"],
        "gap": ["tab_excess_gap"],
        "excess + gap": ["tab_excess", "tab_excess_gap"],
        "excess + gap + flip_2": ["tab_excess", "tab_excess_gap", "tab_flip_2"],
        "excess + gap + score": ["tab_excess", "tab_excess_gap", "tab_score"],
        # issue 16 step 7: lending-club's clean MLPs predict the majority class everywhere
        # (no searched row flips: tab_flip_* = 0), so features whose clean level is 0 on
        # either table, and the enrichment, are tried for carrying between tables
        "excess + gap + flip_3": ["tab_excess", "tab_excess_gap", "tab_flip_3"],
        "excess + gap + flip_max": ["tab_excess", "tab_excess_gap", "tab_flip_max"],
        "excess + gap + enrichment": ["tab_excess", "tab_excess_gap", "tab_enrichment"],
        "excess + gap + flip_2 + enrichment": ["tab_excess", "tab_excess_gap", "tab_flip_2",
                                               "tab_enrichment"],
        "excess + gap + flip_2 + flip_max": ["tab_excess", "tab_excess_gap", "tab_flip_2",
                                             "tab_flip_max"],
        "excess + enrichment": ["tab_excess", "tab_enrichment"],
    },
}
TREE_DESIGNS = {
    "mass": ["tab_mass"],
    "mass + score": ["tab_mass", "tab_score"],
    "mass + flip_1": ["tab_mass", "tab_flip_1"],
    "mass + flip_1 + score": ["tab_mass", "tab_flip_1", "tab_score"],
    # tab_box (tree_boxes): the ensemble's response in the boxes of the leaves clean rows miss
    "box": ["tab_box"],
    "mass + box": ["tab_mass", "tab_box"],
    "mass + box + score": ["tab_mass", "tab_box", "tab_score"],
    "mass + box + flip_1": ["tab_mass", "tab_box", "tab_flip_1"],
    # the missing mass set against the class prior (bench_tabular_mass_norm.py): the
    # majority class's own mass, and each class's over its leaves' mean deficit
    "mass + major + box + score": ["tab_mass", "tab_mass_major", "tab_box", "tab_score"],
    "mass + rel + box + score": ["tab_mass", "tab_mass_rel", "tab_box", "tab_score"],
    "mass + major + rel + box + score": ["tab_mass", "tab_mass_major", "tab_mass_rel",
                                         "tab_box", "tab_score"],
    # the missing mass of leaf groups under one bound (tree_mass.grouped_mass): a
    # majority-class backdoor's poison split into small leaves, pooled. A refit that chose
    # these failed its shipping rule on a fresh zoo (docs/benchmarks.md, issue 16 step 5):
    # the shipped tree entries do not read tab_mass_group
    "group + box + score": ["tab_mass_group", "tab_box", "tab_score"],
    "mass + group + box + score": ["tab_mass", "tab_mass_group", "tab_box", "tab_score"],
    "group + rel + box + score": ["tab_mass_group", "tab_mass_rel", "tab_box", "tab_score"],
    "mass + group + rel + box + score": ["tab_mass", "tab_mass_group", "tab_mass_rel",
                                         "tab_box", "tab_score"],
    # against a clean reference tree of the model's library and size trained on the clean
    # rows (tree_reference; issue 16 step 6): the search's scale set by the table
    "mass + rel + box_ref + score_ref": ["tab_mass", "tab_mass_rel", "tab_box_ref",
                                         "tab_score_ref"],
    "mass + rel + box + score + box_ref + score_ref": ["tab_mass", "tab_mass_rel", "tab_box",
                                                       "tab_score", "tab_box_ref",
                                                       "tab_score_ref"],
    "mass + box_ref + score_ref": ["tab_mass", "tab_box_ref", "tab_score_ref"],
    "mass + rel + box_ref": ["tab_mass", "tab_mass_rel", "tab_box_ref"],
    "mass + rel + box_ref + flip_1_ref": ["tab_mass", "tab_mass_rel", "tab_box_ref",
                                          "tab_flip_1_ref"],
    "mass + rel + box_ref + score_ref + gap_ref": ["tab_mass", "tab_mass_rel", "tab_box_ref",
                                                   "tab_score_ref", "tab_gap_ref"],
    "mass + rel": ["tab_mass", "tab_mass_rel"],
}
# the majority class's own evidence (tab_major_*, issue 16 step 8): each shipped design with
# one of them added (a backdoor towards the majority class hides under the minority's
# natural features; ``--designs`` compares exactly these)
MAJOR = ("flip_1", "flip_2", "score", "enrichment", "excess", "box", "group", "group_rel")
SHIPPED = {"network": "excess + gap + flip_2", "tree": "group + rel + box + score",
           "tree:xgboost": "group + rel + box + score", "tree:lightgbm": "mass + rel"}
for _name in MAJOR:
    for _designs, _base in ((DESIGNS["network"], SHIPPED["network"]),
                            (TREE_DESIGNS, SHIPPED["tree"]), (TREE_DESIGNS, "mass + rel")):
        _designs[f"{_base} + major_{_name}"] = [*_designs[_base], f"tab_major_{_name}"]
# the entries shipped since step 8, each with a second tab_major_* feature added (issue 16
# step 9: ``--designs current+major``, compared leave one zoo out, ``--by-zoo``)
CURRENT = {"tree:xgboost": "group + rel + box + score + major_enrichment",
           "tree:lightgbm": "mass + rel + major_group_rel"}
for _base in CURRENT.values():
    for _name in MAJOR:
        if f"major_{_name}" not in _base:
            TREE_DESIGNS[f"{_base} + major_{_name}"] = [*TREE_DESIGNS[_base],
                                                        f"tab_major_{_name}"]
# the shipped entries with the ensemble's box response added (issue 16 stop 31c: tab_box /
# tab_major_box stand above every clean model for most credit-default target-0 trees)
for _base in CURRENT.values():
    for _extra in (["box"], ["major_box", "box"]) if "box" not in _base else ():
        TREE_DESIGNS[" + ".join([_base, *_extra])] = [*TREE_DESIGNS[_base],
                                                      *(f"tab_{e}" for e in _extra)]
# the entries shipped since stop 31c with the box term above the table's own floor
# (tree_floor: tab_box_over / tab_major_box_over, issue 16 stop 32) added, or in place of the
# box term they read
SHIPPED_31C = {"tree:xgboost": "group + rel + box + score + major_enrichment",
               "tree:lightgbm": "mass + rel + major_group_rel + major_box"}
for _base in SHIPPED_31C.values():
    _feats = TREE_DESIGNS[_base]
    for _over in ("box_over", "major_box_over"):
        TREE_DESIGNS[f"{_base} + {_over}"] = [*_feats, f"tab_{_over}"]
        for _box in ("box", "major_box"):
            if f"tab_{_box}" in _feats:
                TREE_DESIGNS[_base.replace(f"+ {_box}", f"+ {_over}")] = [
                    f"tab_{_over}" if f == f"tab_{_box}" else f for f in _feats]
    TREE_DESIGNS[f"{_base} + box_over + major_box_over"] = [*_feats, "tab_box_over",
                                                            "tab_major_box_over"]
# XGBoost's clean flags: a clean model's tab_mass_group grows with its depth (deeper trees,
# smaller leaves, more natural groups that miss clean rows); the majority class's groups over
# their own mean deficit (tab_major_group_rel) do not follow the depth so
_XGB = SHIPPED_31C["tree:xgboost"]
TREE_DESIGNS[f"{_XGB} + major_group_rel"] = [*TREE_DESIGNS[_XGB], "tab_major_group_rel"]
TREE_DESIGNS[f"{_XGB} + major_group_rel + major_box_over"] = [
    *TREE_DESIGNS[_XGB], "tab_major_group_rel", "tab_major_box_over"]
TREE_DESIGNS[f"{_XGB} + major_group_rel + box_over"] = [
    *TREE_DESIGNS[_XGB], "tab_major_group_rel", "tab_box_over"]
# ... and the ensemble's depth as its leaves show it (tab_leaves, tree_mass.leaves_per_tree):
# a clean deep tree's leaf groups miss more clean rows (issue 16 stop 32c)
for _base in (_XGB, f"{_XGB} + major_box_over", f"{_XGB} + major_group_rel + major_box_over",
              SHIPPED_31C["tree:lightgbm"]):
    TREE_DESIGNS[f"{_base} + leaves"] = [*TREE_DESIGNS[_base], "tab_leaves"]
# stop 33: the majority class's own group mass (``tab_major_group``) beside or instead of the
# largest class's (``tab_mass_group``, which a clean deep XGBoost's minority-class groups
# raise), and the groups summed per bound across trees (``tab_major_recur``/``_lead``)
TREE_DESIGNS[f"{_XGB} + major_group + major_box_over"] = [
    *TREE_DESIGNS[_XGB], "tab_major_group", "tab_major_box_over"]
for _extra in (["major_recur_lead"], ["major_recur"], ["major_recur_lead", "major_box_over"],
               ["major_recur", "major_box_over"], ["major_recur", "major_recur_lead"]):
    TREE_DESIGNS[" + ".join([_XGB, *_extra])] = [*TREE_DESIGNS[_XGB],
                                                 *(f"tab_{e}" for e in _extra)]
_LGB = f"{SHIPPED_31C['tree:lightgbm']} + leaves"  # shipped since stop 32c
for _extra in (["major_recur_lead"], ["major_recur"]):
    TREE_DESIGNS[" + ".join([_LGB, *_extra])] = [*TREE_DESIGNS[_LGB],
                                                 *(f"tab_{e}" for e in _extra)]
TREE_DESIGNS[_XGB.replace("group + ", "major_group + ", 1)] = [
    "tab_major_group" if f == "tab_mass_group" else f for f in TREE_DESIGNS[_XGB]]
# stop 34: the XGBoost entry shipped since stop 33 without the search's ``tab_score`` (every
# searched row of a clean lending-club XGBoost flips: its score is 1.0 and it flags them)
_XGB33 = f"{_XGB} + major_recur_lead + major_box_over"
TREE_DESIGNS[_XGB33.replace(" + score", "")] = [
    f for f in TREE_DESIGNS[_XGB33] if f != "tab_score"]
# ... and each shipped entry with a feature set against clean reference trees (``_ref``,
# tree_reference; with ``--sampling`` references that copy a sampled model's row/column shares)
for _base in (_XGB33, f"{_LGB} + major_recur_lead"):
    for _ref in ("box_ref", "mass_rel_ref", "score_ref"):
        TREE_DESIGNS[f"{_base} + {_ref}"] = [*TREE_DESIGNS[_base], f"tab_{_ref}"]
# every tree library together (the fallback for a library without its own), and each apart
DESIGNS.update({"tree": TREE_DESIGNS, "tree:xgboost": TREE_DESIGNS,
                "tree:lightgbm": TREE_DESIGNS})
TRANSFORMS = ("none", "log")
CS = (0.1, 1.0, 10.0)


def in_family(row: dict, family: str) -> bool:
    """``family`` "network", "tree" (every tree library) or "tree:<library>"."""
    if family == "network":
        return row["arch"] == "mlp"
    return row["arch"] != "mlp" and (family == "tree" or family == f"tree:{row['arch']}")


def load_rows(files: list[str]) -> list[dict]:
    """Rows of ``zoo eval --json`` files, each with its model's ``arch`` and the zoo's table:
    from a packed file's own fields (``--pack``), else from the zoo's truth."""
    rows = []
    for name in files:
        with open(name) as fh:
            payload = json.load(fh)
        if "dataset" in payload:  # packed: needs no zoo
            table, arch = payload["dataset"], {r["name"]: r["arch"] for r in payload["rows"]}
        else:
            table, entries = read_truth(payload["zoo"])
            arch = {e.name: e.arch for e in entries}
        for row in payload["rows"]:
            rows.append({**row, "arch": arch[row["name"]], "zoo": payload["zoo"],
                         "table": table})
    return rows


def new_labelling(rows: list[dict], flips: list[str]) -> list[dict]:
    """Stop 31b's labelling on development rows: inert backdoors left out. A zoo replayed with
    the flip rate (``bench_tabular_target0.py --zoo --json``, files ``flips``) loses the
    backdoors its rule calls inert; a zoo without a replay loses its lending-club target-0
    backdoors (stop 31: 21 of 22 of them inert, none of any other kind)."""
    from bench_tabular_target0 import flip_inert

    replayed: dict[str, set[str]] = {}
    for name in flips:
        with open(name) as fh:
            for r in json.load(fh):
                inert = replayed.setdefault(Path(r["zoo"]).name, set())
                if r["backdoored"] and flip_inert(r):
                    inert.add(r["name"])
    keep = []
    for r in rows:
        zoo = Path(r["zoo"]).name
        if zoo in replayed:
            out = r["name"] in replayed[zoo]
        else:
            out = r["backdoored"] and r["table"] == "lending-club" and r["target"] == 0
        if not out:
            keep.append(r)
    print(f"new labelling: {len(rows) - len(keep)} inert backdoors left out of {len(rows)} rows")
    return keep


def pack(files: list[str], out_dir: str) -> None:
    """Copies of ``zoo eval --json`` rows that carry their table and each model's
    architecture, so that ``--choose``/``--holdout``/``--fit`` (and
    ``bench_tabular_detect.py --rows``) read them without the zoo (which is not committed)."""
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    for name in files:
        with open(name) as fh:
            payload = json.load(fh)
        table, entries = read_truth(payload["zoo"])
        arch = {e.name: e.arch for e in entries}
        payload["dataset"] = table
        payload["rows"] = [{**r, "arch": arch[r["name"]]} for r in payload["rows"]]
        dest = Path(out_dir) / Path(name).name
        dest.write_text(json.dumps(payload) + "\n")
        print(f"{dest}: {len(payload['rows'])} rows of {payload['zoo']} ({table})")


def add_features(new: str, packed: str) -> None:
    """Copy into the committed rows ``packed`` the features of a later ``zoo eval --json`` run
    of the same zoo (``new``) that they lack (e.g. ``tab_major_*``, issue 16 step 8), after
    checking that every feature both hold is equal (the same models, the same search); the
    rest of each row (its probability, time) stays as it was measured. The ``_ref`` features
    (``-p references=N``, which a run may or may not have set) are neither compared nor
    copied."""
    with open(new) as fh:
        fresh = {r["name"]: r["features"] for r in json.load(fh)["rows"]}
    with open(packed) as fh:
        payload = json.load(fh)
    added: set[str] = set()
    for row in payload["rows"]:
        feats = fresh[row["name"]]
        for name, value in row["features"].items():
            if (name in feats and name != "calibrated" and not name.endswith("_ref")
                    and abs(feats[name] - value) > 1e-9):
                raise SystemExit(f"error: {packed} {row['name']}: {name} {value} != "
                                 f"{feats[name]} in {new}: not the same model or search")
        extra = {k: v for k, v in feats.items()
                 if k not in row["features"] and not k.endswith("_ref")}
        row["features"].update(extra)
        added |= set(extra)
    Path(packed).write_text(json.dumps(payload) + "\n")
    print(f"{packed}: {len(payload['rows'])} rows, added {', '.join(sorted(added)) or 'nothing'}")


def loo(rows: list[dict], features: list[str], transform: str, c: float) -> np.ndarray:
    """Leave-one-out probabilities: each row scored by a calibrator fitted on the others."""
    labels = [int(r["backdoored"]) for r in rows]
    out = np.zeros(len(rows))
    for i in range(len(rows)):
        keep = [j for j in range(len(rows)) if j != i]
        cal = fit_calibrator(METHOD, [rows[j]["features"] for j in keep],
                             [labels[j] for j in keep], features, transform=transform, c=c)
        out[i] = cal.probability(rows[i]["features"])
    return out


def holdout(files: list[str], held: list[str], families: list[str] | None,
            only: list[str] | None = None) -> None:
    """Every design per family fitted on all calibration rows ``files`` and scored on the
    development rows ``held`` (another zoo, e.g. another table), per table (the zoo's data
    set): cross-entropy / ROC-AUC. Development only: it picks a design, it is no evaluation."""
    rows, test = load_rows(files), load_rows(held)
    print(f"calibration rows: {len(rows)}; held-out rows: {len(test)}")
    for fam, designs in DESIGNS.items():
        if families and fam not in families:
            continue
        sub = [r for r in rows if in_family(r, fam)]
        tst = [r for r in test if in_family(r, fam)]
        tables = sorted({r["table"] for r in tst})
        print(f"\n{fam}: fitted on {len(sub)}, held out {len(tst)}")
        print("| design | transform | C | all | " + " | ".join(tables) + " |")
        print("|---|---|---|---|" + "---|" * len(tables))
        for name, feats in designs.items():
            if only and not wanted(name, fam, only):
                continue
            if any(f not in sub[0]["features"] or f not in tst[0]["features"] for f in feats):
                continue
            for transform in TRANSFORMS:
                for c in CS:
                    cal = fit_calibrator(METHOD, [r["features"] for r in sub],
                                         [int(r["backdoored"]) for r in sub], feats,
                                         transform=transform, c=c)
                    cells = []
                    for table in (None, *tables):
                        part = [r for r in tst if table is None or r["table"] == table]
                        y = [int(r["backdoored"]) for r in part]
                        p = [cal.probability(r["features"]) for r in part]
                        cells.append(f"{log_loss(y, p, labels=[0, 1]):.3f} / "
                                     f"{roc_auc_score(y, p):.3f}")
                    print(f"| {name} | {transform} | {c:g} | " + " | ".join(cells) + " |",
                          flush=True)


def zoo_group(zoo: str) -> str:
    """A zoo's fold for ``--by-zoo``: its two tables' zoos (``X`` and ``X-lc``) together."""
    name = Path(zoo).name
    return name[: -len("-lc")] if name.endswith("-lc") else name


def by_zoo(files: list[str], families: list[str] | None, only: list[str] | None,
           flips: list[str] | None = None, copies_out: bool = False) -> None:
    """Every design per family scored leave one zoo out: each zoo (with its ``-lc`` twin) is
    predicted by the design fitted on the other zoos' rows; printed: the pooled out-of-fold
    cross-entropy / ROC-AUC over all rows, over the backdoors of each target (+ every clean
    model) and over the clean models alone (mean -log(1 - p)). Development only: it picks a
    design (lowest pooled out-of-fold cross-entropy), it is no evaluation; fewer fits than
    LOO, and each fold is a zoo the fit never saw. With ``flips`` (stop 31c) the rows are
    labelled as stop 31b does (:func:`new_labelling`), and each line adds the clean models
    flagged out of fold (p >= 0.5) and the worst table x target by out-of-fold cross-entropy.
    ``copies_out`` (stop 33): a fold's fit also leaves out every row of another zoo whose
    features equal a held-out row's — the same model: a tree library trains deterministically,
    so zoos that draw the same clean variant hold the same clean model."""
    rows = load_rows(files)
    if flips is not None:
        rows = new_labelling(rows, flips)
    groups = sorted({zoo_group(r["zoo"]) for r in rows})
    print(f"rows: {len(rows)}; folds: {', '.join(groups)}")
    for fam, designs in DESIGNS.items():
        if families and fam not in families:
            continue
        sub = [r for r in rows if in_family(r, fam)]
        y = np.array([int(r["backdoored"]) for r in sub])
        fold = np.array([zoo_group(r["zoo"]) for r in sub])
        target = np.array([r["target"] if r["backdoored"] else -1 for r in sub])
        model = np.array([model_key(r) for r in sub])
        print(f"\n{fam}: {len(sub)} models ({int(y.sum())} backdoored, target 0: "
              f"{int((target == 0).sum())})")
        print("| design | transform | C | all | target 0 (+ clean) | target 1 (+ clean) | "
              "clean: mean -log(1 - p) |")
        print("|---|---|---|---|---|---|---|")
        best = None
        for name, feats in designs.items():
            if only and not wanted(name, fam, only):
                continue
            if any(f not in r["features"] for r in sub for f in feats):
                continue
            for transform in TRANSFORMS:
                for c in CS:
                    p = np.zeros(len(sub))
                    for g in groups:
                        test, train = fold == g, fold != g
                        if copies_out:
                            train &= ~np.isin(model, model[test])
                        if not test.any() or len(set(y[train])) < 2:
                            continue
                        cal = fit_calibrator(METHOD, [sub[i]["features"] for i in
                                                      np.flatnonzero(train)],
                                             list(y[train]), feats, transform=transform, c=c)
                        for i in np.flatnonzero(test):
                            p[i] = cal.probability(sub[i]["features"])
                    p = np.clip(p, 1e-6, 1 - 1e-6)
                    cells = []
                    for keep in (np.ones(len(sub), bool), (target == 0) | (y == 0),
                                 (target == 1) | (y == 0)):
                        cells.append(f"{log_loss(y[keep], p[keep], labels=[0, 1]):.3f} / "
                                     f"{roc_auc_score(y[keep], p[keep]):.3f}")
                    clean = float(np.mean(-np.log(1 - p[y == 0])))
                    ce = log_loss(y, p, labels=[0, 1])
                    extra = ""
                    if flips is not None:
                        extra = f" clean flagged {int((p[y == 0] >= 0.5).sum())}; " + worst_cell(
                            sub, y, p, target)
                    print(f"| {name} | {transform} | {c:g} | " + " | ".join(cells)
                          + f" | {clean:.3f} |{extra}", flush=True)
                    if best is None or ce < best[0]:
                        best = (ce, name, transform, c)
        if best is not None:
            print(f"lowest out-of-fold cross-entropy for {fam}: {best[1]}, {best[2]}, "
                  f"C = {best[3]:g} ({best[0]:.3f})")


MODEL_KEY = ("tab_flip_1", "tab_score", "tab_mass", "tab_mass_group", "tab_mass_rel", "tab_box")


def model_key(row: dict) -> str:
    """What tells one model from another in the rows: its label, table and the features every
    tree row holds (two zoos' copies of one deterministic model get the same). A network's
    tree features are 0 and its flip rates few-valued, so distinct MLPs shared those keys and
    ``--copies-out`` left them out as copies (issue 16 stop 34b): a network is keyed by every
    feature."""
    keys = MODEL_KEY if row["arch"] != "mlp" else sorted(row["features"])
    feats = [round(row["features"].get(k, 0.0), 9) for k in keys]
    return json.dumps([bool(row["backdoored"]), row["table"], row["arch"], feats])


def worst_cell(sub: list[dict], y: np.ndarray, p: np.ndarray, target: np.ndarray) -> str:
    """The worst table x target (its backdoors with the table's clean models) by cross-entropy,
    with its ROC-AUC and catch count (p >= 0.5)."""
    table = np.array([r["table"] for r in sub])
    worst = (-1.0, "")
    for t in sorted(set(table)):
        for k in (0, 1):
            keep = (table == t) & ((target == k) | (y == 0))
            if y[keep].sum() == 0 or y[keep].sum() == keep.sum():
                continue
            ce = log_loss(y[keep], p[keep], labels=[0, 1])
            hit = int((p[keep & (y == 1)] >= 0.5).sum())
            cell = (f"worst {t} {k}: {ce:.3f} / {roc_auc_score(y[keep], p[keep]):.3f}, "
                    f"{hit}/{int(y[keep].sum())}")
            worst = max(worst, (ce, cell))
    return worst[1]


def fit_designs(files: list[str], specs: list[str], out: str,
                flips: list[str] | None = None) -> None:
    """Fit named designs (``FAMILY=DESIGN|TRANSFORM|C``, e.g. ``tree:lightgbm=mass + rel|none|10``)
    on every calibration row of their family and write them into ``out`` (other entries kept):
    a design chosen elsewhere (``--holdout``) rather than by LOO; with ``flips``, on stop
    31b's labelling (:func:`new_labelling`)."""
    rows = load_rows(files)
    if flips is not None:
        rows = new_labelling(rows, flips)
    zoos = sorted({Path(r["zoo"]).name for r in rows})  # names: no scratch paths
    existing = load_calibrators(out) if Path(out).exists() else {}
    for spec in specs:
        fam, rest = spec.split("=", 1)
        name, transform, c = rest.split("|")
        sub = [r for r in rows if in_family(r, fam)]
        existing[f"{METHOD}:{fam}"] = fit_calibrator(
            f"{METHOD}:{fam}", [r["features"] for r in sub], [int(r["backdoored"]) for r in sub],
            DESIGNS[fam][name], transform=transform, c=float(c), zoo=zoos, seed=0,
            coverage=count_traits(r.get("traits", []) for r in sub),
            tables={t: sum(r["table"] == t for r in sub)
                    for t in sorted({r["table"] for r in sub})})
        print(f"{METHOD}:{fam}: {name}, {transform}, C = {c} on {len(sub)} rows "
              f"({sum(int(r['backdoored']) for r in sub)} backdoored)")
    save_calibrators(existing, out)
    print(f"wrote {out}")


def wanted(name: str, family: str, only: list[str]) -> bool:
    """``--designs``: a design named there, or (``shipped+major``) the family's shipped design
    and it with one ``tab_major_*`` feature added."""
    bases = [SHIPPED[family]] if "shipped+major" in only else []
    if "current+major" in only and family in CURRENT:
        bases.append(CURRENT[family])
    return name in only or any(
        name == base or (name.startswith(f"{base} + major_")
                         and name.count("+") == base.count("+") + 1) for base in bases)


def choose(files: list[str], out: str | None, families: list[str] | None = None,
           only: list[str] | None = None) -> None:
    """Every design per family (``families``: these only) by LOO on the calibration rows; the
    best fitted into ``out``."""
    rows = load_rows(files)
    print(f"calibration rows: {len(rows)} from {', '.join(files)}")
    labels = np.array([int(r["backdoored"]) for r in rows])
    pooled = {}
    for transform in TRANSFORMS if not families else ():  # one calibrator for all, compared
        for c in CS:
            pooled[(transform, c)] = loo(rows, POOLED, transform, c)
    chosen: dict[str, tuple[list[str], str, float]] = {}
    for fam, designs in DESIGNS.items():
        if families and fam not in families:
            continue
        mask = np.array([in_family(r, fam) for r in rows])
        sub = [r for r, m in zip(rows, mask, strict=True) if m]
        y = labels[mask]
        print(f"\n{fam}: {len(sub)} models ({int(y.sum())} backdoored)")
        print("| design | transform | C | LOO cross-entropy | LOO ROC-AUC |")
        print("|---|---|---|---|---|")
        for (transform, c), p in pooled.items():
            print(f"| one calibrator for all (shipped design) | {transform} | {c:g} | "
                  f"{log_loss(y, p[mask], labels=[0, 1]):.3f} | "
                  f"{roc_auc_score(y, p[mask]):.3f} |")
        best = None
        for name, feats in designs.items():
            if only and not wanted(name, fam, only):
                continue
            if any(f not in sub[0]["features"] for f in feats):
                continue  # rows written before the feature existed
            for transform in TRANSFORMS:
                for c in CS:
                    p = loo(sub, feats, transform, c)
                    ce = log_loss(y, p, labels=[0, 1])
                    print(f"| {name} | {transform} | {c:g} | {ce:.3f} | "
                          f"{roc_auc_score(y, p):.3f} |", flush=True)
                    if best is None or ce < best[0]:
                        best = (ce, feats, transform, c, name)
        assert best is not None
        print(f"chosen for {fam}: {best[4]}, {best[2]}, C = {best[3]:g} "
              f"(LOO cross-entropy {best[0]:.3f})")
        if fam == "tree":  # the pooled tree calibrator on each library's models
            p_all = loo(sub, best[1], best[2], best[3])
            for arch in sorted({r["arch"] for r in sub}):
                own = np.array([r["arch"] == arch for r in sub])
                ce = log_loss(y[own], p_all[own], labels=[0, 1])
                print(f"  {arch}: LOO cross-entropy {ce:.3f} with the tree calibrator "
                      "(its own: below)")
        chosen[fam] = (best[1], best[2], best[3])
    if out is None:
        return
    existing = load_calibrators(out) if Path(out).exists() else {}
    zoos = sorted({Path(r["zoo"]).name for r in rows})  # names: no scratch paths
    for fam, (feats, transform, c) in chosen.items():
        sub = [r for r in rows if in_family(r, fam)]
        existing[f"{METHOD}:{fam}"] = fit_calibrator(
            f"{METHOD}:{fam}", [r["features"] for r in sub], [int(r["backdoored"]) for r in sub],
            feats, transform=transform, c=c, zoo=zoos, seed=0,
            coverage=count_traits(r.get("traits", []) for r in sub))
    save_calibrators(existing, out)
    print(f"wrote {', '.join(f'{METHOD}:{f}' for f in chosen)} to {out}")


def family_view(zoo: str, out: str, networks: bool = False) -> None:
    """A zoo folder ``out`` holding only ``zoo``'s tree models (``networks``: its MLPs) as
    links, with their truth: one family's rows without re-running the other's models."""
    source, dest = Path(zoo).resolve(), Path(out)
    truth = json.loads((source / "truth.json").read_text())
    truth["models"] = [m for m in truth["models"] if (m["arch"] == "mlp") == networks]
    dest.mkdir(parents=True, exist_ok=False)
    for m in truth["models"]:
        (dest / m["name"]).symlink_to(source / m["name"], target_is_directory=True)
    (dest / "truth.json").write_text(json.dumps(truth, indent=2))
    kind = "network" if networks else "tree"
    print(f"{out}: {len(truth['models'])} {kind} models of {zoo}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--choose", nargs="+", default=None,
                        help="calibration zoos' `zoo eval --json` rows")
    parser.add_argument("--tree-view", nargs=2, metavar=("ZOO", "OUT"), default=None,
                        help="write a zoo folder OUT of ZOO's tree models only")
    parser.add_argument("--net-view", nargs=2, metavar=("ZOO", "OUT"), default=None,
                        help="write a zoo folder OUT of ZOO's MLPs only")
    parser.add_argument("--pack", nargs="+", default=None, metavar="ROWS",
                        help="copy these rows into --out (a folder) with their table and "
                             "architectures, readable without the zoo")
    parser.add_argument("--add-features", nargs=2, default=None, metavar=("NEW", "PACKED"),
                        help="copy the features PACKED's rows lack from NEW (a later zoo eval "
                             "of the same zoo), checking the shared ones are equal")
    parser.add_argument("--out", default=None, help="with --choose: calibration JSON to update")
    parser.add_argument("--families", nargs="+", default=None, choices=sorted(DESIGNS),
                        help="with --choose: only these families (the others stay in --out)")
    parser.add_argument("--holdout", nargs="+", default=None,
                        help="with --choose: score every design fitted on the --choose rows on "
                             "these development rows instead of choosing by LOO")
    parser.add_argument("--designs", nargs="+", default=None,
                        help="with --choose/--holdout/--by-zoo: only these design names; "
                             "'shipped+major': each family's step-7 design, alone and with "
                             "each tab_major_* feature added; 'current+major': the trees' "
                             "step-8 design, alone and with a second one added")
    parser.add_argument("--by-zoo", action="store_true",
                        help="with --choose: score every design leave one zoo out (each zoo "
                             "and its -lc twin a fold) instead of choosing by LOO")
    parser.add_argument("--flips", nargs="+", default=None,
                        help="with --by-zoo/--fit: stop 31b's labelling (inert backdoors left "
                             "out), from these flip-rate replays (bench_tabular_target0.py "
                             "--zoo --json) and, for zoos without one, lending-club target 0 "
                             "left out")
    parser.add_argument("--copies-out", action="store_true",
                        help="with --by-zoo: each fold's fit also leaves out the other zoos' "
                             "copies of its models (the same features: deterministic trees)")
    parser.add_argument("--fit", nargs="+", default=None, metavar="FAMILY=DESIGN|TRANSFORM|C",
                        help="with --choose and --out: fit these designs instead of choosing")
    args = parser.parse_args()
    if args.add_features:
        add_features(*args.add_features)
        return
    if args.pack:
        pack(args.pack, args.out or "benchmarks/data/tabular_rows")
        return
    if args.fit:
        fit_designs(args.choose, args.fit, args.out, args.flips)
        return
    if args.by_zoo:
        by_zoo(args.choose, args.families, args.designs, args.flips, args.copies_out)
        return
    if args.holdout:
        holdout(args.choose, args.holdout, args.families, args.designs)
        return
    if args.tree_view:
        family_view(*args.tree_view)
    if args.net_view:
        family_view(*args.net_view, networks=True)
    if args.choose:
        choose(args.choose, args.out, args.families, args.designs)


if __name__ == "__main__":
    main()
