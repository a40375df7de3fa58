"""Input-level (run-time) trigger detection: score inputs, flag the likely triggered ones.

Importing this package registers the built-in ``input-detector`` methods.
"""

from trojanscope.detect.input_level.base import (
    FittedGuard,
    InputDetector,
    conformal_threshold,
    fit_guard,
    threshold_at_fpr,
)
from trojanscope.detect.input_level.ensemble import Ensemble
from trojanscope.detect.input_level.ibd_psc import IbdPsc
from trojanscope.detect.input_level.mahalanobis import Mahalanobis
from trojanscope.detect.input_level.scale_up import ScaleUp
from trojanscope.detect.input_level.strip import Strip
from trojanscope.detect.input_level.teco import TeCo

__all__ = ["Ensemble", "FittedGuard", "IbdPsc", "InputDetector", "Mahalanobis", "ScaleUp", "Strip",
           "TeCo", "conformal_threshold", "fit_guard", "threshold_at_fpr"]
