"""Leave-one-family-out evaluation of calibrator designs (issue 9), from ``generalise_rows.py``'s
rows; no detector is run here.

Families are held out across both training recipes (trojanscope's engine and
``foreign_zoo.py``):

- architecture families, by attribute: activation (tanh, sigmoid, gelu, leaky_relu, relu),
  pooling (avg, stride), normalisation (batch, layer), and the MLP. Holding out a family drops
  every model with that attribute from calibration and predicts exactly those models.
- trigger families (patch, blend, sig, warp, sparse pixels, xpatch, noiseblend, frame): the
  family's backdoored models are dropped from calibration and predicted together with the clean
  models, which are cross-fitted in two folds (each clean model is predicted by a calibrator that
  never saw it).

The evaluation zoo (``--eval-zoo``) is never part of any calibration pool here; with ``--final``
each design is fitted once on the whole pool and scored on it (the issue-3 figures).
``shipped`` is the calibrator shipped before issue 9 (fitted on trojanscope's zoos only), read
from the rows' ``probability``.

    python benchmarks/generalise_lofo.py --rows benchmarks/out/gen_rows.json --eval-zoo zoo/eval
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

from normalised_features import normalised_features
from scale_free import scale_free_features, share_features
from trojanscope.detect.calibration import _clip, _transform, load_calibrators
from trojanscope.detect.coverage import coverage_notes
from trojanscope.detect.frame import FRAME_GAP_HINT

ARCH_FAMILIES: dict[str, Callable[[dict], bool]] = {
    "tanh": lambda r: r["activation"] == "tanh",
    "sigmoid": lambda r: r["activation"] == "sigmoid",
    "gelu": lambda r: r["activation"] == "gelu",
    "leaky_relu": lambda r: r["activation"] == "leaky_relu",
    "relu": lambda r: r["activation"] == "relu",
    "avgpool": lambda r: r["pool"] == "avg",
    "strided": lambda r: r["pool"] == "stride",
    "batchnorm": lambda r: r["norm"] == "batch",
    "layernorm": lambda r: r["norm"] == "layer",
    "mlp": lambda r: r["arch"] == "mlp",
    "lenet_tanh_avg": lambda r: r.get("arch_family") == "lenet_tanh_avg",
    "bn_cnn": lambda r: r.get("arch_family") == "bn_cnn",
}
# Scored on test populations only (not held out in LOFO: the selection rule's families are fixed).
TEST_FAMILIES: dict[str, Callable[[dict], bool]] = {
    "ln_gelu_cnn": lambda r: r.get("arch_family") == "ln_gelu_cnn",
    "bn_mlp": lambda r: r.get("arch_family") == "bn_mlp",
}
TRIGGER_FAMILIES = ("patch", "blend", "sig", "warp", "sparse", "xpatch", "noiseblend", "frame")
# Seventh round (``--all-families``, the widened pool of ``widen_pool.py``): the test-only
# architecture families, the activations of zoo-fresh, the training recipes (held out like an
# architecture family: every model trained that way leaves calibration) and every trigger
# family the pool has.
MORE_ARCH: dict[str, Callable[[dict], bool]] = {
    **TEST_FAMILIES,
    "elu": lambda r: r["activation"] == "elu",
    "silu": lambda r: r["activation"] == "silu",
}
RECIPE_FAMILIES: dict[str, Callable[[dict], bool]] = {
    "sgd": lambda r: r.get("train_recipe", {}).get("optim") == "sgd",
    "label_smoothing": lambda r: r.get("train_recipe", {}).get("label_smoothing", 0) > 0,
    "short": lambda r: r.get("train_recipe", {}).get("epochs", 99) <= 4,
    "augment": lambda r: bool(r.get("train_recipe", {}).get("augment")),
    # no pool model has these: scored on a test population only (zoo-holdout3)
    "adamw": lambda r: r.get("train_recipe", {}).get("optim") == "adamw",
    "cosine": lambda r: r.get("train_recipe", {}).get("schedule") == "cosine",
}
ALL_FAMILIES: list[bool] = []  # set by --all-families

MMBD3 = ["mmbd_neglog10_p", "mmbd_anomaly", "mmbd_ratio"]
BASE4 = ["mmbd_anomaly", "mmbd_neglog10_p", "uap_log_ratio", "ts_log_norm_ratio"]
AGREE2 = ["agree_mmbd_uap", "agree_mmbd_ts"]
STRIPE_NB = "agree_mmbd_stripe_nobias"
DESIGNS: dict[str, tuple[list[str], str, float]] = {
    "mmbd3 refit": (MMBD3, "log", 100.0),
    "mmbd3, C=1": (MMBD3, "log", 1.0),
    "norm: top/clean": (["mmbd_top_over_clean"], "log", 1.0),
    "norm: ratio anomaly": (["mmbd_clean_ratio_anomaly"], "log", 1.0),
    "norm: z": (["mmbd_logit_z"], "log", 1.0),
    "mmbd3 + top/clean": ([*MMBD3, "mmbd_top_over_clean"], "log", 1.0),
    "mmbd3 + ratio anomaly": ([*MMBD3, "mmbd_clean_ratio_anomaly"], "log", 1.0),
    "mmbd3 + z": ([*MMBD3, "mmbd_logit_z"], "log", 1.0),
    "mmbd3 + early": ([*MMBD3, "mmbd_early_anomaly", "mmbd_noise_top"], "log", 1.0),
    "mmbd3 + all norm": ([*MMBD3, "mmbd_top_over_clean", "mmbd_clean_ratio_anomaly",
                          "mmbd_logit_z"], "log", 1.0),
    "mmbd3 + early z": ([*MMBD3, "mmbd_early_z"], "log", 1.0),
    "mmbd3 + early z, C=10": ([*MMBD3, "mmbd_early_z"], "log", 10.0),
    "mmbd3 + early z + mean anomaly": ([*MMBD3, "mmbd_early_z", "mmbd_mean_anomaly"], "log", 1.0),
    "mmbd3 + early anomaly + mean anomaly": ([*MMBD3, "mmbd_early_anomaly",
                                             "mmbd_mean_anomaly"], "log", 1.0),
    "mmbd3 + early z + early anomaly": ([*MMBD3, "mmbd_early_z", "mmbd_early_anomaly"], "log",
                                        1.0),
    "uap": (["uap_log_ratio", "uap_anomaly"], "log", 1.0),
    "ts": (["ts_log_norm_ratio", "ts_anomaly"], "log", 1.0),
    "uap + ts": (["uap_log_ratio", "uap_anomaly", "ts_log_norm_ratio", "ts_anomaly"], "log",
                 1.0),
    "mmbd3 + uap": ([*MMBD3, "uap_log_ratio", "uap_anomaly"], "log", 1.0),
    "mmbd3 + uap + agree": ([*MMBD3, "uap_log_ratio", "uap_anomaly", "agree_mmbd_uap"], "log",
                            1.0),
    "mmbd3 + uap + ts": ([*MMBD3, "uap_log_ratio", "uap_anomaly", "ts_log_norm_ratio",
                          "ts_anomaly"], "log", 1.0),
    "mmbd3 + uap + ts + votes": ([*MMBD3, "uap_log_ratio", "uap_anomaly", "ts_log_norm_ratio",
                                  "ts_anomaly", "agree_votes"], "none", 1.0),
    "mmbd3 + uap + ts + agree2": ([*MMBD3, "uap_log_ratio", "uap_anomaly", "ts_log_norm_ratio",
                                   "ts_anomaly", "agree_mmbd_uap", "agree_mmbd_ts"], "log", 1.0),
    "mmbd2 + ratios + agree2": (["mmbd_anomaly", "mmbd_neglog10_p", "uap_log_ratio",
                                 "ts_log_norm_ratio", "agree_mmbd_uap", "agree_mmbd_ts"], "log",
                                1.0),
    "mmbd2 + ratios + agree2 + stripe": (["mmbd_anomaly", "mmbd_neglog10_p", "uap_log_ratio",
                                          "ts_log_norm_ratio", "stripe_log_ratio",
                                          "agree_mmbd_uap", "agree_mmbd_ts",
                                          "agree_mmbd_stripe"], "log", 1.0),
    "mmbd2 + probe max + ts + agree3": (["mmbd_anomaly", "mmbd_neglog10_p", "probe_log_ratio",
                                         "ts_log_norm_ratio", "agree_mmbd_uap", "agree_mmbd_ts",
                                         "agree_mmbd_stripe"], "log", 1.0),
    "mmbd2 + probe max + ts + agree2": (["mmbd_anomaly", "mmbd_neglog10_p", "probe_log_ratio",
                                         "ts_log_norm_ratio", "agree_mmbd_uap",
                                         "agree_mmbd_ts"], "log", 1.0),
    # Fourth round: agreements on the model's own favourite class discounted (detect/bias.py)
    "mmbd2 + ratios + agree2 + stripe nobias": ([*BASE4, *AGREE2, STRIPE_NB], "log", 1.0),
    "mmbd2 + ratios + agree2 + stripe nobias C=0.1": ([*BASE4, *AGREE2, STRIPE_NB], "log", 0.1),
    "mmbd2 + ratios + agree2 C=0.1": ([*BASE4, *AGREE2], "log", 0.1),
    "mmbd2 + ratios + agree3 nobias C=0.2": ([*BASE4, "agree_mmbd_uap_nobias",
                                              "agree_mmbd_ts_nobias", STRIPE_NB], "log", 0.2),
    **{f"mmbd2 + ratios + ts + uap/stripe nobias C={c:g}": (
        [*BASE4, "agree_mmbd_uap_nobias", "agree_mmbd_ts", STRIPE_NB], "log", c)
       for c in (0.2, 1.0)},
    # Eighth round: the shipped wider design plus one candidate feature free of the logit scale
    # (scale_free.py).
    **{f"W + {f}": ([*BASE4, "agree_mmbd_uap_nobias", "agree_mmbd_ts", STRIPE_NB, f], "log", 0.2)
       for f in ("mmbd_logit_z", "mmbd_top_over_clean", "mmbd_clean_ratio_anomaly", "sf_gap_z",
                 "sf_early_share_anomaly", "sf_restart_anomaly", "sf_rank_consensus",
                 "sf_rank_gap", "sf_mmbd_rank", "sf_share_top", "sf_share_anomaly",
                 "sf_share_log_ratio", "sf_stripe_share_top", "sf_stripe_share_anomaly",
                 "sf_stripe_share_log_ratio", "uap_share_top")},
    "ratios + agree2": (["uap_log_ratio", "ts_log_norm_ratio", "agree_mmbd_uap",
                         "agree_mmbd_ts"], "log", 1.0),
    "joint": (["joint_mmbd_uap", "joint_all", "joint_uap_ts"], "log", 1.0),
    "mmbd3 + uap + joint": ([*MMBD3, "uap_log_ratio", "uap_anomaly", "joint_mmbd_uap"], "log",
                            1.0),
    "mmbd3 + early + uap + ts + agree": ([*MMBD3, "mmbd_early_anomaly", "mmbd_mean_anomaly",
                                          "uap_log_ratio", "uap_anomaly", "ts_log_norm_ratio",
                                          "ts_anomaly", "agree_mmbd_uap", "agree_uap_ts"],
                                         "log", 1.0),
    "all": ([*MMBD3, "mmbd_top_over_clean", "mmbd_clean_ratio_anomaly", "mmbd_logit_z",
             "mmbd_early_anomaly", "mmbd_noise_top"], "log", 1.0),
}


_FEATURES: dict[tuple[str, str], dict[str, float]] = {}


def features(row: dict) -> dict[str, float]:
    """The row's MM-BD features plus the normalised ones, built as the detector builds them,
    and the input-space probes' (``probe_rows.py``) when the row has them (built once per
    model: every design and held-out family reads them again)."""
    key = (row["zoo"], row["name"])
    if key not in _FEATURES:
        _FEATURES[key] = _features(row)
    return _FEATURES[key]


def _features(row: dict) -> dict[str, float]:
    extra = normalised_features(
        np.array(row["margin"]), np.array(row["clean_margin"]), row["logit_std"],
        margins_early=np.array(row["margin5"]), noise_frac=np.array(row["noise_frac"]))
    out = {**row["features"], **extra, **scale_free_features(row)}
    probe = row.get("probe")
    if probe and "eps50" in probe:  # a row may carry the empty-pixel probe alone
        out.update(probe_features(row, probe))
    empty = row.get("off_hits") or (probe or {}).get("empty_hits")
    if empty:  # the empty-pixel probe (offsupport_rows.py or probe_rows.py; stop 32)
        out.update(empty_features(np.asarray(empty, dtype=np.float64)))
    if probe and "pixel_hits" in probe:  # the greedy pixel probe (probe_rows.py; stop 33)
        import torch

        from trojanscope.detect.pixels import pixel_features

        out.update(pixel_features(torch.tensor(probe["pixel_hits"], dtype=torch.float64)))
    if row.get("gap_draws"):  # the gaps over several draws (raise_gap_aggregate.py; stop 34)
        from raise_gap_aggregate import AGG_DRAWS, DRAWN_ONLY, NAMES, aggregates

        for probe_name, draws in row["gap_draws"].items():
            agg = aggregates({int(s): g for s, g in draws.items()})
            if 0 in agg:  # outer seed 0, and the largest over the outer seeds read
                out[f"{NAMES[probe_name]}_r{AGG_DRAWS}"] = agg[0]
                out[f"{NAMES[probe_name]}_r{AGG_DRAWS}_max"] = max(agg.values())
            single = {int(s): g for s, g in draws.items()}.get(row.get("read_draw", 0))
            if probe_name in DRAWN_ONLY and single is not None:  # stop 37: the single draw
                out[NAMES[probe_name]] = float(single)  # a user's --seed reads
    out.update(read_draw_gaps(row))  # --test-draw: the gaps another seed reads (stop 36)
    own = "pixel15_share_gap_r5" if "layer:conv" not in row.get("traits", ["layer:conv"]) \
        else "pixel_share_gap_r5"
    if own in out:  # stop 37: the pixel gap auto -p dense_pixel_steps=15 reads
        out[f"{DENSE15}_r5"] = out[own]
    return out


def read_draw_gaps(row: dict) -> dict[str, float]:
    """The empty-pixel gaps ``auto`` reads with ``--seed S``, ``S = row["read_draw"]`` (set by
    ``--test-draw``), from ``gap_draws``: the single draw ``S`` and, where draws ``S .. S+4``
    are all there, their mean (the five-draw term's). Empty without ``read_draw``; a KeyError
    when the row lacks draw ``S`` (a figure read at a seed some models lack would mix seeds)."""
    if "read_draw" not in row:
        return {}
    from raise_gap_aggregate import AGG_DRAWS, aggregates

    draws = {int(k): float(v) for k, v in row["gap_draws"]["empty"].items()}
    s = row["read_draw"]
    out = {GAP: draws[s]}
    window = aggregates(draws).get(s)
    if window is not None:
        out[f"{GAP}_r{AGG_DRAWS}"] = window
    return out


def test_draw_problem(rows: list[dict], s: int) -> str | None:
    """Why ``--test-draw s`` cannot read ``rows`` (one line), or None: ``s`` below 0, or a row
    without draw ``s`` among its empty-pixel ``gap_draws`` (checked before any fitting)."""
    if s < 0:
        return f"--test-draw must be >= 0; got {s}"
    lacking = [str(r.get("name", i)) for i, r in enumerate(rows)
               if str(s) not in (r.get("gap_draws") or {}).get("empty", {})]
    if lacking:
        return (f"--test-draw {s}: {len(lacking)} of {len(rows)} --test-rows models lack draw "
                f"{s} of the empty-pixel gap (first: {lacking[0]})")
    return None


def empty_features(hits: np.ndarray) -> dict[str, float]:
    """The empty-pixel perturbation's flip-share features, as the detector names them:
    ``empty_share_gap`` (largest minus second share) and ``share_features``' three."""
    import torch

    from trojanscope.detect.universal import share_gap

    return {**share_features(hits, "empty_share"), **share_gap(torch.tensor(hits), "empty")}


HINGE_GAPS = np.round(np.arange(0.0, 0.405, 0.01), 2)  # the grid the hinge is fitted on
HINGE_SLOPES = (1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 40.0, 60.0)
GAP = "empty_share_gap"
DENSE15 = "pixel_dense15_share_gap"  # stop 37: 15 pixels without a convolution, else 5
# Raise-only designs: name prefix -> the gap they read, and the calibrator key they ship as
# (stop 32: the empty pixels; stop 33: the greedy pixel probe, on top of the first).
HINGE_DESIGNS = {"hinge: ": (GAP, ""), "pixhinge: ": ("pixel_share_gap", ":pixels"),
                 # stop 34: the gaps averaged over 5 draws of the clean inputs, the start above
                 # every clean fitting model's average at every outer seed read, plus a margin
                 "agghinge: ": (f"{GAP}_r5", ""),
                 "aggpixhinge: ": ("pixel_share_gap_r5", ":pixels"),
                 # stop 37: the uniform frame probe (detect/frame.py), models without a
                 # convolution only (auto records it there)
                 "framehinge: ": ("frame_share_gap", ":frame")}
# Added to the largest clean aggregate before the start's grid (stop 34): the outer seeds read
# on the development models are few, so a fresh model's may lie a little higher.
HINGE_MARGIN = 0.02
# Raise-only terms with their (slope, start) fixed by a rule rather than fitted per fold (stop
# 34, written before seed 21): name prefix -> (gap, slope, start). The starts are the clean
# development models' largest 5-draw mean over the outer seeds read plus HINGE_MARGIN; the
# slope the shipped terms' 60.
FIXED_HINGES = {"aggfix: ": (f"{GAP}_r5", 60.0, 0.24),
                "aggpixfix: ": ("pixel_share_gap_r5", 60.0, 0.14),
                # stop 35 (written before seed 23): the empty-pixel gap with a start for models
                # with a convolution and one for models without (DENSE_STARTS): on 5-draw
                # averages (aggsplit) or on the single draw the shipped term reads (split1)
                "aggsplit: ": (f"{GAP}_r5", 60.0, 0.17),
                "split1: ": (GAP, 60.0, 0.20),
                # stop 37 (written before seed 25): the frame probe's single draw, read on
                # models without a convolution only (start 1.0, a gap's largest value, for the
                # others: never raised), and for the record the greedy pixel probe with 15
                # pixels there (its 5-draw mean; the shipped term's start)
                "framefix: ": ("frame_share_gap", 60.0, 1.0),
                # and the shipped pixel term (5-draw mean, start 0.14) reading the probe with
                # 15 pixels on models without a convolution, 5 on the others
                "aggpix15fix: ": (f"{DENSE15}_r5", 60.0, 0.14)}
# A fixed term's start for models without a convolution (their first weighted layer dense; stop
# 35): the clean development MLPs' empty-pixel gap is near 0.2 on most draws, a property of the
# untrained first-layer weights on the empty pixels, not draw noise (stop 34).
DENSE_STARTS = {"aggsplit: ": 0.24, "split1: ": 0.30, "framefix: ": FRAME_GAP_HINT}
DENSE = "first_layer_dense"  # the feature auto records: 1.0 for a model without a convolution


def dense_row(row: dict) -> bool:
    """No convolution among the model's architecture traits (as ``auto`` reads them)."""
    return "layer:conv" not in row["traits"]


def fixed_starts(prefix: str, rows: list[dict]) -> np.ndarray:
    """Per row, the start of the fixed term ``prefix`` (its dense start where it has one)."""
    start = FIXED_HINGES[prefix][2]
    dense = DENSE_STARTS.get(prefix, start)
    return np.array([dense if dense_row(r) else start for r in rows])


def hinge(p: np.ndarray, gap: np.ndarray, slope: float, start: float) -> np.ndarray:
    """Raise-only evidence: logit p + slope * max(0, gap - start) (stop 32)."""
    z = np.log(np.clip(p, 1e-6, 1 - 1e-6) / (1 - np.clip(p, 1e-6, 1 - 1e-6)))
    return 1 / (1 + np.exp(-(z + slope * np.maximum(gap - start, 0.0))))


def fit_hinge(p: np.ndarray, gap: np.ndarray, y: np.ndarray, floor: float | None = None
              ) -> tuple[float, float]:
    """The (slope, start) of the grid with the lowest cross-entropy among those whose start is
    not below any clean fitting model's gap (no clean model of the fit is raised: a
    raise-only term can only add false alarms; ties: the later start, then the smaller
    slope). ``floor`` overrides that lowest start (stop 34: the clean models' largest
    aggregate over several outer seeds, plus a margin)."""
    if floor is None:
        floor = float(gap[y == 0].max()) if (y == 0).any() else 0.0
    best = None
    for start in HINGE_GAPS[floor - 1e-9 <= HINGE_GAPS]:
        for slope in HINGE_SLOPES:
            ce = log_loss(y, np.clip(hinge(p, gap, slope, start), 1e-6, 1 - 1e-6),
                          labels=[0, 1])
            key = (round(ce, 9), -start, slope)
            if best is None or key < best[0]:
                best = (key, slope, float(start))
    if best is None:  # every start lies below a clean model's gap: no term (slope 0)
        return 0.0, floor
    return best[1], best[2]


def hinge_floor(fit: list[dict], gap: str) -> float | None:
    """For an aggregated gap (``*_r5``, stop 34): the clean fitting models' largest aggregate
    over every outer seed read, plus ``HINGE_MARGIN``; None (the fit's own clean maximum) for
    the single-draw gaps."""
    clean = [features(r).get(f"{gap}_max") for r in fit if not r["backdoored"]]
    if not clean or None in clean:
        return None
    return max(clean) + HINGE_MARGIN


def probe_features(row: dict, probe: dict) -> dict[str, float]:
    """Universal-perturbation (free and, when the row has them, striped) and trigger-search
    features, and their agreement with MM-BD, as ``auto`` builds them."""
    import torch

    from trojanscope.detect.auto import probe_features as auto_probe_features
    from trojanscope.detect.base import mad_anomaly

    sizes = np.array(probe["eps50"])
    bias = int(np.argmax(row["noise_frac"]))  # detect/bias.py's class: where noise lands
    out = auto_probe_features(row["suspected_target"], probe["ts_norms"], sizes.tolist(),
                              probe.get("stripe_eps50"), bias)
    out.update(probe["ts"])
    if "uap_hits" in probe:  # the detector's names for the flip shares (ninth round ships one)
        out.update(share_features(np.asarray(probe["uap_hits"], dtype=np.float64), "uap_share"))
    uap_top = int(sizes.argmin())
    ts_top = int(np.argmin(probe["ts_norms"]))
    out["agree_uap_ts"] = float(uap_top == ts_top)
    out["agree_votes"] = out["agree_mmbd_uap"] + out["agree_mmbd_ts"]
    a = mad_anomaly(torch.tensor(row["margin"], dtype=torch.float64)).clamp(-10, 10)
    b = mad_anomaly(-torch.tensor(sizes, dtype=torch.float64)).clamp(-10, 10)
    c = mad_anomaly(-torch.tensor(probe["ts_norms"], dtype=torch.float64)).clamp(-10, 10)
    out["joint_mmbd_uap"] = float((a + b).max())
    out["joint_all"] = float((a + b + c).max())
    out["joint_uap_ts"] = float((b + c).max())
    return out


def matrix(rows: list[dict], names: list[str], transform: str) -> np.ndarray:
    return np.array([[_transform(_clip(features(r)[f]), transform) for f in names] for r in rows])


def fit_predict(train: list[dict], test: list[dict], design: tuple) -> np.ndarray:
    names, transform, c = design
    xtr, xte = matrix(train, names, transform), matrix(test, names, transform)
    y = np.array([r["backdoored"] for r in train], dtype=int)
    mean, scale = xtr.mean(0), xtr.std(0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=5000).fit((xtr - mean) / scale, y)
    return model.predict_proba((xte - mean) / scale)[:, 1]


def score(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    auc = roc_auc_score(y, p) if 0 < y.sum() < len(y) else float("nan")
    return auc, log_loss(y, np.clip(p, 1e-6, 1 - 1e-6), labels=[0, 1])


SHIPPED = load_calibrators()["auto"]
SHIPPED_ZOOS = set(SHIPPED.fitted_on["zoo"])  # never scored: the shipped calibrator saw them
SHIPPED_WIDER = load_calibrators()["auto:out-of-coverage"]  # as shipped, not refitted
DEFAULT_DESIGN = "mmbd3 refit"  # the default calibrator's design (features, log, C = 100)
MIN_DEFAULT_ROWS = 20  # fewer covered training models: the refit default falls back to shipped


HINGES: dict[str, tuple[float, float, int]] = {}  # last fitted (slope, start, rows) per design

# The default calibrator zoos' clean-logit scale range (``recipe_range.py``), for the
# ``routed+recipe: D`` designs; set from ``--recipe-range``.
RECIPE_RANGE: list[tuple[float, float]] = []


def covered(row: dict, recipe: bool = False) -> bool:
    """Every architecture trait of the model is covered by the shipped calibrator (and, with
    ``recipe``, its ``logit_std`` lies within ``RECIPE_RANGE``)."""
    if recipe and not RECIPE_RANGE[0][0] <= row["logit_std"] <= RECIPE_RANGE[0][1]:
        return False
    return not coverage_notes(row["traits"], SHIPPED.fitted_on["coverage"])


def predict(train: list[dict], test: list[dict], name: str) -> np.ndarray:
    """``shipped``: the shipped calibrator's probability; ``routed: D``: the shipped one for
    models inside its coverage, design D (fitted on ``train``) for the others; else design."""
    if name == "shipped":
        return np.array([r["probability"] for r in test])
    fixed = next((k for k in FIXED_HINGES if name.startswith(k)), None)
    if fixed is not None:  # stop 34: a raise-only term fixed by a rule, over design base
        gap, slope, _ = FIXED_HINGES[fixed]
        gaps = np.array([features(r).get(gap, 0.0) for r in test])
        return hinge(predict(train, test, name.removeprefix(fixed)), gaps, slope,
                     fixed_starts(fixed, test))
    prefix = next((k for k in HINGE_DESIGNS if name.startswith(k)), None)
    if prefix is not None:  # stop 32/33: a raise-only term on a probe's gap, over design base
        base, gap = name.removeprefix(prefix), HINGE_DESIGNS[prefix][0]
        fit = [r for r in train if gap in features(r)]
        y = np.array([r["backdoored"] for r in fit], dtype=int)
        slope, start = fit_hinge(predict(train, fit, base),
                                 np.array([features(r)[gap] for r in fit]), y,
                                 hinge_floor(fit, gap))
        HINGES[name] = (slope, start, len(fit))
        gaps = np.array([features(r).get(gap, 0.0) for r in test])
        return hinge(predict(train, test, base), gaps, slope, start)
    if name == "as shipped + raise":  # stop 33: with the shipped auto:raise term, not refitted
        term = load_calibrators()["auto:raise"].fitted_on
        gaps = np.array([features(r).get(GAP, 0.0) for r in test])
        return hinge(predict(train, test, "as shipped"), gaps, term["slope"], term["start"])
    if name == "as shipped":  # both shipped calibrators, routed by coverage; nothing refitted
        return np.array([r["probability"] if covered(r)
                         else SHIPPED_WIDER.probability(features(r)) for r in test])
    if name.startswith("refit"):  # the default design refitted on the pool's covered models
        inside = [r for r in test if covered(r)]
        cov_train = [r for r in train if covered(r)]
        labels = {r["backdoored"] for r in cov_train}
        if inside and len(cov_train) >= MIN_DEFAULT_ROWS and len(labels) == 2:
            p_in = iter(fit_predict(cov_train, inside, DESIGNS[default_design(name)]))
        else:  # no covered model left to fit on (e.g. ReLU held out): the shipped default
            p_in = iter([r["probability"] for r in inside])
        outside = [r for r in test if not covered(r)]
        p_out = iter(fit_predict(train, outside, DESIGNS[name.split("]: " if name.startswith(
            "refit[") else ": ", 1)[1]]) if outside else [])
        return np.array([next(p_in) if covered(r) else next(p_out) for r in test])
    if name.startswith(("routed: ", "routed+recipe: ")):  # covered models need no probes
        recipe = name.startswith("routed+recipe: ")
        outside = [r for r in test if not covered(r, recipe)]
        p = iter(fit_predict(train, outside, DESIGNS[name.split(": ", 1)[1]])
                 if outside else [])
        return np.array([r["probability"] if covered(r, recipe) else next(p) for r in test])
    return fit_predict(train, test, DESIGNS[name])


def default_design(name: str) -> str:
    """``refit[D0]: D`` -> D0 (the covered models' design); ``refit: D`` -> the default's."""
    if name.startswith("refit["):
        return name[len("refit["):name.index("]: ")]
    return DEFAULT_DESIGN


def held_out(pool: list[dict], kind: str, fam: str, name: str) -> tuple[np.ndarray,
                                                                         np.ndarray]:
    """Labels and predictions of family ``fam`` by a calibrator that never saw it (models of
    the shipped calibrator's own zoos are left out of every test set)."""
    if kind in ("arch", "recipe"):
        member = {**ARCH_FAMILIES, **MORE_ARCH, **RECIPE_FAMILIES}[fam]
        test = [r for r in pool if member(r) and r["zoo"] not in SHIPPED_ZOOS]
        train = [r for r in pool if not member(r)]
        return np.array([r["backdoored"] for r in test], dtype=int), predict(train, test, name)
    scored = [r for r in pool if r["zoo"] not in SHIPPED_ZOOS]
    bad = [r for r in scored if r["backdoored"] and r["trigger_family"] == fam]
    clean = [r for r in scored if not r["backdoored"]]
    others = [r for r in pool if r not in bad and r not in clean]
    rest = [r for r in others if not (r["backdoored"] and r["trigger_family"] == fam)]
    ys, ps = [], []
    folds = [clean[0::2], clean[1::2]]
    for k in (0, 1):
        train = rest + folds[1 - k]
        test = folds[k] + (bad if k == 0 else [])
        ps.append(predict(train, test, name))
        ys.append(np.array([r["backdoored"] for r in test], dtype=int))
    return np.concatenate(ys), np.concatenate(ps)


def families(pool: list[dict]) -> list[tuple[str, str, int, int]]:
    out = []
    held = [("arch", ARCH_FAMILIES)]
    if ALL_FAMILIES:
        held += [("arch", MORE_ARCH), ("recipe", RECIPE_FAMILIES)]
    for kind, fams in held:
        for fam, member in fams.items():
            rows = [r for r in pool if member(r) and r["zoo"] not in SHIPPED_ZOOS]
            n_bad = sum(r["backdoored"] for r in rows)
            if n_bad and n_bad < len(rows):
                out.append((kind, fam, len(rows), n_bad))
    triggers = TRIGGER_FAMILIES
    if ALL_FAMILIES:
        triggers = tuple(sorted({r["trigger_family"] for r in pool if r["backdoored"]}))
    for fam in triggers:
        n_bad = sum(r["backdoored"] and r["trigger_family"] == fam and
                    r["zoo"] not in SHIPPED_ZOOS for r in pool)
        if n_bad:
            out.append(("trigger", fam, n_bad, n_bad))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=Path, required=True)
    ap.add_argument("--all-families", action="store_true",
                    help="Also hold out recipe families, zoo-fresh's activations, the test-only "
                         "architectures and every trigger family of the pool (seventh round).")
    ap.add_argument("--refit", default=None,
                    help="Designs to also score with the default calibrator's design refitted "
                         "on the pool's covered models ('refit: D'; 'D0 | D': design D0 for "
                         "the covered models).")
    ap.add_argument("--eval-zoo", default="zoo/eval")
    ap.add_argument("--designs", default=None,
                    help="Comma-separated design names (default all; 'none': only --routed).")
    ap.add_argument("--json", type=Path, default=None, help="Write every figure here too.")
    ap.add_argument("--routed", default=None,
                    help="Designs to also score routed: shipped calibrator inside its coverage.")
    ap.add_argument("--recipe-routed", default=None,
                    help="Designs to also score routed by architecture and by the clean-logit "
                         "scale (needs --recipe-range).")
    ap.add_argument("--one-sided", action="store_true",
                    help="Recipe routing re-routes only a logit_std below the range (sixth round).")
    ap.add_argument("--recipe-range", type=Path, default=None,
                    help="recipe_range.py output: the default calibrator zoos' logit_std range.")
    ap.add_argument("--ship", default=None, help="Design to fit on the whole pool and ship.")
    ap.add_argument("--ship-raise", action="append", default=[],
                    help="'hinge: <base>': fit the raise-only term on the pool and write it as "
                         "the 'auto:raise' calibrator (stop 32); 'pixhinge: <base>' as "
                         "'auto:raise:pixels' (stop 33). Repeatable, written in order.")
    ap.add_argument("--test-rows", type=Path, action="append", default=[],
                    help="Rows of populations never used to choose a design (with the "
                         "evaluation zoo): each design fitted on the whole pool, scored per "
                         "family there.")
    ap.add_argument("--test-draw", type=int, default=0,
                    help="Read each --test-rows model's empty-pixel gap as auto reads it with "
                         "--seed S (its gap_draws: draw S, and the mean of draws S..S+4 where "
                         "all are there) instead of seed 0's; the pixel term keeps outer seed 0 "
                         "(stop 36).")
    ap.add_argument("--without-eval-zoo", action="store_true",
                    help="Score the --test-rows populations alone (not with the evaluation zoo).")
    ap.add_argument("--calibration", type=Path,
                    default=Path(__file__).parents[1] / "src/trojanscope/detect/calibration.json")
    args = ap.parse_args()
    test = [r for f in args.test_rows for r in json.loads(f.read_text())]
    if args.test_draw:  # before any fitting: a figure read at a seed some models lack
        problem = test_draw_problem(test, args.test_draw)
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            raise SystemExit(2)
    rows = json.loads(args.rows.read_text())
    pool = [r for r in rows if r["zoo"] != args.eval_zoo]
    evaluation = [r for r in rows if r["zoo"] == args.eval_zoo]
    if args.all_families:
        ALL_FAMILIES.append(True)
    fams = families(pool)
    designs = args.designs.split(",") if args.designs else list(DESIGNS)
    names = ["shipped", "as shipped", *(d for d in designs if d != "none")]
    for n in args.refit.split(",") if args.refit else []:  # "D" or "D0 | D"
        d0, _, d = n.rpartition(" | ")
        names.append(f"refit[{d0}]: {d}" if d0 else f"refit: {d}")
    names += [f"routed: {n}" for n in (args.routed.split(",") if args.routed else [])]
    if args.recipe_routed:
        summary = json.loads(args.recipe_range.read_text())["summary"]
        RECIPE_RANGE.append((summary["min"],
                             float("inf") if args.one_sided else summary["max"]))
        names += [f"routed+recipe: {n}" for n in args.recipe_routed.split(",")]
    print(f"pool: {len(pool)} models ({sum(r['backdoored'] for r in pool)} backdoored; "
          f"{sum(r['recipe'] == 'foreign' for r in pool)} foreign); evaluation zoo: "
          f"{len(evaluation)}\n")
    for recipe in ("foreign", "ours"):
        rs = [r for r in pool if r["recipe"] == recipe and r["zoo"] not in SHIPPED_ZOOS]
        if rs:
            auc, ce = score(np.array([r["backdoored"] for r in rs], dtype=int),
                            np.array([r["probability"] for r in rs]))
            print(f"shipped calibrator on the {recipe} models outside its zoos ({len(rs)}): "
                  f"ROC-AUC {auc:.3f}, cross-entropy {ce:.3f}")
    print()
    header = "| held-out family | models (backdoored) | " + " | ".join(names) + " |"
    print(header)
    print("|" + "---|" * (2 + len(names)))
    results: dict = {n: {} for n in names}
    for kind, fam, n, n_bad in fams:
        cells = []
        for name in names:
            y, p = held_out(pool, kind, fam, name)
            auc, ce = score(y, p)
            results[name][f"{kind}:{fam}"] = {"roc_auc": auc, "cross_entropy": ce,
                                              "n": len(y), "n_backdoored": int(y.sum())}
            cells.append(f"{auc:.3f} / {ce:.3f}")
        label = f"{kind}: {fam}"
        size = f"{n_bad} + clean" if kind == "trigger" else f"{n} ({n_bad})"
        print(f"| {label} | {size} | " + " | ".join(cells) + " |")
    worst = []
    for name in names:
        aucs = [v["roc_auc"] for v in results[name].values() if v["roc_auc"] == v["roc_auc"]]
        ces = [v["cross_entropy"] for v in results[name].values()]
        worst.append(f"{min(aucs):.3f} / {max(ces):.3f}")
    print("| **worst family** (ROC-AUC / CE) | | " + " | ".join(worst) + " |")
    if evaluation:
        cells = []
        for name in names:
            y = np.array([r["backdoored"] for r in evaluation], dtype=int)
            p = predict(pool, evaluation, name)
            auc, ce = score(y, p)
            results[name]["eval_zoo"] = {"roc_auc": auc, "cross_entropy": ce}
            cells.append(f"{auc:.3f} / {ce:.3f}")
        print(f"| evaluation zoo {args.eval_zoo} (fit on the whole pool) | {len(evaluation)} "
              f"({sum(r['backdoored'] for r in evaluation)}) | " + " | ".join(cells) + " |")
    if args.test_rows:
        if args.test_draw:
            test = [{**r, "read_draw": args.test_draw} for r in test]
        test += [] if args.without_eval_zoo else evaluation
        results["fresh"] = fresh_test(pool, test, names)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    if args.ship:
        ship(pool, args.ship, args.calibration)
    for name in args.ship_raise:
        ship_raise(pool, name, args.calibration)


def ship_raise(pool: list[dict], name: str, path: Path) -> None:
    """Fit the raise-only term ``name`` (``hinge: <base>`` or ``pixhinge: <base>``) on the
    pool rows that have its probe and write it as ``auto:raise`` (``auto:raise:pixels``); a
    term a rule fixed (``aggfix: <base>``, ``aggpixfix: <base>``, stop 34b) keeps its slope
    and start, and reads the plain gap, which ``auto`` records as the mean over its draws:
    ``coef`` = slope and ``intercept`` = −slope · start on the raw gap, so its linear score is
    slope · (gap − start)."""
    from trojanscope.detect.calibration import (
        RAISE,
        Calibrator,
        load_calibrators,
        save_calibrators,
    )
    from trojanscope.detect.coverage import count_traits

    fixed = next((k for k in FIXED_HINGES if name.startswith(k)), None)
    if fixed is not None:  # stop 34b: a term a rule fixed is written as it is, not refitted
        gap, slope, start = FIXED_HINGES[fixed]
        suffix = next(s for g, s in HINGE_DESIGNS.values() if g == gap)
        fit = [r for r in pool if gap in features(r)]
    else:
        prefix = next(k for k in HINGE_DESIGNS if name.startswith(k))
        gap, suffix = HINGE_DESIGNS[prefix]
        fit = [r for r in pool if gap in features(r)]
        y = np.array([r["backdoored"] for r in fit], dtype=int)
        slope, start = fit_hinge(predict(pool, fit, name.removeprefix(prefix)),
                                 np.array([features(r)[gap] for r in fit]), y,
                                 hinge_floor(fit, gap))
    gap = gap.removesuffix("_r5")  # auto records the mean over its draws under the plain name
    cals = load_calibrators(path)
    key = f"auto:{RAISE}{suffix}"
    names, coef, extra = [gap], [slope], {}
    if fixed in DENSE_STARTS:  # stop 35: score slope·(gap − start − (dense − start)·dense)
        names, coef = [gap, DENSE], [slope, -slope * (DENSE_STARTS[fixed] - start)]
        extra = {"start_dense": DENSE_STARTS[fixed]}
    why = {GAP: "from the clean data's empty pixels one class is reached far more often than "
                "the next, as a trigger written there would make it",
           "pixel_share_gap": "a few pixels set to the maximum send the clean inputs to one "
                              "class far more often than to the next, as a patch trigger would",
           "frame_share_gap": "the image's outer ring lit at one value sends the clean inputs to "
                              "one class far more often than to the next, as a frame trigger "
                              "would"}
    cals[key] = Calibrator(key, names, coef, -slope * start, {
        "n_models": len(fit), "zoo": sorted({r["zoo"] for r in fit}), "design": name,
        "start": start, **extra, "slope": slope,
        "coverage": count_traits(r["traits"] for r in fit), "why": why[gap]})
    save_calibrators(cals, path)
    print(f"shipped {key}: slope {slope:g}, start {start:.2f} on {len(fit)} models")


def fresh_groups(test: list[dict]) -> list[tuple[str, np.ndarray]]:
    """The fresh test's groups, (label, boolean mask over ``test``): every architecture (and,
    with ``--all-families``, recipe) family with clean and backdoored models, every trigger
    family (its backdoored models with every clean model), then ``all``. Also read by
    ``foreign_zoo_detect.py`` (stop 38) to score the shipped ``detect`` the same way."""
    y_all = np.array([r["backdoored"] for r in test], dtype=int)
    groups: list[tuple[str, np.ndarray]] = []
    held = [("arch", {**ARCH_FAMILIES, **(MORE_ARCH if ALL_FAMILIES else TEST_FAMILIES)})]
    held += [("recipe", RECIPE_FAMILIES)] if ALL_FAMILIES else []
    for kind, fams in held:
        for fam, member in fams.items():
            sel = np.array([member(r) for r in test], dtype=bool)
            if 0 < y_all[sel].sum() < sel.sum():
                groups.append((f"{kind}: {fam}", sel))
    for fam in sorted({r["trigger_family"] for r in test if r["backdoored"]}):
        sel = np.array([not r["backdoored"] or r["trigger_family"] == fam for r in test])
        groups.append((f"trigger: {fam}", sel))
    groups.append(("all", np.ones(len(test), dtype=bool)))
    return groups


def fresh_test(pool: list[dict], test: list[dict], names: list[str]) -> dict:
    """Each design fitted once on the whole pool, scored on populations no design was chosen
    on: per architecture family and per trigger family (its backdoored models with every clean
    test model), and over all of them."""
    print(f"\nfresh test: {len(test)} models ({sum(r['backdoored'] for r in test)} backdoored), "
          "designs fitted on the whole pool\n")
    print("| family | models (backdoored) | " + " | ".join(names) + " |")
    print("|" + "---|" * (2 + len(names)))
    preds = {n: predict(pool, test, n) for n in names}
    for n in names:
        if n in HINGES:
            slope, start, n_fit = HINGES[n]
            print(f"{n}: slope {slope:g}, start {start:.2f}, fitted on {n_fit} rows")
    y_all = np.array([r["backdoored"] for r in test], dtype=int)
    groups = fresh_groups(test)
    out: dict = {n: {} for n in names}
    worst = {n: [1.0, 0.0] for n in names}
    for label, sel in groups:
        cells = []
        for n in names:
            auc, ce = score(y_all[sel], preds[n][sel])
            out[n][label] = {"roc_auc": auc, "cross_entropy": ce, "n": int(sel.sum()),
                             "n_backdoored": int(y_all[sel].sum())}
            if label != "all":
                worst[n] = [min(worst[n][0], auc), max(worst[n][1], ce)]
            cells.append(f"{auc:.3f} / {ce:.3f}")
        print(f"| {label} | {sel.sum()} ({y_all[sel].sum()}) | " + " | ".join(cells) + " |")
    print("| **worst family** | | " + " | ".join(f"{w[0]:.3f} / {w[1]:.3f}"
                                                for w in worst.values()) + " |")
    print("\n| model | backdoored | logit_std | " + " | ".join(names) + " |")
    print("|" + "---|" * (3 + len(names)))
    for i, r in enumerate(test):  # per model: which routing moved which probability
        print(f"| {r['name']} | {r['backdoored']} | {r['logit_std']:.2f} | "
              + " | ".join(f"{preds[n][i]:.3f}" for n in names) + " |")
    for n in names:
        out[n]["per_model"] = {f"{r['zoo']}/{r['name']}": float(preds[n][i])
                               for i, r in enumerate(test)}
    return out


def recipe_counts(pool: list[dict]) -> dict[str, dict[str, int]]:
    """How many pool models each training-recipe trait had (``widen_pool.py``'s
    ``train_recipe``), recorded with a shipped calibrator; empty for rows without recipes."""
    if not any("train_recipe" in r for r in pool):
        return {}
    counts: dict[str, int] = {}
    for r in pool:
        rec = r.get("train_recipe", {})
        traits = [f"optim:{rec.get('optim', 'engine')}"]
        traits += [k for k, m in RECIPE_FAMILIES.items() if k != "sgd" and m(r)]
        for t in traits:
            counts[t] = counts.get(t, 0) + 1
    return {"recipes": dict(sorted(counts.items()))}


def ship(pool: list[dict], name: str, path: Path) -> None:
    """Fit design ``name`` on the whole pool and write it as the calibrator of ``auto`` (with
    clean data; and of ``mmbd``/``auto:data-free`` when its features need no clean data), or,
    for ``routed: <design>``, as the ``<method>:out-of-coverage`` calibrators that serve models
    outside the default calibrators' coverage; records the pool's architecture coverage."""
    from dataclasses import replace

    from trojanscope.detect.calibration import (
        OUT_OF_COVERAGE,
        fit_calibrator,
        load_calibrators,
        save_calibrators,
    )
    from trojanscope.detect.coverage import count_traits

    refit = name.startswith("refit: ")
    routed = refit or name.startswith("routed: ")
    name = name.removeprefix("routed: ").removeprefix("refit: ")
    names, transform, c = DESIGNS[name]
    with_data = {"mmbd_top_over_clean", "mmbd_clean_ratio_anomaly", "mmbd_logit_z",
                 "mmbd_early_z"}  # MM-BD's margins on the clean data's scale
    data_free = all(f.startswith("mmbd_") and f not in with_data for f in names)
    keys = ["auto"] + (["mmbd", "auto:data-free"] if data_free else [])
    if routed:  # the default calibrators stay; these serve models outside their coverage
        keys = [f"{k}:{OUT_OF_COVERAGE}" for k in (["auto", "mmbd"] if data_free else ["auto"])]
    cals = load_calibrators(path)
    if routed and not data_free and f"auto:{OUT_OF_COVERAGE}" in cals:
        # Without clean data ``auto`` is MM-BD alone: it keeps the data-free wider calibrator.
        kept = cals[f"auto:{OUT_OF_COVERAGE}"]
        if all(f.startswith("mmbd_") for f in kept.features):
            cals[f"auto:data-free:{OUT_OF_COVERAGE}"] = replace(
                kept, method=f"auto:data-free:{OUT_OF_COVERAGE}")
    if refit:  # the default calibrators: their design refitted on the pool's covered models
        inside = [r for r in pool if covered(r)]
        d_names, d_transform, d_c = DESIGNS[DEFAULT_DESIGN]
        for key in ("auto", "mmbd", "auto:data-free"):
            cals[key] = fit_calibrator(
                key, [features(r) for r in inside], [int(r["backdoored"]) for r in inside],
                d_names, transform=d_transform, c=d_c, zoo=sorted({r["zoo"] for r in inside}),
                design=DEFAULT_DESIGN, coverage=count_traits(r["traits"] for r in inside))
            print(f"shipped {key}: {DEFAULT_DESIGN} on {len(inside)} covered models")
    recipes = recipe_counts(pool)
    for key in keys:
        cals[key] = fit_calibrator(
            key, [features(r) for r in pool], [int(r["backdoored"]) for r in pool], names,
            transform=transform, c=c, zoo=sorted({r["zoo"] for r in pool}), design=name,
            coverage=count_traits(r["traits"] for r in pool), **recipes)
        print(f"shipped {key}: {name} on {len(pool)} models")
    save_calibrators(cals, path)


if __name__ == "__main__":
    main()
