"""Poisoning attacks. Importing this package registers them all."""

from trojanscope.attacks.adaptive_blend import AdaptiveBlend
from trojanscope.attacks.base import Attack, CleanLabelAttack
from trojanscope.attacks.bpp import BppAttack
from trojanscope.attacks.ftrojan import FTrojan
from trojanscope.attacks.lowfreq import LowFrequency
from trojanscope.attacks.named import SIG, BadNets, Blended, WaNet
from trojanscope.attacks.sparse import SparsePixels

__all__ = [
    "SIG",
    "AdaptiveBlend",
    "Attack",
    "BadNets",
    "Blended",
    "BppAttack",
    "CleanLabelAttack",
    "FTrojan",
    "LowFrequency",
    "SparsePixels",
    "WaNet",
]
