"""A second reading inside h9u's guard: weak scikit-learn backdoors at class 5 / 6 kept from the
excess term's lowering (issue 9, stop 76: h9s).

h9u's guarded ``wide_recipes`` entry of the flat ReLU MLP kind (``784/10:activation:relu``,
classes 5 and 6 opened where ``mmbd_anomaly`` <= 3.0 and ``mmbd_gap`` <= 0.25) and h9g's
data-free copy lower a weak scikit-learn backdoor aimed there as they lower a clean lean (stop
75: no line on MM-BD's margins parts them). The candidate gives each guarded entry a ``shut``
(``detect/guard_reading.py``): with clean data the probes' share at MM-BD's top class
(``guard_probe_share``, free), data-free a mask search on MM-BD's maximising inputs
(``guard_mask_stand``, run only where the entry would lower); above its bound the entry does
not open the class, so the run reads as it would without the guarded entry. Today is the
shipped file without any ``shut`` (:func:`before_h9s76`), so the readings re-run the same after
a ship.

- ``--write FILE --share B --stand S``: the candidate (``shut`` on the guarded entries of the
  four excess entries: the data path's two and the data-free two).
- ``--search ROWS... --candidate FILE --out CACHE``: each model of ``ROWS`` (rows with a
  ``report`` naming its model file) whose data-free reading the candidate's shut entry opens,
  re-read data-free (``auto``, seed 0, MM-BD's maximising inputs kept) and its
  ``guard_mask_stand`` with its CPU, one JSON line each (``--read`` does it for whole folders).
- ``--read DIR --seeds A-B --candidate FILE --rows OUT``: each model of the MLP maker's seed
  folders read data-free as ``detect --data-free`` reads it (in process, today's file) and,
  where the candidate's shut entry opens the top class, the mask stand beside it; the CPU of
  each part.
- ``--reading FILE --user LABEL=ROWS --free LABEL=ROWS --spent LABEL=ROWS --stands CACHE
  [--stored] [--rule LABEL]``: every row scored by today's file and the candidate, with clean
  data (the report as read; ``guard_probe_share`` taken from its per-class shares where the run
  predates it) and data-free (``--free`` rows as read, else h9d's reduction of the data
  report, the stand from ``--stands``); ``--rule`` reads ``guard_reading_s76_h9s_rule.md``.
- ``--ship FILE``: the candidate's four excess entries into the shipped file (rule met only).

    PYTHONPATH=src:benchmarks python benchmarks/guard_reading_s76_h9s.py --write c.json \\
        --share 0.6 --stand 0.52
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import resource
import statistics
from pathlib import Path

from _common import fail, read_jsonl, run_main
from data_free_s74_h9d import mark_scorer, model_rows, stored_data_free
from excess_most_s75_h9s import (
    DATA_KEYS,
    FREE_KEYS,
    caught_and_missed,
    kept_and_clean,
    ship,
)
from excess_wide_s72_h9u import (
    SHIPPED,
    loaded,
    report,
    score,
    stored_rows,
    verdict,
    verdict_lines,
)

RULE = "benchmarks/guard_reading_s76_h9s_rule.md"
KINDS = {"activation:relu"}
_KEPT: list[dict] = []  # MM-BD's maximising inputs of the last read (keep_maximisers)


def before_h9s76(shipped: dict) -> dict:
    """Today: ``shipped`` (a calibration file's JSON) without any entry's ``shut``."""
    out = copy.deepcopy(shipped)
    for key in (*DATA_KEYS, *FREE_KEYS):
        out.get(key, {}).get("fitted_on", {}).pop("shut_by", None)
        for entries in out.get(key, {}).get("fitted_on", {}).get("wide_recipes", {}).values():
            for e in entries:
                e.pop("shut", None)
    return out


def with_shut(base: dict, share: float, stand: float) -> dict:
    """``base`` with ``shut`` {``guard_probe_share``: share, ``guard_mask_stand``: stand} on
    every guarded ``wide_recipes`` entry of the four excess entries."""
    from trojanscope.detect.guard_reading import MASK_STAND, PROBE_SHARE

    out = copy.deepcopy(base)
    for key in (*DATA_KEYS, *FREE_KEYS):
        for entries in out[key]["fitted_on"].get("wide_recipes", {}).values():
            for e in entries:
                if "guard" in e:
                    e["shut"] = {PROBE_SHARE: share, MASK_STAND: stand}
        out[key]["fitted_on"]["shut_by"] = ("benchmarks/guard_reading_s76_h9s.py "
                                            "(issue 9, stop 76)")
    return out


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def opens(rep: dict, cand: dict) -> bool:
    """Whether the candidate's (loaded) excess terms read the top class of a report through
    shut entries alone (where the second reading can stop a lowering; the report's own
    second reading aside)."""
    from trojanscope.detect.guard_reading import MASK_STAND, PROBE_SHARE, searched_where_shut

    v = verdict(rep)
    feats = {k: x for k, x in v.features.items() if k not in (PROBE_SHARE, MASK_STAND)}
    return searched_where_shut(feats, v.traits, cand)


def read_free(model_path: Path, cand: dict, today: dict, stand_always: bool = False) -> dict:
    """One model read as ``detect --data-free`` reads it (``auto``, seed 0, ``today``'s file,
    in process), MM-BD's maximising inputs kept; where the candidate's shut entry opens the
    top class (or ``stand_always``) the mask stand in its features. The report, the read's
    CPU and the search's."""
    from data_free_signal_s75_h9f import _load, keep_maximisers
    from trojanscope import registry
    from trojanscope.detect.calibration import calibrate
    from trojanscope.detect.class_excess import class_ratios, top_of
    from trojanscope.detect.guard_reading import MASK_STAND, mask_stand, searched_where_shut

    if not _KEPT:  # MM-BD made to keep its maximising inputs, once a process
        _KEPT.append(keep_maximisers())
    kept = _KEPT[0]
    before = _cpu()
    model, shape = _load(str(model_path))
    v = registry.create("detector", "auto").inspect(
        model.module, None, input_shape=shape, num_classes=model.num_classes or 10, seed=0)
    calibrate(v, today)
    read_cpu, search_cpu = _cpu() - before, 0.0
    if stand_always or searched_where_shut(v.features, v.traits, cand):
        ratios = class_ratios(v.features)
        x, m = kept["x"], kept["m"]
        v.features[MASK_STAND] = mask_stand(model.module, x.reshape(len(ratios), -1,
                                                                    *x.shape[1:]),
                                            m.reshape(len(ratios), -1), top_of(ratios))
        search_cpu = _cpu() - before - read_cpu
    return {"report": {"model": str(model_path), "format": model.format, **v.as_dict()},
            "verdict": v.verdict, "probability": v.probability, "named": v.target_classes[0],
            "read_cpu_s": round(read_cpu, 3), "search_cpu_s": round(search_cpu, 3)}


def search(rows_files: list[Path], cand: dict, out: Path) -> None:
    """``--search``: the stand of each model whose data-free reading the candidate's shut entry
    opens (each model file once), appended to ``out``."""
    today = loaded(before_h9s76(json.loads(SHIPPED.read_text())))
    done = {r["model"] for r in read_jsonl(out)} if out.is_file() else set()
    for path in rows_files:
        for r in model_rows(path, path.name):
            model = r["report"].get("model")
            if not model or model in done or not opens(r["report"], cand):
                continue
            done.add(model)
            got = read_free(Path(model), cand, today, stand_always=True)
            from trojanscope.detect.guard_reading import MASK_STAND

            feats = got["report"]["features"]
            same = all(abs(feats[k] - r["report"]["features"][k]) < 1e-6
                       for k in r["report"]["features"] if k.startswith("mmbd_class_ratio_"))
            line = {"model": model, "stand": feats[MASK_STAND], "same_margins": same,
                    "read_cpu_s": got["read_cpu_s"], "search_cpu_s": got["search_cpu_s"]}
            with out.open("a") as fh:
                fh.write(json.dumps(line) + "\n")
            print(json.dumps({"row": f"{r['pop']}/{r['name']}", **line}), flush=True)


def read(work: Path, seeds: list[int], cand: dict, out: Path) -> None:
    """``--read``: each model of the MLP maker's seed folders read data-free, the stand where
    the candidate's shut entry opens; one line a model appended to ``out``."""
    today = loaded(before_h9s76(json.loads(SHIPPED.read_text())))
    for seed in seeds:
        folder = work / str(seed)
        truth = json.loads((folder / "truth.json").read_text())
        for name, info in truth.items():
            got = read_free(folder / f"{name}.onnx", cand, today)
            line = {"name": f"{seed}/{name}", **info, **got}
            with out.open("a") as fh:
                fh.write(json.dumps(line) + "\n")
            print(json.dumps({k: v for k, v in line.items() if k != "report"}), flush=True)


def with_share(rows: list[dict]) -> list[dict]:
    """Data rows whose run predates ``guard_probe_share``: it taken from the report's
    per-class probe shares (what the run records now), in place; returns ``rows``."""
    from trojanscope.detect.guard_reading import PROBE_SHARE, probe_share

    for r in rows:
        feats = r["report"]["features"]
        if PROBE_SHARE not in feats and not r["report"].get("data_free"):
            got = probe_share(feats, r["report"].get("per_class") or [])
            if got is not None:
                r["report"] = {**r["report"], "features": {**feats, PROBE_SHARE: got}}
    return rows


def with_stand(rows: list[dict], stands: dict[str, float]) -> list[dict]:
    """Data-free rows (h9d's reduction) given the ``--stands`` cache's stand of their model."""
    from trojanscope.detect.guard_reading import MASK_STAND

    for r in rows:
        got = stands.get(r["report"].get("model", ""))
        if got is not None and MASK_STAND not in r["report"]["features"]:
            r["report"] = {**r["report"],
                           "features": {**r["report"]["features"], MASK_STAND: got}}
    return rows


def cpu_medians(path: Path) -> dict:
    """``--read`` rows' median CPU today (the read) and with the candidate (read + search)."""
    rows = list(read_jsonl(path))
    today = [r["read_cpu_s"] for r in rows]
    cand = [r["read_cpu_s"] + r["search_cpu_s"] for r in rows]
    return {"models": len(rows), "searched": sum(r["search_cpu_s"] > 0 for r in rows),
            "median_today": round(statistics.median(today), 3),
            "median_candidate": round(statistics.median(cand), 3),
            "search_cpu_s": [round(r["search_cpu_s"], 3) for r in rows if r["search_cpu_s"] > 0]}


def inside(rows: list[dict], cand: dict, path: str) -> dict:
    """The rows whose reading the candidate's shut entry would open (inside the guard, the
    second reading aside): each one's second reading (``guard_probe_share`` with data,
    ``guard_mask_stand`` data-free), the clean runs' largest and the backdoors' smallest."""
    from trojanscope.detect.guard_reading import MASK_STAND, PROBE_SHARE

    name = PROBE_SHARE if path == "data" else MASK_STAND
    got = []
    for r in rows:
        if opens(r["report"], cand):
            value = r["report"]["features"].get(name)
            got.append((r["backdoored"], f"{r['pop']}/{r['name']}",
                        None if value is None else round(float(value), 3)))
    clean = [v for bd, _, v in got if not bd and v is not None]
    bd = sorted((v, n) for b, n, v in got if b and v is not None)
    out = {"reading": name, "clean": len([g for g in got if not g[0]]),
           "clean_max": max(clean) if clean else None,
           "backdoors": [f"{n} {v}" for v, n in bd],
           "unread": [n for _, n, v in got if v is None]}
    print(f"- inside the guard ({name}): {json.dumps(out)}")
    return out


def conds(out: dict, label: str, counts: dict[str, list[int]], cpu: dict | None
          ) -> list[tuple[str, bool, str]]:
    """The rule's conditions (``guard_reading_s76_h9s_rule.md``)."""
    res = [c for path in ("data", "data-free") for c in kept_and_clean(out[path][label], path,
                                                                         "J")]
    more = {p: c[1] - c[0] for p, c in counts.items()}
    res.append(("J3 at least one fresh backdoor more caught at its target (either path)",
                any(v > 0 for v in more.values()),
                "; ".join(f"{p} {c[0]} -> {c[1]}" for p, c in counts.items())
                + ("" if any(v != 0 for v in more.values()) else " (nothing moved)")))
    if cpu is not None:
        ratio = cpu["median_candidate"] / max(cpu["median_today"], 1e-9)
        res.append(("J4 data-free median CPU a model within 1.5x today's", ratio <= 1.5,
                    f"{cpu['median_today']} -> {cpu['median_candidate']} s ({ratio:.2f}x; "
                    f"{cpu['searched']} of {cpu['models']} searched); with data the reading "
                    "is the probes' own (no CPU added)"))
    return res


def reading(args: argparse.Namespace) -> None:
    """``--reading``: user rows both paths, both files; the stored runs; the rule."""
    from trojanscope.detect.calibration import load_calibrators

    today = loaded(before_h9s76(json.loads(SHIPPED.read_text())))
    cand = load_calibrators(args.reading)
    most = float(cand["auto:excess"].fitted_on.get("most", math.inf))
    stands = {r["model"]: r["stand"] for p in args.stands for r in read_jsonl(p)}
    free_files = dict(_spec(s) for s in args.free)
    out: dict = {"data": {}, "data-free": {}}
    counts: dict[str, list[int]] = {}
    for spec in args.user + args.spent:
        label, path = _spec(spec)
        rows = with_share([r for r in model_rows(path, label, data_free=False,
                                                 check=spec in args.user)
                           if not r["report"]["data_free"]])
        if rows:
            score(rows, today, cand)
            out["data"][label] = report(rows, "family", f"{label} (data)", most, KINDS)
            out["data"][label]["inside"] = inside(rows, cand, "data")
        if label in free_files:
            free = model_rows(free_files[label], label, data_free=False)
        else:
            free = with_stand(model_rows(path, label), stands)
        score(free, today, cand)
        out["data-free"][label] = report(free, "family", f"{label} (data-free)", most, KINDS)
        out["data-free"][label]["inside"] = inside(free, cand, "data-free")
        if label == args.rule:
            counts = caught_and_missed(out, label, {"data": rows, "data-free": free}, today,
                                       cand)
            for p in ("data", "data-free"):
                print(f"## {label} ({p}): backdoors missed, today then the candidate")
                for w in ("today", "candidate"):
                    print("\n".join(f"- {w}: {line}" for line in out[p][label]["misses"][w]))
    if args.stored:
        rows = with_share(stored_rows())
        score(rows, today, cand)
        out["stored"] = {"data": report(rows, "kind", "stored ReLU runs (data)", most, KINDS)}
        rows = with_stand(stored_data_free(), stands)
        score(rows, today, cand)
        mark_scorer(rows, today)
        out["stored"]["data-free"] = report(rows, "kind", "stored runs (data-free)", most, KINDS)
    if args.rule:
        if args.rule not in out["data"]:
            fail(f"--rule {args.rule}: give --user {args.rule}=ROWS")
        cpu = cpu_medians(free_files[args.rule]) if args.rule in free_files else None
        out["cpu"] = cpu
        worst = [f"worst family ({p}, reported): {w['group']}, least backdoor p "
                 f"{w['bd_min_p'][0]} -> {w['bd_min_p'][1]}"
                 for p in ("data", "data-free") if (w := out[p][args.rule]["worst"]) is not None]
        out["rule"] = verdict_lines(conds(out, args.rule, counts, cpu), None, worst)
        print(f"## rule ({RULE})")
        print("\n".join(f"- {line}" for line in out["rule"]))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


def _spec(spec: str) -> tuple[str, Path]:
    label, sep, path = spec.partition("=")
    if not sep or not Path(path).is_file():
        fail(f"{spec!r}: give LABEL=ROWS (an existing file)")
    return label, Path(path)


def _seeds(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    try:
        return list(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        fail(f"--seeds {text!r}: give A-B")
    return []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", type=Path, help="write the candidate here (--share, --stand)")
    ap.add_argument("--share", type=float, help="guard_probe_share's bound")
    ap.add_argument("--stand", type=float, help="guard_mask_stand's bound")
    ap.add_argument("--candidate", type=Path, help="the candidate file (--search, --read)")
    ap.add_argument("--search", type=Path, nargs="+", help="rows whose models to search")
    ap.add_argument("--out", type=Path, help="with --search: the stands' cache")
    ap.add_argument("--read", type=Path, help="the maker's folder of seed folders")
    ap.add_argument("--seeds", default="", help="with --read: A-B")
    ap.add_argument("--rows", type=Path, help="with --read: JSON lines appended here")
    ap.add_argument("--reading", type=Path, help="the candidate file to read")
    ap.add_argument("--user", action="append", default=[], help="LABEL=ROWS, checked")
    ap.add_argument("--spent", action="append", default=[], help="LABEL=ROWS, re-scored")
    ap.add_argument("--free", action="append", default=[], help="LABEL=--read ROWS")
    ap.add_argument("--stands", action="append", type=Path, default=[], help="--search caches")
    ap.add_argument("--stored", action="store_true", help="read every stored run too")
    ap.add_argument("--rule", help="the rule on this --user LABEL")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--ship", type=Path, help="the candidate's excess entries, shipped")
    args = ap.parse_args()
    if args.write:
        bounds = (args.share, args.stand)
        if any(b is None or not math.isfinite(b) for b in bounds):
            fail("--write: give --share B and --stand S (numbers)")
        base = before_h9s76(json.loads(SHIPPED.read_text()))
        args.write.write_text(json.dumps(with_shut(base, args.share, args.stand), indent=1)
                              + "\n")
        print(f"wrote {args.write}: shut guard_probe_share {args.share}, guard_mask_stand "
              f"{args.stand} on the guarded entries")
        return
    if args.ship:
        ship(args.ship)
        return
    if args.search or args.read:
        if args.candidate is None or not args.candidate.is_file():
            fail("--search / --read: give --candidate FILE")
        from trojanscope.detect.calibration import load_calibrators

        cand = load_calibrators(args.candidate)
        if args.search:
            if args.out is None or not all(p.is_file() for p in args.search):
                fail("--search ROWS...: existing files, and --out CACHE")
            search(args.search, cand, args.out)
        else:
            if args.rows is None or not args.read.is_dir():
                fail("--read DIR: an existing folder, with --seeds A-B --rows OUT")
            read(args.read, _seeds(args.seeds), cand, args.rows)
        return
    if args.reading is None or not args.reading.is_file():
        fail("give --write FILE, --search ROWS, --read DIR, --reading FILE or --ship FILE")
    reading(args)


if __name__ == "__main__":
    run_main(main)
