"""Poisoning attacks. Importing this package registers them all."""

from trojanscope.attacks.base import Attack, CleanLabelAttack
from trojanscope.attacks.named import SIG, BadNets, Blended, WaNet
from trojanscope.attacks.sparse import SparsePixels

__all__ = ["SIG", "Attack", "BadNets", "Blended", "CleanLabelAttack", "SparsePixels", "WaNet"]
