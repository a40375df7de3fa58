"""What a training-time defence is: a small class that trains a model through the engine.

A defence never sees the attacker's ground truth (poison indices, trigger): it gets the training
data as given, a factory for fresh models and the trainer holding the user's recipe. It returns
the trained model and what it decided (e.g. which samples it isolated), which the experiment
compares with the ground truth afterwards for the report only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from torch import nn

from trojanscope import registry
from trojanscope.data.dataset import BatchDataset
from trojanscope.engine.callbacks import Callback
from trojanscope.engine.train import Trainer
from trojanscope.io.manifest import ArchSpec
from trojanscope.params import ParamsMixin

# seed -> a freshly initialised model of the user's architecture (weights drawn from ``seed``)
ModelFactory = Callable[[int], nn.Module]


@dataclass
class DefenceOutcome:
    """The trained model and what the defence did.

    ``arch`` is set when the saved model is not the user's architecture itself (DPA saves an
    ensemble); ``flagged`` holds training-sample indices the defence treated as suspect.
    """

    model: nn.Module
    details: dict[str, Any] = field(default_factory=dict)
    arch: ArchSpec | None = None
    flagged: list[int] | None = None


class Defence(ParamsMixin):
    """Base class: ``__init__`` stores the parameters, :meth:`train` does the work.

    ``certificate`` names the certificate kind a model trained this way supports (``trojanscope
    certify`` refuses others): ``partition`` for DPA, ``patch`` for masked training, else None.
    """

    name: ClassVar[str] = ""
    certificate: ClassVar[str | None] = None

    def train(
        self,
        build: ModelFactory,
        data: BatchDataset,
        trainer: Trainer,
        *,
        callbacks: Sequence[Callback] = (),
        arch: ArchSpec | None = None,
    ) -> DefenceOutcome:
        """Train a model from ``build`` on ``data`` with ``trainer``'s recipe; ``arch`` names
        the architecture ``build`` makes (for defences that save something else)."""
        raise NotImplementedError

    def said(self, details: dict[str, Any], n: int) -> str | None:
        """One console line on what the defence did to the ``n`` training samples, from its
        run's ``details``; None where it has nothing to say. The ``train``/``attack`` console
        prints it first (stop 75, hrev: ABL's count was read off its details by name, so
        ``spectral`` dropped 24 of a user's 160 clean samples without a word)."""
        return None

    def spec(self) -> dict[str, Any]:
        """What the manifest records: the name, the parameters and the certificate kind."""
        return {"name": self.name, "params": self.get_params(), "certificate": self.certificate}


def create_defence(name: str, **params: Any) -> Defence:
    """Instantiate the registered defence ``name`` (unknown names/parameters: user errors)."""
    return registry.create("defence", name, **params)
