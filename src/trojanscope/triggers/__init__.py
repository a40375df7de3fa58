"""Triggers: one file per family. Importing this package registers them all."""

from trojanscope.triggers.base import Trigger
from trojanscope.triggers.blend import BlendTrigger
from trojanscope.triggers.patch import PatchTrigger
from trojanscope.triggers.pixels import PixelsTrigger
from trojanscope.triggers.sig import SIGTrigger
from trojanscope.triggers.warp import WarpTrigger

__all__ = ["BlendTrigger", "PatchTrigger", "PixelsTrigger", "SIGTrigger", "Trigger", "WarpTrigger"]
