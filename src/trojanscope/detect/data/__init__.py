"""Data-level poison detection: which training samples carry a backdoor trigger?

Every method is a registered ``data-detector`` (``trojanscope list data-detector``): a small class
that turns the features of a model trained on (or for) the suspect data into one suspicion score
per sample. :func:`detect_data` is the one entry point (the CLI and the audit step call it).
"""

from trojanscope.detect.data.base import DataDetection, DataDetector, GroundTruthScore
from trojanscope.detect.data.run import detect_data

__all__ = ["DataDetection", "DataDetector", "GroundTruthScore", "detect_data"]
