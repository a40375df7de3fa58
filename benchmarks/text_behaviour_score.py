"""The behaviour-aware text calibrators (``text-inversion -p behaviour=1``) from rows files alone:
``text-inversion:behaviour`` (for a frequency-ordered word vocabulary: the vocabulary-rank
features with behaviour features, so a model whose vocabulary was fitted on clean text is not
read by its ranks alone) and ``text-inversion:behaviour:unordered`` (behaviour features only,
for a vocabulary the ``tv_order`` guard marks unordered). Each design is chosen by
leave-one-out cross-entropy on the pooled ``--cal-rows`` (the ordered path on the rows whose
vocabulary is frequency-ordered, the unordered path on every row: behaviour does not depend on
the vocabulary), then scored on each ``--eval-rows`` file beside the verdict of
``calibration.json`` as shipped (``text-inversion`` + the order guard's
``text-inversion:transformer``) — over all models, per attack and per ``--groups`` name prefix.

    python benchmarks/text_behaviour_score.py \
        --cal-rows benchmarks/data/text_rows/text-dev1000-addsent.json \
                   benchmarks/data/text_rows/text-cal1300.json \
                   benchmarks/data/text_rows/text-fdev1600.json \
        --eval-rows benchmarks/data/text_rows/text-eval1400.json \
        --designs tv_gap3,ti_prob_1 --unordered-designs ti_prob_1 \
        --groups cnn-min2 bag-top8k cnn-cleanvocab bag-alpha [--write-calibration] [--json out]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_text_detect import METHOD, SHIPPED, choose_design
from text_rows_score import FALLBACK, probabilities, read_rows, report, show, write_json
from trojanscope.detect.calibration import (
    Calibrator,
    fit_calibrator,
    load_calibrators,
    save_calibrators,
)
from trojanscope.detect.coverage import count_traits
from trojanscope.detect.evaluate import ZooRow
from trojanscope.detect.text_inversion import one_token_surprise
from trojanscope.detect.text_vocab_rank import ORDER_MAX

ORDERED_KEY, UNORDERED_KEY = f"{METHOD}:behaviour", f"{METHOD}:behaviour:unordered"


def ordered(row: ZooRow) -> bool:
    """Whether the order guard lets the vocabulary-rank features be read (rows computed before
    ``tv_order`` existed all come from ``WordVocab.fit`` vocabularies: ordered)."""
    return row.features.get("tv_order", -1.0) <= ORDER_MAX


def with_derived(rows: list[ZooRow]) -> list[ZooRow]:
    """Rows computed before ``ti_surprise_1`` existed get it from their ``ti_prob_1`` (the
    detector computes it the same way)."""
    for r in rows:
        r.features.setdefault("ti_surprise_1", one_token_surprise(r.features["ti_prob_1"]))
    return rows


def fit_path(rows: list[ZooRow], designs: list[str], zoo: list[str]) -> tuple[Calibrator, dict]:
    """The design of lowest LOO cross-entropy on ``rows``, fitted on them."""
    named = {d: d.split(",") for d in designs}
    design, c, loo = choose_design(rows, named)
    cal = fit_calibrator(
        METHOD,
        [r.features for r in rows],
        [int(r.backdoored) for r in rows],
        named[design],
        transform="none",
        c=c,
        zoo=zoo,
        models=f"{len(rows)} development rows (TextCNNs and mean-pooled word models)",
        coverage=count_traits(r.traits for r in rows),  # the coverage notes read it
    )
    return cal, {"design": design, "c": c, "loo": loo, "calibrator": asdict(cal)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cal-rows", type=Path, nargs="+", required=True)
    parser.add_argument("--eval-rows", type=Path, nargs="+", required=True)
    parser.add_argument("--designs", nargs="+", required=True, metavar="F1,F2,...")
    parser.add_argument("--unordered-designs", nargs="+", required=True, metavar="F1,F2,...")
    parser.add_argument("--groups", nargs="*", default=[])
    parser.add_argument("--write-calibration", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    cal_rows = with_derived(read_rows(opts.cal_rows))
    zoo = [p.stem for p in opts.cal_rows]
    main_cal, main_fit = fit_path([r for r in cal_rows if ordered(r)], opts.designs, zoo)
    un_cal, un_fit = fit_path(cal_rows, opts.unordered_designs, zoo)
    print(
        f"ordered path: {main_fit['design']}, C = {main_fit['c']}: coef {main_cal.coef}; "
        f"unordered path: {un_fit['design']}, C = {un_fit['c']}: coef {un_cal.coef}"
    )
    shipped = load_calibrators(SHIPPED)
    result = {"ordered": main_fit, "unordered": un_fit, "eval": {}}
    for path in opts.eval_rows:
        rows = with_derived(read_rows([path]))
        result["eval"][path.name] = {
            name: report(rows, probabilities(rows, cal, guard), opts.groups)
            for name, cal, guard in (
                ("shipped (text-inversion + order guard)", shipped[METHOD], shipped[FALLBACK]),
                ("behaviour=1", main_cal, un_cal),
            )
        }
        show(path.name, result["eval"][path.name])
    if opts.write_calibration:
        shipped[ORDERED_KEY], shipped[UNORDERED_KEY] = main_cal, un_cal
        save_calibrators(shipped, SHIPPED)
    write_json(opts.json, result)


if __name__ == "__main__":
    main()
