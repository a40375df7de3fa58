"""Input-level (run-time) trigger detection: score inputs, flag the likely triggered ones.

Importing this package registers the built-in ``input-detector`` methods.
"""

from trojanscope.detect.input_level.base import (
    FittedGuard,
    InputDetector,
    fit_guard,
    threshold_at_fpr,
)
from trojanscope.detect.input_level.strip import Strip

__all__ = ["FittedGuard", "InputDetector", "Strip", "fit_guard", "threshold_at_fpr"]
