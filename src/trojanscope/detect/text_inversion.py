"""Trigger inversion for text models in embedding space (in the spirit of DBS, Shen et al. 2022,
and PICCOLO, Liu et al. 2022): for each candidate target class, search for a few tokens that,
inserted into clean sentences of the other classes, turn them into that class.

The search is first-order (HotFlip-style): the gradient of the target-class loss with respect
to each trigger slot's embedding ranks every vocabulary token by the loss decrease it promises;
the best ``candidates`` are tried exactly and the best kept, slot by slot, for up to
``max_tokens`` tokens. A backdoored model has a short trigger that flips almost every sentence
(a rare word flips all of them); a clean sentiment model is flipped only partly even by its
strongest words. The flip rates of the best 1- and ``max_tokens``-token triggers (and how much
the best class stands out from the others) are the features a calibrator turns into a
probability. Needs clean sentences; the model must expose ``embed``/``forward_embeds``/
``token_embeddings`` (trojanscope's text architectures do).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.detect.base import (
    ClassResult,
    InspectionTarget,
    ModelDetector,
    ModelVerdict,
    balanced_sample,
)
from trojanscope.errors import UserInputError
from trojanscope.models.text_common import padding_mask
from trojanscope.registry import register


def insert_ids(ids: Tensor, trigger: list[int], at: int, pad_id: int) -> Tensor:
    """``trigger`` inserted at position ``at`` of every row (rows keep their length: the tail
    is cut)."""
    n, length = ids.shape
    trig = torch.tensor(trigger, dtype=torch.long).expand(n, len(trigger))
    return torch.cat([ids[:, :at], trig, ids[:, at:]], dim=1)[:, :length]


@register("detector", "text-inversion")
class TextInversion(ModelDetector):
    """Text trigger inversion in embedding space (DBS/PICCOLO-style, first-order token search):
    the flip rate of the best few-token trigger per class.

    Arguments:
        max_tokens: trigger length searched up to.
        per_class: clean sentences per class used (a balanced sample).
        candidates: tokens tried exactly per slot update (the best by the gradient).
        rounds: passes over the slots at each length.
    """

    name = "text-inversion"
    needs_data = True
    min_per_class = 5
    modality = "text"

    def __init__(self, max_tokens: int = 3, per_class: int = 48, candidates: int = 16,
                 rounds: int = 2) -> None:
        if min(int(max_tokens), int(per_class), int(candidates), int(rounds)) < 1:
            raise ValueError("max_tokens, per_class, candidates and rounds must be >= 1")
        self.max_tokens = int(max_tokens)
        self.per_class = int(per_class)
        self.candidates = int(candidates)
        self.rounds = int(rounds)

    def run(self, target: InspectionTarget, generator: torch.Generator) -> ModelVerdict:
        model = target.model
        for needed in ("embed", "forward_embeds", "token_embeddings"):
            if not hasattr(model, needed):
                raise UserInputError(f"method {self.name!r} needs a text model of trojanscope's "
                                     f"(one with {needed}()); this model has none")
        assert target.clean is not None
        clean = balanced_sample(target.clean, self.per_class, generator)
        ids = clean.x
        with torch.no_grad():
            pred = model(ids).argmax(1)
        results: list[ClassResult] = []
        curves: list[tuple[list[float], list[float]]] = []
        for t in range(target.num_classes):
            x = ids[pred != t]
            if len(x) == 0:
                zero = [0.0] * self.max_tokens
                curves.append((zero, zero))
                results.append(ClassResult(t, 0.0, {"flip": 0.0, "prob": 0.0}))
                continue
            trigger, flips, probs = self._search(model, x, t)
            curves.append((flips, probs))
            results.append(ClassResult(t, probs[-1], {
                "flip": flips[-1], "prob": probs[-1],
                **{f"token_{i}": float(tok) for i, tok in enumerate(trigger)}}))
        final = torch.tensor([c[1][-1] for c in curves])
        order = torch.argsort(final, descending=True).tolist()
        flips, probs = curves[order[0]]
        features = {f"ti_flip_{k + 1}": flips[k] for k in range(self.max_tokens)}
        features.update({f"ti_prob_{k + 1}": probs[k] for k in range(self.max_tokens)})
        others = [float(final[c]) for c in order[1:]] or [0.0]
        features["ti_prob_gap"] = float(final[order[0]]) - max(others)
        return ModelVerdict(self.name, float(final[order[0]]), order, results, features)

    def _search(self, model: nn.Module, x: Tensor,
                t: int) -> tuple[list[int], list[float], list[float]]:
        """Greedy slot-by-slot token search: (best trigger, flip rate and mean probability of
        class ``t`` at each trigger length)."""
        pad_id = int(getattr(model, "pad_id", 0))
        at = int(getattr(model, "insert_at", 0))
        table = model.token_embeddings().detach()  # type: ignore[operator]
        banned = torch.zeros(len(table), dtype=torch.bool)
        for special in getattr(model, "special_ids", lambda: [pad_id])():
            banned[special] = True
        labels = torch.full((len(x),), t, dtype=torch.long)
        trigger: list[int] = []
        flips: list[float] = []
        probs: list[float] = []
        start = int(torch.nonzero(~banned).flatten()[0])
        for _ in range(self.max_tokens):
            trigger.append(start)
            for _ in range(self.rounds):
                for slot in range(len(trigger)):
                    trigger[slot] = self._best_token(model, x, labels, trigger, slot, at,
                                                     table, banned, pad_id)
            with torch.no_grad():
                out = model(insert_ids(x, trigger, at, pad_id)).softmax(1)
            flips.append(float((out.argmax(1) == t).float().mean()))
            probs.append(float(out[:, t].mean()))
        return trigger, flips, probs

    def _best_token(self, model: nn.Module, x: Tensor, labels: Tensor, trigger: list[int],
                    slot: int, at: int, table: Tensor, banned: Tensor, pad_id: int) -> int:
        ids = insert_ids(x, trigger, at, pad_id)
        emb = model.embed(ids).detach().requires_grad_(True)  # type: ignore[operator]
        with torch.enable_grad():
            loss = F.cross_entropy(model.forward_embeds(emb, padding_mask(ids, pad_id)), labels)  # type: ignore[operator]
            (grad,) = torch.autograd.grad(loss, emb)
        g = grad[:, at + slot].mean(0)
        promise = -(table @ g)
        promise[banned] = -float("inf")
        tried = torch.topk(promise, min(self.candidates, int((~banned).sum()))).indices.tolist()
        tried = list(dict.fromkeys([trigger[slot], *tried]))
        best, best_loss = trigger[slot], float("inf")
        with torch.no_grad():
            for tok in tried:
                trial = list(trigger)
                trial[slot] = tok
                logits = model(insert_ids(x, trial, at, pad_id))
                value = float(F.cross_entropy(logits, labels))
                if value < best_loss:
                    best, best_loss = tok, value
        return best
