"""Input purification: preprocessing that tries to neutralise a trigger before the model sees
an input (ShrinkPad, median smoothing, JPEG, bit-depth reduction, saliency masking).

Importing this package registers the built-in methods (registry kind ``input-purifier``).
"""

from trojanscope.purify.base import InputPurifier

__all__ = ["InputPurifier"]
