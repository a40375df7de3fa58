"""Model-level backdoor detection. Importing this package registers the built-in detectors."""

from trojanscope.detect.auto import AutoDetector
from trojanscope.detect.base import ClassResult, ModelDetector, ModelVerdict, ReversedTrigger
from trojanscope.detect.mmbd import MMBD
from trojanscope.detect.neural_cleanse import NeuralCleanse
from trojanscope.detect.trigger_search import TriggerSearch

__all__ = [
    "MMBD",
    "AutoDetector",
    "ClassResult",
    "ModelDetector",
    "ModelVerdict",
    "NeuralCleanse",
    "ReversedTrigger",
    "TriggerSearch",
]
