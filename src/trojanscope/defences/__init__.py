"""Training-time defences: train a model on data that may be poisoned so that the backdoor does
not take (ABL, spectral filtering) or so that its effect is provably bounded (DPA, masked
training for patch certificates). Every defence trains through the one engine
(:class:`~trojanscope.engine.train.Trainer`); see :mod:`trojanscope.defences.base`."""

from trojanscope.defences.base import Defence, DefenceOutcome, ModelFactory, create_defence

__all__ = ["Defence", "DefenceOutcome", "ModelFactory", "create_defence"]
