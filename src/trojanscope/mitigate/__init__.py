"""Post-training backdoor mitigation: purify a suspect model with a little clean data, or none.

Each method is a small :class:`~trojanscope.mitigate.base.Mitigation` registered as a
``mitigation``; every one that trains does so through the one engine
(:class:`trojanscope.engine.train.Trainer`). :func:`trojanscope.mitigate.run.mitigate` measures
the model before and after on held-out clean data and :mod:`trojanscope.mitigate.save` writes the
purified model as a normal run folder.
"""

from trojanscope.mitigate.base import Mitigation

__all__ = ["Mitigation"]
