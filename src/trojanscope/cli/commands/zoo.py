"""``trojanscope zoo``: build model zoos with ground truth; evaluate and calibrate detectors."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from trojanscope.cli.common import (
    METHOD_PARAM,
    OutputFormat,
    command,
    parse_params,
    print_json,
    refuse_early,
    stderr_console,
    stdout_console,
)
from trojanscope.cli.executor_opts import (
    ADDRESS,
    EXECUTOR,
    TRIES,
    WORKERS,
    open_executor,
    task_progress,
)
from trojanscope.errors import UserInputError
from trojanscope.io.atomic import check_output_file, write_text_atomic
from trojanscope.io.json_file import dumps
from trojanscope.params import check_share

if TYPE_CHECKING:
    from trojanscope.detect.calibration import Calibrator
    from trojanscope.detect.evaluate import ZooRow

zoo_app = typer.Typer(
    help="Model zoos: populations of clean and backdoored models with truth.json.",
    no_args_is_help=True,
)



def zoo_label(zoo: Path) -> str:
    """How a calibrator records a zoo it was fitted on: the path as given when relative, else
    relative to the working folder, else the folder's name (no scratch path of one machine)."""
    if not zoo.is_absolute():
        return str(zoo)
    try:
        return str(zoo.relative_to(Path.cwd()))
    except ValueError:
        return zoo.name

def parse_targets(text: str) -> list[int]:
    """``--targets 0,2`` as classes; a value that is not ASCII digits is one error line (``int``
    alone would take ``+1``, `` 1 ``, ``1_0`` and other scripts' digits: review of stop 38)."""
    out = []
    for part in text.split(","):
        if not (part.isascii() and part.isdigit()):
            raise UserInputError(
                f"--targets: {part!r} is not a class number (ASCII digits, comma-separated)"
            )
        out.append(int(part))
    return out


@zoo_app.command("make")
def make(
    dataset: str = typer.Option("mnist", "--dataset", "-d"),
    clean: int = typer.Option(20, "--clean", min=0, help="Number of clean models."),
    backdoored: int = typer.Option(20, "--backdoored", min=0, help="Number of backdoored models."),
    epochs: int = typer.Option(8, "--epochs", min=1),
    seed: int = typer.Option(
        0,
        "--seed",
        min=0,
        max=2**63 - 1,
        help="Seeds the population (use different seeds for calibration and evaluation zoos).",
    ),
    out: Path = typer.Option(..., "--out", "-o"),
    attacks: str = typer.Option(
        None, "--attacks", help="Comma-separated attacks (default: every registered zoo attack)."
    ),
    arch_variants: bool = typer.Option(
        False, "--arch-variants", help="Also draw activations, pooling and normalisation."
    ),
    tree_subsample: float = typer.Option(
        None, "--tree-subsample", help="Grow each boosted tree on this share (0-1] of the rows "
        "and of the columns, drawn with the model's seed, so clean trees differ from seed to "
        "seed (default: all rows and columns; two clean trees of one variant are the same)."
    ),
    tree_full_share: float = typer.Option(
        None, "--tree-full-share", help="With --tree-subsample: each boosted-tree model keeps "
        "every row and column (as a user's default model) with this probability, drawn from "
        "its own stream (default: none; every tree samples)."
    ),
    min_excess_flip: float = typer.Option(
        None, "--min-excess-flip", help="Opt-in acceptance: a backdoor counts only if its flip "
        "rate is at least this much above the same trigger's mean flip rate on the zoo's clean "
        "models of its architecture; the others are recorded as 'natural' and left out of "
        "evaluation (default: off, stop 31b's flip-rate rule alone)."
    ),
    archs: str = typer.Option(
        None, "--archs", help="Comma-separated architectures to cycle (default: the "
        "dataset's usual set, e.g. mlp,xgboost,lightgbm for tables)."
    ),
    targets: str = typer.Option(
        None, "--targets", help="Comma-separated classes that backdoor targets are drawn "
        "from (default: every class), e.g. 1 on lending-club, whose class-0 backdoors are "
        "always inert; the rest of the population is drawn as without."
    ),
    executor: str = EXECUTOR,
    workers: int = WORKERS,
    address: str = ADDRESS,
    tries: int = TRIES,
) -> None:
    """Train a varied zoo (archs, attacks, targets, rates, trigger sizes, seeds), one model per
    task of --executor. Resumable: finished models are kept."""
    from trojanscope.zoo import make_zoo, status

    def describe(result) -> str:
        entry = result.value
        asr = entry.metrics.get("attack_success_rate")
        flips = entry.metrics.get("flip_rate")
        state = status(entry)
        return (f"{entry.arch} CA {entry.metrics['clean_accuracy']:.3f}"
                + (f" ASR {asr:.3f}" if asr is not None else "")
                + (f" flip rate {flips:.3f}" if flips is not None else "")
                + ("" if state in ("clean", "backdoored") else f" ({state})"))

    chosen_targets = None if targets is None else parse_targets(targets)
    with open_executor(executor, workers, address, tries) as ex, \
            task_progress("zoo make", describe) as progress:
        entries = make_zoo(
            dataset,
            out,
            n_clean=clean,
            n_backdoored=backdoored,
            seed=seed,
            epochs=epochs,
            attacks=(None if attacks is None
                     else [a.strip() for a in attacks.split(",") if a.strip()]),
            arch_variants=arch_variants,
            tree_subsample=tree_subsample,
            tree_full_share=tree_full_share,
            min_excess_flip=min_excess_flip,
            targets=chosen_targets,
            **({} if archs is None
               else {"archs": [a.strip() for a in archs.split(",") if a.strip()]}),
            executor=ex,
            listener=progress,
        )
    stderr_console().print(f"wrote {len(entries)} models and truth.json to {out}/")
    left_out = Counter(status(e) for e in entries if status(e) not in ("clean", "backdoored"))
    if left_out:
        stderr_console().print("left out of zoo eval / zoo calibrate (zoo.status): "
                               + ", ".join(f"{n} {s}" for s, n in sorted(left_out.items())))


@zoo_app.command("eval")
def evaluate(
    zoo: Path = typer.Argument(..., help="A zoo folder (with truth.json)."),
    method: str = typer.Option("auto", "--method", "-m"),
    method_param: list[str] | None = METHOD_PARAM,
    data_free: bool = typer.Option(False, "--data-free"),
    calibration: Path = typer.Option(
        None, "--calibration", help="Calibration file (default: shipped)."
    ),
    seed: int = typer.Option(0, "--seed", min=0, max=2**63 - 1),
    json_out: Path = typer.Option(
        None, "--json", help="Also write per-model rows and scores here."
    ),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
    executor: str = EXECUTOR,
    workers: int = WORKERS,
    address: str = ADDRESS,
    tries: int = TRIES,
) -> None:
    """Run a detector over a zoo: ROC-AUC, cross-entropy, Brier, TPR@5%FPR, target hits, time.
    One model per task of --executor."""
    refuse_early(calibration=calibration)  # a keep_ratio that would do nothing, before torch
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.evaluate import run_zoo, score_rows

    if json_out is not None:
        check_output_file(json_out, "--json")
    def describe(result) -> str:
        row = result.value
        truth = f"{row.attack}->{row.target}" if row.backdoored else "clean"
        return (f"p={row.probability:.2f} target {row.predicted_target} (truth {truth}) "
                f"{row.elapsed_s:.1f}s")

    with open_executor(executor, workers, address, tries) as ex, \
            task_progress("zoo eval", describe) as progress:
        rows = run_zoo(
            zoo,
            method,
            data_free=data_free,
            calibrators=load_calibrators(calibration),
            seed=seed,
            params=parse_params(method_param, "--method-param"),
            executor=ex,
            listener=progress,
        )
    scores = score_rows(rows)
    payload = {
        "zoo": str(zoo),
        "method": method,
        "data_free": data_free,
        "scores": scores,
        "rows": [asdict(r) for r in rows],
    }
    if _emit(payload, json_out, fmt):
        return
    table = Table(title=f"{method}{' (data-free)' if data_free else ''} on {zoo}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in scores.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:.0%}" for k, v in value.items())
        elif isinstance(value, float):
            value = "n/a" if math.isnan(value) else f"{value:.3f}"
        table.add_row(key, str(value))
    stdout_console().print(table)


@zoo_app.command("eval-mitigation")
def eval_mitigation(
    zoo: Path = typer.Argument(..., help="A zoo folder (with truth.json)."),
    method: str = typer.Option(..., "--method", "-m", help="Mitigation (see `trojanscope list "
                               "mitigation`)."),
    method_param: list[str] | None = METHOD_PARAM,
    holdout: float = typer.Option(
        0.8, "--holdout", help="Share of the dataset's test split held out for the figures "
        "(0.8 of MNIST's 1,000 leaves 200 samples for the method)."
    ),
    seed: int = typer.Option(0, "--seed", min=0, max=2**63 - 1),
    json_out: Path = typer.Option(None, "--json", help="Also write per-model rows here."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
    executor: str = EXECUTOR,
    workers: int = WORKERS,
    address: str = ADDRESS,
    tries: int = TRIES,
) -> None:
    """Run a mitigation over a zoo: per model CA and ASR before/after, and the time. One model
    per task of --executor."""
    check_share("--holdout", holdout)  # before the imports below (seconds)
    from trojanscope import registry
    from trojanscope.mitigate.zoo_eval import run_mitigation_zoo, summarise

    if json_out is not None:
        check_output_file(json_out, "--json")
    params = parse_params(method_param, "--method-param")
    registry.create("mitigation", method, **params)  # unknown names and parameters fail first
    console = stderr_console()

    def describe(result) -> str:
        row = result.value
        return (f"CA {row.ca_before:.3f} -> {row.ca_after:.3f}"
                + ("" if row.asr_after is None
                   else f", ASR {row.asr_before:.3f} -> {row.asr_after:.3f}")
                + f" ({row.elapsed_s:.1f} s)")

    with open_executor(executor, workers, address, tries) as ex, \
            task_progress("zoo eval-mitigation", describe) as progress:
        rows = run_mitigation_zoo(zoo, method, params=params, holdout=holdout, seed=seed,
                                  executor=ex, listener=progress)
    payload = {"zoo": str(zoo), "method": method, "params": params, "holdout": holdout,
               "summary": summarise(rows), "rows": [asdict(r) for r in rows]}
    if _emit(payload, json_out, fmt):
        return
    table = Table(title=f"mitigation {method} on {zoo}")
    for col in ("model", "CA before", "CA after", "ASR before", "ASR after", "time", "goal"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for r in rows:
        asr = ("-", "-") if r.asr_after is None else (f"{r.asr_before:.1%}", f"{r.asr_after:.1%}")
        table.add_row(r.name, f"{r.ca_before:.1%}", f"{r.ca_after:.1%}", *asr,
                      f"{r.elapsed_s:.1f} s", "met" if r.meets_goal else "missed")
    stdout_console().print(table)
    s = payload["summary"]
    console.print(f"goal met by {s['meets_goal']}/{s['models']} models (backdoored "
                  f"{s['backdoored_meeting_goal']}, clean {s['clean_meeting_goal']}); median "
                  f"{s['median_s']:.1f} s per model")


def _emit(payload: dict, json_out: Path | None, fmt: OutputFormat) -> bool:
    """Write ``payload`` to ``--json`` when asked; print it and say so when the format is JSON."""
    if json_out is not None:
        write_text_atomic(json_out, dumps(payload, indent=2) + "\n", "--json")
    if fmt is OutputFormat.json:
        print_json(payload)
        return True
    return False


@zoo_app.command("calibrate")
def calibrate_cmd(
    zoos: list[Path] = typer.Argument(
        ...,
        help="The CALIBRATION zoo(s), pooled (never the one you report figures on).",
    ),
    method: str = typer.Option("auto", "--method", "-m"),
    features: str = typer.Option(
        None,
        "--features",
        help="Comma-separated features (default: the shipped calibrator's, else all).",
    ),
    data_free: bool = typer.Option(False, "--data-free"),
    seed: int = typer.Option(0, "--seed", min=0, max=2**63 - 1),
    out: Path = typer.Option(..., "--out", "-o", help="Calibration JSON to write or update."),
    executor: str = EXECUTOR,
    workers: int = WORKERS,
    address: str = ADDRESS,
    tries: int = TRIES,
) -> None:
    """Fit a method's calibrator (logistic regression on its features) on calibration zoo(s).
    One model per task of --executor."""
    from trojanscope import registry
    from trojanscope.detect.base import undeclared_features
    from trojanscope.detect.calibration import fit_calibrator, load_calibrators, save_calibrators
    from trojanscope.detect.coverage import count_traits
    from trojanscope.detect.evaluate import run_zoo

    check_output_file(out, "--out")
    wanted = [name.strip() for name in features.split(",")] if features else []
    if any(not name for name in wanted):
        raise UserInputError(f"--features {features!r}: an empty feature name")
    detector = registry.get("detector", method)  # an unknown method: one line, here
    unknown = undeclared_features(detector, wanted)
    if unknown:  # before any model is scored: names no run of the method can make
        raise UserInputError(
            f"--features: {', '.join(map(repr, unknown))}: not a feature of {method!r}; its "
            f"features: {', '.join(detector.feature_names)}")

    def check_features(row: ZooRow, _i: int, _n: int) -> None:
        """A name that fits the method's features but that it did not output (a typo after
        the prefix, ``mmbd_anomly``) is refused at the first model: the exact names are known
        only from a result, and every model would run for nothing."""
        unknown = [name for name in wanted if name not in row.features]
        if unknown:
            known = ", ".join(sorted(k for k in row.features if k != "calibrated"))
            raise UserInputError(
                f"--features: {', '.join(map(repr, unknown))}: not a feature of {method!r}; its "
                f"features: {known}"
            )

    with open_executor(executor, workers, address, tries) as ex:
        rows = []
        for zoo in zoos:
            with task_progress(f"zoo calibrate: {zoo}") as progress:
                rows += run_zoo(zoo, method, data_free=data_free, calibrators={}, seed=seed,
                                executor=ex, listener=progress, on_model=check_features)
    # the verdicts' own method (``auto`` on a table runs tabular-search) and one calibrator per
    # model family, under the keys detection looks up (detect/calibration.py: calibrate)
    ran = {r.method for r in rows if r.method}
    base = ran.pop() if len(ran) == 1 else method
    base = f"{base}:data-free" if data_free else base
    existing = load_calibrators(out) if out.exists() else {}
    for family in sorted({r.family for r in rows}):
        group = [r for r in rows if r.family == family]
        key = f"{base}:{family}" if family else base
        shipped = load_calibrators().get(key)
        names = (features.split(",") if features
                 else default_features(shipped, group[0].features))
        design = {}
        if shipped is not None and names == shipped.features:  # the shipped design, refitted
            design = {"transform": shipped.transform,
                      "c": float(shipped.fitted_on.get("C", 10.0))}
        cal = fit_calibrator(
            key,
            [r.features for r in group],
            [int(r.backdoored) for r in group],
            names,
            **design,
            zoo=[zoo_label(z) for z in zoos] if len(zoos) > 1 else zoo_label(zoos[0]),
            seed=seed,
            coverage=count_traits(r.traits for r in group),
        )
        existing[key] = cal
        stderr_console().print(
            f"calibrator {key} on {names} ({len(group)} models): coef {cal.coef}, "
            f"intercept {cal.intercept:.3f} → {out}"
        )
    save_calibrators(existing, out)


def default_features(shipped: Calibrator | None, features: dict[str, float]) -> list[str]:
    """The shipped calibrator's features when there is one, else every feature."""
    if shipped is not None and all(f in features for f in shipped.features):
        return list(shipped.features)
    return sorted(k for k in features if k != "calibrated")


command("zoo", order=80)(zoo_app)
