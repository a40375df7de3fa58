"""Candidate model-level features that do not read the logit scale (issue 9, eighth round).

Built from the numbers ``generalise_rows.py`` and ``probe_rows.py`` already record per model (no
detector is run), each unchanged when every logit of the model is multiplied by the same factor
(the factor label smoothing, SGD or a cosine schedule shrink):

- ``sf_gap_z``: (largest − second-largest MM-BD margin) over the clean logits' spread;
- ``sf_early_share_anomaly``: per class, the share of its final margin MM-BD reaches after 5
  steps (how fast noise is driven to the class); MAD anomaly of the largest share;
- ``sf_restart_anomaly``: per class, mean over best margin across MM-BD's restarts (a backdoor
  target is reached from every start); MAD anomaly of the largest;
- ``sf_rank_consensus``: the class ranks under MM-BD's margins and the probes' sizes (universal,
  striped, trigger-search mask), averaged per class; 1 − the best class's mean rank / (K − 1)
  (1: one class is every method's easiest);
- ``sf_rank_gap``: the second-best class's mean rank minus the best's, over K − 1;
- ``sf_mmbd_rank``: 1 − MM-BD's suspect's mean rank among the probes' orderings / (K − 1);
- ``sf_share_top``/``sf_share_anomaly``/``sf_share_log_ratio`` (free universal perturbation)
  and ``sf_stripe_share_*`` (striped): per class, the share of the other classes' clean inputs
  the growing perturbation sends to the class, averaged over the bound schedule (the area under
  ``probe_rows.py``'s ``uap_hits`` curve: a count of decisions); its largest value, MAD anomaly
  and log ratio to the median.

The existing normalised features (``mmbd_logit_z``, ``mmbd_top_over_clean``,
``mmbd_clean_ratio_anomaly``; ``normalised_features.py``) are scale-free too and are measured
beside these.
"""

from __future__ import annotations

import numpy as np
import torch

from trojanscope.detect.base import mad_anomaly
from trojanscope.detect.universal import share_features as universal_share_features

EPS = 1e-6


def _anomaly_max(values: np.ndarray) -> float:
    return float(mad_anomaly(torch.tensor(values, dtype=torch.float64)).clamp(-10, 10).max())


def _ranks(values: np.ndarray, ascending: bool) -> np.ndarray:
    """Rank of each class (0 = easiest), ties broken by class order."""
    order = np.argsort(values if ascending else -values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return ranks


def scale_free_features(row: dict) -> dict[str, float]:
    """The candidate features of one ``generalise_rows.py`` row (rank features need probes)."""
    margins = np.asarray(row["margin"], dtype=np.float64)
    mean = np.asarray(row["mean_margin"], dtype=np.float64)
    early = np.asarray(row["margin5"], dtype=np.float64)
    top2 = np.sort(margins)[-2:]
    floor = max(0.01 * float(np.abs(margins).max()), EPS)
    out = {
        "sf_gap_z": float((top2[1] - top2[0]) / max(row["logit_std"], EPS)),
        "sf_early_share_anomaly": _anomaly_max(early / np.maximum(margins, floor)),
        "sf_restart_anomaly": _anomaly_max(mean / np.maximum(margins, floor)),
    }
    probe = row.get("probe")
    if probe:
        k = len(margins)
        sizes = [np.asarray(probe[key], dtype=np.float64)
                 for key in ("eps50", "stripe_eps50", "ts_norms") if key in probe]
        probe_ranks = [_ranks(s, ascending=True) for s in sizes]
        mean_rank = np.mean([_ranks(margins, ascending=False), *probe_ranks], axis=0)
        best, second = np.sort(mean_rank)[:2]
        suspect = int(np.argmax(margins))
        out["sf_rank_consensus"] = float(1 - best / (k - 1))
        out["sf_rank_gap"] = float((second - best) / (k - 1))
        out["sf_mmbd_rank"] = float(1 - np.mean([r[suspect] for r in probe_ranks]) / (k - 1))
        for key, prefix in (("uap_hits", "sf_share"), ("stripe_hits", "sf_stripe_share")):
            if key in probe:
                out.update(share_features(np.asarray(probe[key], dtype=np.float64), prefix))
    return out


def share_features(hits: np.ndarray, prefix: str = "sf_share") -> dict[str, float]:
    """The detector's flip-share features (``detect/universal.py``) of ``probe_rows.py``'s
    per-class, per-step shares, named ``{prefix}_top``/``_anomaly``/``_log_ratio``."""
    out = universal_share_features(torch.tensor(hits), "x")
    return {f"{prefix}_{key.removeprefix('x_share_')}": v for key, v in out.items()}
