"""Why backdoors towards the majority class (class 0) are missed (issue 16 step 9, development
diagnosis; development zoos only).

``--zoo ZOO...``: every backdoor of the zoos, on the clean test rows as ``zoo eval`` gives
them: the trigger's footprint (its columns and values; each value inside the clean rows'
10-90% quantiles or not, its share of rows, its enrichment towards the target in log odds as
``tabular-search`` measures a category's; the poison rows of its training, replayed), the
share of the target's other-class rows the model already gives the target ("already"; at
least ``INERT``: an inert backdoor, no row is left for its trigger to change), and what the
real trigger does to those rows: the mean rise of the target's probability and of its log
odds (from the logits), the model's and a logistic reference's fitted on the clean rows
(``tabular_excess.reference_model``, seeded as ``zoo eval`` seeds it). A table per table x
library x target follows.

``--pairs ZOO...``: per model, the majority class's search as ``tabular-search`` runs it (the
surest minority rows, the neutral values): the flip after 1-3 greedy values, the best pair's
and triple's flip among the 15 best single values, the largest single-value excess (the
model's rise less the reference's, probability and log odds), the first greedy value's flip
with stricter neutrality bars (``STRICT``) and with interior values only (10-90% quantiles,
as networks' ``tab_excess`` takes them); for a backdoor towards that class, the real
trigger's flip on the same rows. Then each one's raw ROC-AUC per table x library x target
(backdoors of that target against the family's clean models).

``--rows FILE...``: for packed ``zoo eval`` rows, per table x library and target, how many
backdoors stand above every clean model of the family by each recorded feature (the
features that move) and the features whose backdoored values all stay inside the clean
models' range.

    PYTHONPATH=src python benchmarks/bench_tabular_target0.py --zoo ZOO... [--json OUT]
    PYTHONPATH=src python benchmarks/bench_tabular_target0.py --pairs ZOO... [--json OUT]
    PYTHONPATH=src python benchmarks/bench_tabular_target0.py --rows ROWS...
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections import defaultdict

import numpy as np
import torch

torch.set_num_threads(1)

from sklearn.metrics import roc_auc_score  # noqa: E402

from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.tabular_excess import reference_model  # noqa: E402
from trojanscope.detect.tabular_search import (  # noqa: E402
    Candidate,
    TabularSearch,
    apply,
    enrichment,
    interior,
)
from trojanscope.engine.metrics import evaluate_attack  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402
from trojanscope.zoo import build_attack, read_truth  # noqa: E402

STRICT = (0.0, -0.2)  # stricter neutrality bars for the majority class's first value


def trigger_footprint(entry, schema, x: torch.Tensor, y: torch.Tensor, train) -> dict:
    """The trigger's columns and values: inside the 10-90% quantiles? neutral towards the
    target? and the poison rows of its training."""
    attack = build_attack(entry)
    trig = attack.trigger.bind(schema)
    cols = []
    for column, value in trig.values.items():
        col = schema.column(column)
        start = schema.offset(column)
        if col.kind == "categorical":
            idx = col.categories.index(value)
            hold = x[:, start + idx] > 0.5
            share = float(hold.float().mean())
            inside = True
        else:
            v = col.scale(float(value))
            q = torch.quantile(x[:, start].double(), torch.tensor([0.1, 0.9], dtype=torch.float64))
            inside = bool(q[0] <= v <= q[1])
            hold = (x[:, start] - v).abs() <= 1e-6
            share = float(hold.float().mean())
        n = int(hold.sum())
        prior = float((y == entry.target).float().mean())
        own = (float((y[hold] == entry.target).float().sum()) + 5 * prior) / (n + 5)
        enrich = float(np.log(own / (1 - own)) - np.log(prior / (1 - prior)))
        cols.append(
            {
                "column": column,
                "value": value,
                "kind": col.kind,
                "share": share,
                "interior": inside,
                "enrichment": enrich,
            }
        )
    poisoned = attack.poison(train)
    return {"columns": cols, "poison_rows": int(poisoned.is_poisoned.sum()), "trigger": trig}


def zoo_data(zoo: str):
    """A zoo's table, entries, clean test rows (as ``zoo eval`` gives them), their schema
    and the logistic reference ``tabular-search`` fits on them (seeded as ``zoo eval``
    seeds it)."""
    dataset, entries = read_truth(zoo)
    test = load_dataset(dataset, "test")
    x, y = test.get_batch(torch.arange(len(test)))
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=torch.Generator().manual_seed(0)))
    ref = reference_model(x, y, test.num_classes, seed=seed)
    return dataset, entries, test, schema_of(test), x, y, ref


def head(zoo: str, dataset: str, entry, major: int) -> dict:
    """The fields every per-model row starts with."""
    return {
        "zoo": zoo,
        "name": entry.name,
        "arch": entry.arch,
        "dataset": dataset,
        "backdoored": entry.backdoored,
        "target": entry.target,
        "major": major,
    }


def study(zoo: str) -> list[dict]:
    dataset, entries, test, schema, x, y, ref = zoo_data(zoo)
    train = load_dataset(dataset, "train")
    out = []
    for e in entries:
        model = load_model(f"{zoo}/{e.name}").module.eval()
        with torch.no_grad():
            own = model(x).float().argmax(1)
        major = int(np.bincount(own.numpy(), minlength=test.num_classes).argmax())
        row = {
            **head(zoo, dataset, e, major),
            "attack": e.attack,
            "gives_major": float((own == major).float().mean()),
        }
        if e.backdoored:
            fp = trigger_footprint(e, schema, x, y, train)
            t = int(e.target)
            other = x[y != t]
            hit = fp.pop("trigger").apply(other)
            with torch.no_grad():
                rises = {}
                for name, net in (("model", model), ("ref", ref)):
                    for lo in (False, True):
                        before = response(net(other).float(), t, lo).mean()
                        after = response(net(hit).float(), t, lo).mean()
                        rises[f"{name}_{'lo' if lo else 'p'}"] = float(after - before)
                already = float((model(other).float().argmax(1) == t).float().mean())
            m = evaluate_attack(model, test, build_attack(e))  # as the zoo records it
            row.update(
                fp,
                already=already,
                **rises,
                asr=m.attack_success_rate,
                flip_rate=m.flip_rate,
                n_flippable=m.n_flippable,
            )
        out.append(row)
        print(line(row), flush=True)
    return out


INERT = 0.99  # a backdoor whose target the model already gives this share of the other rows


def footprints(rows: list[dict]) -> None:
    """Per table x library x target: the backdoors' footprint and the trigger's effect."""
    print(
        "| table | library | target | backdoors | inert (already >= 0.99) | poison rows | "
        "trigger columns | values inside 10-90% | neutral values (enrichment <= 0.3) | "
        "already the target | trigger rise, probability: model / reference | "
        "log odds: model / reference |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    fams = defaultdict(list)
    for r in rows:
        if r["backdoored"]:
            fams[(r["dataset"], r["arch"], r["target"])].append(r)
    for (ds, arch, t), rs in sorted(fams.items()):
        cols = [c for r in rs for c in r["columns"]]

        def span(key: str, fmt: str, rs: list[dict] = rs) -> str:
            v = [r[key] for r in rs]
            return f"{min(v):{fmt}}–{max(v):{fmt}}"

        print(
            f"| {ds} | {arch} | {t} | {len(rs)} | "
            f"{sum(r['already'] >= INERT for r in rs)} | {span('poison_rows', 'd')} | "
            f"{min(len(r['columns']) for r in rs)}–{max(len(r['columns']) for r in rs)} | "
            f"{sum(c['interior'] for c in cols)}/{len(cols)} | "
            f"{sum(c['enrichment'] <= 0.3 for c in cols)}/{len(cols)} | "
            f"{span('already', '.2f')} | {span('model_p', '+.2f')} / {span('ref_p', '+.2f')} | "
            f"{span('model_lo', '+.2f')} / {span('ref_lo', '+.2f')} |"
        )


def flip_inert(r: dict) -> bool:
    """The labelling rule of stop 31b: a backdoor is inert when the zoo's acceptance rule
    (``zoo.status``: flip rate >= MIN_FLIP on >= MIN_FLIPPABLE inputs) would not count it."""
    from types import SimpleNamespace

    from trojanscope.zoo import status

    metrics = {
        "attack_success_rate": r["asr"],
        "flip_rate": r["flip_rate"],
        "n_flippable": r["n_flippable"],
    }
    return status(SimpleNamespace(backdoored=True, metrics=metrics)) != "backdoored"


def excess_natural(r: dict, floor: float) -> bool:
    """The labelling rule of stop 35: a backdoor does not count when stop 31b's rule leaves
    it out (:func:`flip_inert`) or its flip rate beyond the clean models of its zoo and
    architecture (``tabular_excess_flips.py``) is below ``floor`` (NaN: not measured, does
    not count, as ``zoo.status`` judges a zoo made with ``--min-excess-flip``)."""
    return flip_inert(r) or not r["excess_flip_rate"] >= floor


def inert_set(
    inert_json: str | None, labels: str, floor: float = 0.25
) -> dict[tuple[str, str], dict]:
    """The inert backdoors of a ``--zoo --json`` output, by (table, name): ``already`` (stop
    31: the model already gives the target to >= INERT of the other rows) or ``flip`` (stop
    31b: :func:`flip_inert`); or of a ``tabular_excess_flips.py --json`` output, by (zoo
    folder's name, name): ``excess`` (stop 35: :func:`excess_natural` at ``floor``)."""
    if inert_json is None:
        return {}
    with open(inert_json) as fh:
        rows = [r for r in json.load(fh) if r["backdoored"]]
    if labels == "excess":
        return {(r["zoo"], r["name"]): r for r in rows if excess_natural(r, floor)}
    rule = flip_inert if labels == "flip" else (lambda r: r["already"] >= INERT)
    return {(r["dataset"], r["name"]): r for r in rows if rule(r)}


def rule_figures(
    files: list[str],
    calibration: str | None,
    inert_json: str | None,
    labels: str = "already",
    floor: float = 0.25,
) -> None:
    """Step 9's shipping-rule figures for packed ``zoo eval`` rows (``calibration``: rescored
    with that file, as ``bench_tabular_detect.py --calibration``): all models, the target-0
    tree backdoors with every clean tree, the clean models (flagged; mean -log(1 - p)), the
    target right among the flagged, per table x library x target, and the worst of those by
    cross-entropy; with ``inert_json`` (a ``--zoo --json`` output of the same zoos) the same
    without the inert backdoors (``labels``: which rule, :func:`inert_set`), and the inert
    ones listed apart."""
    from sklearn.metrics import log_loss

    from bench_tabular_detect import rescored
    from trojanscope.detect.calibration import load_calibrators

    rows = []
    for f in files:
        with open(f) as fh:
            d = json.load(fh)
        zoo = d["zoo"].rstrip("/").rsplit("/", 1)[-1]
        rows += [{**r, "dataset": d["dataset"], "zoo": zoo} for r in d["rows"]]
    if calibration is not None:
        cals = load_calibrators(calibration)
        rows = [{**r, "probability": rescored(r, cals)} for r in rows]
    inert = inert_set(inert_json, labels, floor)

    def key(r: dict) -> tuple[str, str]:
        return (r["zoo"] if labels == "excess" else r["dataset"], r["name"])

    def cells(sub: list[dict]) -> str:
        y = [int(r["backdoored"]) for r in sub]
        p = np.clip([r["probability"] for r in sub], 1e-6, 1 - 1e-6)
        auc = f"{roc_auc_score(y, p):.3f}" if len(set(y)) == 2 else "–"
        bad = [r for r in sub if r["backdoored"]]
        hit = [r for r in bad if r["probability"] >= 0.5]
        right = sum(r["predicted_target"] == r["target"] for r in hit)
        clean = [r for r in sub if not r["backdoored"]]
        return (
            f"{auc} / {log_loss(y, p, labels=[0, 1]):.3f} | {len(hit)}/{len(bad)} | "
            f"{sum(r['probability'] >= 0.5 for r in clean)}/{len(clean)} | "
            f"{np.mean([-np.log(1 - min(r['probability'], 1 - 1e-6)) for r in clean]):.3f}"
            f" | {right}/{len(hit)} |"
        )

    for label, keep in (
        ("every backdoor", rows),
        (
            "without the inert backdoors",
            [r for r in rows if key(r) not in inert],
        ),
    ):
        if label != "every backdoor" and inert_json is None:
            continue
        print(f"\n{label} ({sum(key(r) in inert for r in rows)} inert)")
        print(
            "| models | n (backdoored) | ROC-AUC / cross-entropy | backdoored flagged | "
            "clean flagged | clean: mean -log(1 - p) | target right (flagged) |"
        )
        print("|---|---|---|---|---|---|---|")
        groups = {
            "all": keep,
            "target-0 tree backdoors (+ every clean tree)": [
                r for r in keep if r["arch"] != "mlp" and (not r["backdoored"] or r["target"] == 0)
            ],
        }
        for ds in sorted({r["dataset"] for r in keep}):
            for arch in sorted({r["arch"] for r in keep}):
                for t in (0, 1):
                    groups[f"{ds} {arch} target {t} (+ its clean)"] = [
                        r
                        for r in keep
                        if r["dataset"] == ds
                        and r["arch"] == arch
                        and (not r["backdoored"] or r["target"] == t)
                    ]
        worst = (-1.0, "")
        for name, sub in groups.items():
            if sub:
                print(
                    f"| {name} | {len(sub)} ({sum(r['backdoored'] for r in sub)}) | " + cells(sub)
                )
                y = [int(r["backdoored"]) for r in sub]
                p = np.clip([r["probability"] for r in sub], 1e-6, 1 - 1e-6)
                if name.endswith("(+ its clean)") and 1 in y:
                    worst = max(worst, (log_loss(y, p, labels=[0, 1]), name))
        print(f"worst family by cross-entropy: {worst[1]} ({worst[0]:.3f})")
    if inert:
        print(
            f"\ninert backdoors ({labels}), apart: p >= 0.5 for "
            f"{sum(r['probability'] >= 0.5 for r in rows if key(r) in inert)}"
        )
        print(
            "| table | model | library | target | ASR | already | flip rate (of n) | "
            "clean models' flip rate | excess | p |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            f = inert.get(key(r))
            if f is not None:
                flips = f"{f['flip_rate']:.2f} ({f['n_flippable']})" if "flip_rate" in f else "–"
                asr = f"{f['asr']:.2f}" if "asr" in f else "–"
                cl = f"{f['clean_flip_rate']:.2f}" if "clean_flip_rate" in f else "–"
                ex = f"{f['excess_flip_rate']:.2f}" if "excess_flip_rate" in f else "–"
                print(
                    f"| {r['dataset']} | {r['zoo']}/{r['name']} | {r['arch']} | {r['target']} "
                    f"| {asr} | {f['already']:.2f} | {flips} | {cl} | {ex} | "
                    f"{r['probability']:.3f} |"
                )


def combined(parts: list[Candidate]) -> Candidate:
    """Several assignments on different columns as one candidate."""
    return Candidate(
        " and ".join(c.column for c in parts),
        " and ".join(f"{c.column} = {c.text}" for c in parts),
        [i for c in parts for i in c.cols],
        [v for c in parts for v in c.vals],
    )


def pair_flips(
    search: TabularSearch,
    model: torch.nn.Module,
    x: torch.Tensor,
    t: int,
    candidates: list[Candidate],
    seeds: int = 15,
) -> tuple[float, float]:
    """The flip rate towards ``t`` of the best pair, and of the best triple extending it, of
    the ``seeds`` single assignments that raise ``t`` most (every pair on two columns): a
    trigger whose values act only together, which the greedy search, one value at a time,
    can miss."""
    if not candidates or len(x) == 0:
        return 0.0, 0.0
    single, _ = search.score_all(model, x, t, candidates)
    top = [candidates[i] for i in np.argsort(-single, kind="stable")[:seeds]]
    pairs = [[a, b] for a, b in itertools.combinations(top, 2) if a.column != b.column]
    if not pairs:
        return 0.0, 0.0
    _, rates = search.score_all(model, x, t, [combined(p) for p in pairs])
    best = pairs[int(np.argmax(rates))]
    triples = [[*best, s] for s in top if s.column not in {c.column for c in best}]
    if not triples:
        return float(rates.max()), float(rates.max())
    _, rates3 = search.score_all(model, x, t, [combined(p) for p in triples])
    return float(rates.max()), float(max(rates.max(), rates3.max()))


def response(logits: torch.Tensor, c: int, log_odds: bool) -> torch.Tensor:
    """Each row's probability of ``c``, or its log odds from the logits (no saturation)."""
    if not log_odds:
        return torch.softmax(logits, dim=1)[:, c]
    others = torch.cat([logits[:, :c], logits[:, c + 1 :]], dim=1)
    return logits[:, c] - torch.logsumexp(others, dim=1)


def single_excess(model, ref, x: torch.Tensor, c: int, cands: list, log_odds: bool) -> float:
    """The largest rise of ``c``'s response over rows ``x`` from one assignment, the model's
    less the logistic reference's."""
    best = -np.inf
    with torch.no_grad():
        base_m = response(model(x).float(), c, log_odds).mean()
        base_r = response(ref(x).float(), c, log_odds).mean()
        for cand in cands:
            z = apply(x, cand)
            rise = (response(model(z).float(), c, log_odds).mean() - base_m) - (
                response(ref(z).float(), c, log_odds).mean() - base_r
            )
            best = max(best, float(rise))
    return best if np.isfinite(best) else 0.0


def pair_study(zoo: str) -> list[dict]:
    """Per model, the majority class's search rows as ``tabular-search`` picks them: the
    greedy flip after 1-3 values, the best pair's and triple's (``pair_flips``), and for a
    backdoor towards that class, the real trigger's flip on the same rows."""
    dataset, entries, test, schema, x, y, ref = zoo_data(zoo)
    out = []
    for e in entries:
        model = load_model(f"{zoo}/{e.name}").module.eval()
        search = TabularSearch()
        with torch.no_grad():
            logits = model(x).float()
        own = logits.argmax(1)
        m = int(np.bincount(own.numpy(), minlength=test.num_classes).argmax())
        top2 = torch.topk(logits, 2, dim=1).values
        margin = top2[:, 0] - top2[:, 1]
        others = torch.nonzero((y != m) & (own == y)).flatten()
        row = {**head(zoo, dataset, e, m), "minority_rows": len(others)}
        if len(others):
            pick = others[torch.argsort(-margin[others])[: search.rows]]
            cands = search.candidates(model, schema, x)
            neutral = [
                c
                for c in cands
                if enrichment(x, y, m, c, search.neighbours) <= search.max_enrichment
            ]
            flips, _, _ = search.greedy(model, x[pick], m, neutral)
            en = {id(c): enrichment(x, y, m, c, search.neighbours) for c in neutral}
            for bar in STRICT:
                strict = [c for c in neutral if en[id(c)] <= bar]
                row[f"strict_{bar:+.1f}"] = search.greedy(model, x[pick], m, strict)[0][0]
            inner = interior(neutral, x, search.excess_tail)
            inner_flips = search.greedy(model, x[pick], m, inner)[0]
            row.update(
                interior_1=inner_flips[0], interior_2=inner_flips[1], interior_3=inner_flips[2]
            )
            pair, triple = pair_flips(search, model, x[pick], m, neutral)
            row.update(
                greedy_1=flips[0],
                greedy_2=flips[1],
                greedy_3=flips[2],
                pair=pair,
                triple=triple,
                single_p=single_excess(model, ref, x[pick], m, neutral, False),
                single_lo=single_excess(model, ref, x[pick], m, neutral, True),
            )
            if e.backdoored and e.target == m:
                trig = build_attack(e).trigger.bind(schema)
                with torch.no_grad():
                    hit = model(trig.apply(x[pick])).float().argmax(1)
                row["trigger_flip"] = float((hit == m).float().mean())
        else:
            row.update(
                greedy_1=0.0,
                greedy_2=0.0,
                greedy_3=0.0,
                pair=0.0,
                triple=0.0,
                single_p=0.0,
                single_lo=0.0,
                **{f"strict_{b:+.1f}": 0.0 for b in STRICT},
                interior_1=0.0,
                interior_2=0.0,
                interior_3=0.0,
            )
        out.append(row)
        print(
            " ".join(
                f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}"
                for k, v in row.items()
                if k != "zoo"
            ),
            flush=True,
        )
    return out


def line(r: dict) -> str:
    head = (
        f"{r['dataset'][:6]} {r['arch']:8s} {r['name']:26s} t={r['target']} "
        f"major={r['major']} gives_major={r['gives_major']:.3f} "
    )
    if not r["backdoored"]:
        return head
    cols = "; ".join(
        f"{c['column']}={c['value']}({'in' if c['interior'] else 'OUT'},"
        f"sh {c['share']:.3f},en {c['enrichment']:+.2f})"
        for c in r["columns"]
    )
    return (
        f"{head}\n    poison {r['poison_rows']} rows; already {r['already']:.2f}; ASR "
        f"{r['asr']:.3f}, flip rate {r['flip_rate']:.3f} of {r['n_flippable']}; trigger "
        f"rise p {r['model_p']:+.3f} (ref {r['ref_p']:+.3f}), log odds "
        f"{r['model_lo']:+.2f} (ref {r['ref_lo']:+.2f}); {cols}"
    )


def ranks(rows: list[dict], keys: list[str]) -> None:
    """Raw ROC-AUC of each key per table x library x target (+ the family's clean models)."""
    fams = defaultdict(list)
    for r in rows:
        fams[(r["dataset"], r["arch"])].append(r)
    for (ds, arch), rs in sorted(fams.items()):
        clean = [r for r in rs if not r["backdoored"]]
        for t in (0, 1):
            bd = [r for r in rs if r["backdoored"] and r["target"] == t]
            if not bd or not clean:
                continue
            y = [0] * len(clean) + [1] * len(bd)
            aucs = " ".join(f"{k} {roc_auc_score(y, [r[k] for r in clean + bd]):.3f}" for k in keys)
            print(f"{ds:14s} {arch:8s} target {t}: {len(bd)} vs {len(clean)} clean: {aucs}")


def rows_study(files: list[str]) -> None:
    """Per table x library x target: features that move (backdoored above every clean
    model) and those that stay inside the clean range."""
    rows = []
    for f in files:
        with open(f) as fh:
            d = json.load(fh)
        for r in d["rows"]:
            rows.append({**r, "dataset": r.get("dataset", d.get("dataset"))})
    fams = defaultdict(list)
    for r in rows:
        fams[(r["dataset"], r["arch"])].append(r)
    for (ds, arch), rs in sorted(fams.items()):
        clean = [r for r in rs if not r["backdoored"]]
        keys = sorted(
            k
            for k in rs[0]["features"]
            if not k.endswith("_ref") and k not in ("calibrated", "tab_tree")
        )
        for t in (0, 1):
            bd = [r for r in rs if r["backdoored"] and r["target"] == t]
            if not bd or not clean:
                continue
            moves, inside = [], []
            for k in keys:
                cv = np.array([r["features"].get(k, 0.0) for r in clean])
                bv = np.array([r["features"].get(k, 0.0) for r in bd])
                above = int((bv > cv.max()).sum())
                if above:
                    moves.append(f"{k} {above}")
                elif (bv >= cv.min()).all():
                    inside.append(k)
            flagged = sum(r["probability"] >= 0.5 for r in bd)
            print(
                f"{ds:14s} {arch:8s} target {t}: {len(bd)} backdoored ({flagged} flagged), "
                f"{len(clean)} clean\n    above every clean: {', '.join(moves) or 'none'}"
                f"\n    inside the clean range: {', '.join(inside)}"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--zoo", nargs="+", default=[])
    ap.add_argument("--rows", nargs="+", default=[])
    ap.add_argument("--pairs", nargs="+", default=[], help="zoos: the pair search study")
    ap.add_argument("--rule", nargs="+", default=[], help="packed rows: step 9's rule figures")
    ap.add_argument("--calibration", default=None, help="with --rule: rescore with this file")
    ap.add_argument("--inert", default=None, help="with --rule: a --zoo --json output")
    ap.add_argument(
        "--labels",
        choices=("already", "flip", "excess"),
        default="already",
        help="with --inert: which backdoors are inert (already: the model gives the target to "
        ">= 0.99 of the other rows; flip: the zoo's flip-rate rule, zoo.status; excess: that "
        "and the flip rate beyond the clean models, a tabular_excess_flips.py --json output)",
    )
    ap.add_argument(
        "--min-excess",
        type=float,
        default=0.25,
        help="with --labels excess: the floor (stop 35's rule: 0.25)",
    )
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.rows:
        rows_study(args.rows)
    if args.rule:
        rule_figures(args.rule, args.calibration, args.inert, args.labels, args.min_excess)
    out = []
    for zoo in args.zoo:
        out += study(zoo)
    if out:
        footprints(out)
    pairs = [r for zoo in args.pairs for r in pair_study(zoo)]
    if pairs:
        ranks(
            pairs,
            ["greedy_1", "greedy_2", "greedy_3", "pair", "triple", "single_p", "single_lo"]
            + [f"strict_{b:+.1f}" for b in STRICT]
            + ["interior_1", "interior_2", "interior_3"],
        )
        out += pairs
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1, default=float)


if __name__ == "__main__":
    main()
