"""The training engine and evaluation metrics."""

from trojanscope.engine.callbacks import Callback, TrainState
from trojanscope.engine.metrics import (
    AttackMetrics,
    accuracy,
    evaluate_attack,
    flip_rate,
    predict,
)
from trojanscope.engine.train import Trainer, TrainHistory, seeded

__all__ = [
    "AttackMetrics",
    "Callback",
    "TrainHistory",
    "TrainState",
    "Trainer",
    "accuracy",
    "evaluate_attack",
    "flip_rate",
    "predict",
    "seeded",
]
