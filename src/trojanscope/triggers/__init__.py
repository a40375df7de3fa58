"""Triggers: one file per family. Importing this package registers them all."""

from trojanscope.triggers.base import Trigger
from trojanscope.triggers.blend import BlendTrigger
from trojanscope.triggers.frequency import FrequencyTrigger
from trojanscope.triggers.patch import PatchTrigger
from trojanscope.triggers.pieces import PiecesTrigger
from trojanscope.triggers.pixels import PixelsTrigger
from trojanscope.triggers.quantize import QuantizeTrigger
from trojanscope.triggers.sig import SIGTrigger
from trojanscope.triggers.smooth import SmoothTrigger
from trojanscope.triggers.warp import WarpTrigger

__all__ = [
    "BlendTrigger",
    "FrequencyTrigger",
    "PatchTrigger",
    "PiecesTrigger",
    "PixelsTrigger",
    "QuantizeTrigger",
    "SIGTrigger",
    "SmoothTrigger",
    "Trigger",
    "WarpTrigger",
]
