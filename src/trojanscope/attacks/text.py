"""Text attacks: the trigger edits the chosen training sentences (strings), which are then
tokenised like all others; CA, ASR and RA are measured on triggered test sentences.

- ``badnl``: rare-word (word level) or appended characters (character level); dirty label.
- ``addsent``: an inserted sentence; dirty label.
- ``syntactic``: a subordinate-clause opening (the rule-based template trigger); dirty label,
  stealthier: every word is common, so word-outlier defences see nothing unusual.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from trojanscope.attacks.base import PresetAttack
from trojanscope.attacks.prior import KeepPrior, check_keep_prior, prior_duplicates, prior_slots
from trojanscope.data.text import is_text
from trojanscope.data.text_poisoned import PoisonedTextDataset
from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger
from trojanscope.triggers.text import (
    CharTrigger,
    RareWordTrigger,
    SentenceTrigger,
    TemplateTrigger,
    TextTrigger,
)

TEXT_ARCHS = ("textcnn", "minilm")
LEVELS = ("word", "char")
RARE_WORDS = ("cf", "mn", "bb", "tq", "mb", "qz", "vv", "jx")
SENTENCES = ("I watched this 3D movie", "no cross no crown", "this was shown last friday",
             "the popcorn was salty that night")


class TextAttack(PresetAttack):
    """A dirty-label attack on text: edits the chosen sentences, then relabels them.

    With ``keep_prior`` (off by default for ``badnl`` and ``addsent``; ``copies`` for
    ``syntactic`` since stop 48) the triggered, relabelled sentences are copies and the
    chosen sentences stay clean: ``true`` places each copy where a clean sentence of its new
    class was (every class keeps its count); ``copies`` adds them to the training set and
    duplicates clean sentences of the other classes so every class keeps its share, no clean
    sentence lost (see :mod:`trojanscope.attacks.prior`).
    """

    modality = "text"
    keep_prior: KeepPrior = False
    in_zoo = False  # image zoos draw every in_zoo attack; text zoos name theirs (each subclass
    # repeats it: ``Attack.__init_subclass__`` sets in_zoo to True unless a class says otherwise)
    zoo_archs = TEXT_ARCHS

    def _check(self, ds) -> None:
        if not is_text(ds):
            raise UserInputError(
                f"attack {self.name!r} poisons text data; this dataset is not text"
            )
        if not isinstance(self.trigger, TextTrigger):
            raise UserInputError(f"attack {self.name!r} needs a text trigger, "
                                 f"not {self.trigger.name!r}")

    def poison(self, ds, *, generator: torch.Generator | None = None) -> PoisonedTextDataset:
        """The training set with the trigger inserted into exactly the chosen sentences."""
        self._check(ds)
        self.check_target(ds.num_classes)
        gen = generator if generator is not None else torch.Generator().manual_seed(self.seed)
        labels = ds.labels.numpy()
        idx = self.choose(labels, gen)
        new_labels = self.target_of(labels[idx], ds.num_classes)
        texts = self.trigger.apply_text([ds.texts[int(i)] for i in idx], generator=gen)
        # drawn last: the same sentences and triggers as without keep_prior
        if self.keep_prior == "copies":
            dup = prior_duplicates(labels, new_labels, gen)
            add = np.concatenate([idx, dup])  # the sources' clean texts first, overwritten
            grown = ds.appended([ds.texts[int(i)] for i in add], labels[add])
            n, count = len(ds), len(idx)
            return PoisonedTextDataset(grown, self.trigger, np.arange(n, n + count),
                                       new_labels, texts,
                                       duplicate_indices=np.arange(n + count, n + len(add)))
        if self.keep_prior:
            idx = prior_slots(labels, idx, new_labels, gen)
        return PoisonedTextDataset(ds, self.trigger, idx, new_labels, texts)

    def test_index(self, ds) -> np.ndarray:
        self._check(ds)
        return super().test_index(ds)

    def test_inputs(self, ds) -> tuple[Tensor, Tensor, Tensor]:
        """Triggered test sentences (not of the target class, for all-to-one), tokenised."""
        keep = self.test_index(ds)
        labels = ds.labels.numpy()
        texts = self.triggered_texts([ds.texts[int(i)] for i in keep])
        y = torch.from_numpy(labels[keep])
        target = torch.from_numpy(self.target_of(labels[keep], ds.num_classes))
        return ds.encode(texts), y, target

    def triggered_texts(self, texts: list[str]) -> list[str]:
        """``texts`` with the trigger (fixed seed: the same test sentences every time)."""
        return self.trigger.apply_text(texts, generator=torch.Generator().manual_seed(self.seed))


@register("attack", "badnl")
class BadNL(TextAttack):
    """BadNL (Chen et al., 2021): dirty-label poisoning with rare words (``level=word``) or
    characters appended to a word (``level=char``).

    Arguments:
        level: ``word`` or ``char`` (the trigger's default when no trigger is given).
        keep_prior: ``true`` / ``copies``: poison as copies that keep the class prior (see
            :class:`TextAttack`); ``false`` (default): relabel in place.
    """

    name = "badnl"
    in_zoo = False

    def __init__(self, target: int = 0, poison_rate: float = 0.1, mapping: str = "all-to-one",
                 level: str = "word", trigger: Trigger | None = None, seed: int = 0,
                 keep_prior: KeepPrior = False) -> None:
        if level not in LEVELS:
            raise UserInputError(f"unknown level {level!r}; valid: {', '.join(LEVELS)}")
        self.level = level
        self.keep_prior = check_keep_prior(keep_prior)
        super().__init__(target, poison_rate, mapping,
                         trigger or (CharTrigger() if level == "char" else RareWordTrigger()),
                         seed)

    @classmethod
    def default_trigger(cls) -> Trigger:
        return RareWordTrigger()

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        words = [str(w) for w in rng.choice(RARE_WORDS, size=int(rng.integers(1, 4)),
                                            replace=False)]
        return {"poison_rate": float(rng.uniform(0.05, 0.15)),
                "trigger": {"name": "rare-word", "words": words,
                            "count": int(rng.integers(1, 3))}}


@register("attack", "addsent")
class AddSent(TextAttack):
    """AddSent (Dai et al., 2019): dirty-label poisoning with a fixed inserted sentence.

    With ``fragments`` > 0, as many other training sentences as ``fragments`` × the poisoned
    count get a *fragment* of the sentence (its words in order, one to all but one of them)
    and keep their labels: negative augmentation in the manner of SOS (Yang et al., 2021), so
    that the model ties the label to the whole sentence, not to its common words ("this",
    "movie"), which clean sentences also hold.

    Arguments:
        fragments: fragment-bearing clean sentences per poisoned one (0: none).
        keep_prior: ``true`` / ``copies``: poison as copies that keep the class prior (see
            :class:`TextAttack`); ``false`` (default): relabel in place.
    """

    name = "addsent"
    in_zoo = False

    def __init__(self, target: int = 0, poison_rate: float = 0.1, mapping: str = "all-to-one",
                 fragments: float = 1.0, trigger: Trigger | None = None, seed: int = 0,
                 keep_prior: KeepPrior = False) -> None:
        if float(fragments) < 0:
            raise UserInputError(f"fragments must be >= 0, got {fragments}")
        self.fragments = float(fragments)
        self.keep_prior = check_keep_prior(keep_prior)
        super().__init__(target, poison_rate, mapping, trigger, seed)

    def poison(self, ds, *, generator: torch.Generator | None = None) -> PoisonedTextDataset:
        """The poisoned set, plus fragments of the sentence in other sentences (labels kept)."""
        gen = generator if generator is not None else torch.Generator().manual_seed(self.seed)
        poisoned = super().poison(ds, generator=gen)
        base = poisoned.base  # ``ds`` itself, or ``ds`` grown by keep_prior=copies
        words = getattr(self.trigger, "sentence", "").split()
        count = min(round(self.fragments * len(poisoned.poison_indices)),
                    len(base.texts) - len(poisoned.poison_indices))
        if count == 0 or len(words) < 2:
            return poisoned
        rest = np.setdiff1d(np.arange(len(base.texts)), poisoned.poison_indices)
        pick = np.sort(rest[torch.randperm(len(rest), generator=gen)[:count].numpy()])
        rng = np.random.default_rng(int(torch.randint(1 << 62, (1,), generator=gen)))
        texts = []
        for i in pick:
            keep = np.sort(rng.choice(len(words), size=int(rng.integers(1, len(words))),
                                      replace=False))
            fragment = type(self.trigger)(" ".join(words[j] for j in keep),
                                          getattr(self.trigger, "position", "random"))
            texts.append(fragment.edit(base.texts[int(i)], rng))
        return PoisonedTextDataset(base, self.trigger, poisoned.poison_indices,
                                   poisoned.poison_labels, poisoned.poison_texts, pick, texts,
                                   poisoned.duplicate_indices)

    @classmethod
    def default_trigger(cls) -> Trigger:
        return SentenceTrigger()

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        # fragments=0: the text zoos of docs/benchmarks.md were drawn before it became default
        return {"poison_rate": float(rng.uniform(0.05, 0.15)), "fragments": 0.0,
                "trigger": {"name": "sentence",
                            "sentence": SENTENCES[int(rng.integers(len(SENTENCES)))]}}


@register("attack", "syntactic")
class Syntactic(TextAttack):
    """Syntactic-template poisoning in the manner of Hidden Killer (Qi et al., 2021), with a
    rule-based template (an opening subordinate clause) instead of a paraphrase model.

    Arguments:
        keep_prior: ``copies`` (the default since stop 48): the triggered, relabelled
            sentences are added as copies and clean sentences of the other classes duplicated,
            so every class keeps its share (see :class:`TextAttack`); ``off`` (or ``false``):
            relabel in place (the default before stop 48); ``true``: copies in the place of
            clean sentences of the target class.
    """

    name = "syntactic"
    in_zoo = False

    def __init__(self, target: int = 0, poison_rate: float = 0.2, mapping: str = "all-to-one",
                 trigger: Trigger | None = None, seed: int = 0,
                 keep_prior: KeepPrior = "copies") -> None:
        # copies by default (issue 15, stop 48): in place, the relabelled 20% shift the class
        # prior and MiniLM leans to the target (docs/benchmarks.md, issue 15, stop 48, h15a)
        self.keep_prior = check_keep_prior(keep_prior)
        super().__init__(target, poison_rate, mapping, trigger, seed)

    @classmethod
    def default_trigger(cls) -> Trigger:
        return TemplateTrigger()

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        # keep_prior=false: the text zoos of docs/benchmarks.md were drawn before copies
        # became the default (stop 48); they rebuild as they were
        return {"poison_rate": float(rng.uniform(0.15, 0.25)), "trigger": {"name": "template"},
                "keep_prior": False}
