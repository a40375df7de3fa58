"""MM-BD features that do not depend on the range of the model's activations.

MM-BD's statistics compare the largest reachable logit margin of each class with the others'.
With bounded activations (tanh, sigmoid) every class saturates near the same ceiling and the
backdoor target stands out less; with BatchNorm one class may be reachable far beyond the rest
on a clean model. These features put the reachable margins on the model's own scale, measured on
clean data: how far beyond its *typical clean margin* each class can be pushed, and the spread of
the reachable margins in units of the clean logits' spread. Built from numbers MM-BD and a
forward pass over the clean data already give, so they cost nothing extra.
"""

from __future__ import annotations

import numpy as np

from trojanscope.detect.base import mad_anomaly

EPS = 1e-6


def normalised_features(
    margins: np.ndarray,
    clean_margin: np.ndarray,
    logit_std: float,
    *,
    margins_early: np.ndarray | None = None,
    noise_frac: np.ndarray | None = None,
) -> dict[str, float]:
    """Model-level features from per-class maximum margins ``margins`` and the per-class median
    margin of correctly labelled clean samples ``clean_margin`` (same class order).

    - ``mmbd_top_over_clean``: largest reachable margin over the median clean margin;
    - ``mmbd_clean_ratio_anomaly``: MAD anomaly index of the largest per-class ratio
      reachable / clean margin (each class against its own clean confidence);
    - ``mmbd_logit_z``: (largest − median reachable margin) / standard deviation of clean logits;
    - with ``margins_early`` (margins after a few ascent steps: how fast random noise is driven
      to each class, which separates backdoors where saturating activations flatten the final
      margins): ``mmbd_early_anomaly``, its MAD anomaly index, and ``mmbd_early_z``, (largest −
      median) / standard deviation of clean logits; with ``noise_frac`` (share of uniform-noise
      inputs given each class): ``mmbd_noise_top``, its largest value.
    """
    import torch

    margins = np.asarray(margins, dtype=np.float64)
    clean = np.asarray(clean_margin, dtype=np.float64)
    scale = max(float(np.median(clean)), EPS)
    floor = max(0.1 * scale, EPS)
    ratio = margins / np.maximum(clean, floor)
    out = {
        "mmbd_top_over_clean": float(margins.max() / scale),
        "mmbd_clean_ratio_anomaly": float(mad_anomaly(torch.from_numpy(ratio)).max()),
        "mmbd_logit_z": float((margins.max() - np.median(margins)) / max(logit_std, EPS)),
    }
    if margins_early is not None:
        early = np.asarray(margins_early, dtype=np.float64)
        out["mmbd_early_anomaly"] = float(mad_anomaly(torch.from_numpy(early)).max())
        out["mmbd_early_z"] = float((early.max() - np.median(early)) / max(logit_std, EPS))
    if noise_frac is not None:
        out["mmbd_noise_top"] = float(np.max(noise_frac))
    return out


def clean_statistics(model, clean, num_classes: int, generator) -> tuple[np.ndarray, float]:
    """Per-class median margin of up to 20 clean samples per class, and the standard deviation
    of their logits: the model's own scale, against which MM-BD's margins are normalised."""
    import torch

    from trojanscope.detect.base import balanced_sample
    from trojanscope.detect.mmbd import margin

    data = balanced_sample(clean, 20, generator)
    with torch.no_grad():
        logits = model(data.x)
    own = margin(logits, data.y)
    per_class = np.array([float(own[data.y == c].median()) if bool((data.y == c).any()) else 0.0
                          for c in range(num_classes)])
    return per_class, float(logits.std())
