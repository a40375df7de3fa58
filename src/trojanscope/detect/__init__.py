"""Model-level backdoor detection. Importing this package registers the built-in detectors."""

from trojanscope.detect.auto import AutoDetector
from trojanscope.detect.base import ClassResult, ModelDetector, ModelVerdict, ReversedTrigger
from trojanscope.detect.trigger_search import TriggerSearch

__all__ = [
    "AutoDetector",
    "ClassResult",
    "ModelDetector",
    "ModelVerdict",
    "ReversedTrigger",
    "TriggerSearch",
]
