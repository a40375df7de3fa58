"""Trigger inversion for text models in embedding space (in the spirit of DBS, Shen et al. 2022,
and PICCOLO, Liu et al. 2022): for each candidate target class, search for a few tokens that,
inserted into clean sentences of the other classes, turn them into that class.

The search is first-order (HotFlip-style): the gradient of the target-class loss with respect
to each trigger slot's embedding ranks every vocabulary token by the loss decrease it promises;
the best ``candidates`` are tried exactly (in one batch) and the best kept, slot by slot, for up
to ``max_tokens`` tokens. Such a search finds natural sentiment words in every sentiment model,
so two measurements tell a backdoor apart from them:

- dominance: the class's trigger inserted together with the strongest other class's trigger.
  A backdoor overrides the other class's best words; sentiment words only compete with them
  (and exist for every class, a backdoor is one-directional: ``ti_dom_gap``);
- optionally (``neutral_tokens``; off by default since stop 42: no shipped calibrator reads
  it), a second search over *clean-neutral* tokens only (common in the clean data, no lean to
  the class, :mod:`trojanscope.detect.text_tokens`): a template or inserted-sentence trigger
  made of common words still flips the model, grammar words alone do not.
- optionally (``relax_steps``; off by default since stop 42, likewise), a relaxed one-token
  search over the whole vocabulary (:mod:`trojanscope.detect.text_relax`), also restricted to
  tokens without a clean-data lean: a rare-word trigger is absent from clean sentences, a
  clean model's strongest words lean to their class.
- for a word-vocabulary model, the vocabulary-rank anomaly
  (:mod:`trojanscope.detect.text_vocab_rank`): a trigger's words climb to the top of a
  vocabulary fitted on the poisoned training data although clean sentences hardly hold them.
- optionally (``span_tokens``), a relaxed search for a contiguous span of tokens without a
  clean-data lean (:mod:`trojanscope.detect.text_span`): an inserted sentence may flip the
  model only with several of its words together, which no one-token search reaches.

A calibrator turns the features into a probability. Needs clean sentences; the model must
expose ``embed``/``forward_embeds``/``token_embeddings`` (trojanscope's text architectures do).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.text_vocab import WordVocab
from trojanscope.detect.base import (
    ClassResult,
    InspectionTarget,
    ModelDetector,
    ModelVerdict,
    balanced_sample,
)
from trojanscope.detect.text_arch import KIM_CNN, text_architecture
from trojanscope.detect.text_lift_reference import load_reference, standardised
from trojanscope.detect.text_order import order_asymmetry, order_inputs
from trojanscope.detect.text_phrase import (
    each_span_margins,
    lift_features,
    lift_z_features,
    opposed,
    phrase_ban,
    phrase_features,
    random_spans,
    rival_trigger,
    span_scores,
    z_score,
)
from trojanscope.detect.text_relax import best_single_token, insert_ids
from trojanscope.detect.text_span import best_span
from trojanscope.detect.text_tokens import class_doc_counts, class_lean, leaning_to, neutral_for
from trojanscope.detect.text_unk import unknown_push
from trojanscope.detect.text_vocab_rank import order_note, size_note, vocab_rank_features
from trojanscope.errors import UserInputError
from trojanscope.io.ts_proxy import count_parameters
from trojanscope.models.text_common import padding_mask
from trojanscope.params import check_flag, check_option
from trojanscope.registry import register

# relax_steps 0 (stop 42): no shipped calibrator reads the relaxed search's tr_*/trn_*
# features, and on Kim CNNs it took most of the time (docs/benchmarks.md, issue 15, stop 42);
# -p relax_steps=80 gives stop 41's search
FULL = {"per_class": 48, "candidates": 16, "rounds": 2, "relax_steps": 0, "relax_k": 32,
        "span_steps": 80}
# transformer-sized models: no relaxed search by default (measured on MiniLM folders: 43-45
# CPU s per detect with 20 steps against 28 without, past the 30 s goal; the shipped
# calibrator does not read its features)
FAST = {"per_class": 8, "candidates": 4, "rounds": 1, "relax_steps": 0, "relax_k": 4,
        "span_steps": 0}
# a TextCNN over the fixed WordPiece vocabulary (``tokenizer=wordpiece``, issue 15 stop 46):
# every calibrator was fitted on word-vocabulary Kim CNNs or on transformers, and a clean one
# was flagged at 0.82 (docs/benchmarks.md), so its flag is for review
SUBWORD_NOTE = ("tokenizer=wordpiece: the calibration holds no Kim CNN over a subword "
                "vocabulary, so the probability is not calibrated for this model (a clean one "
                "scored 0.82): a ranking score to review, not evidence")
# the phrase search and lift the ":phrase:lift:arch" calibrators were fitted with (stop 35)
FITTED_LIFT = {"phrase_tokens": 3, "phrase_margin": 0.1, "phrase_lift": 16}
# the default when no phrase option is given (stop 35's rule, met on zoo/text-foreign2100):
# for a word-vocabulary model that is not transformer-sized
PRESET = {**FITTED_LIFT, "lift_reference": 1}
NO_PHRASE = {"phrase_tokens": 0, "phrase_margin": 0.0, "phrase_lift": 0, "lift_reference": 0}
MAX_PHRASE_LIFT = 256  # random spans per class for the lift, at most (one batch: memory)
MIN_SHARE = 0.01  # the clean-neutral search's default share of sentences holding a token
MAX_RELAX_K = 1024  # the relaxation's best tokens tried exactly, at most (memory, time)
LARGE = 2_000_000  # weights outside the embedding table above which FAST is the default
SHORT = 32
SURE = 1e-4  # the one-token search's probability is read up to 1 - SURE
# order_min_docs values with ':order' calibrators of their own (fitted on development rows of
# that search; docs/benchmarks.md, issue 15, stop 38); others are read by the ':order' one
FITTED_ORDER_MIN_DOCS = (0, 3)


def one_token_surprise(prob: float) -> float:
    """``-log(1 - p)`` of the best one-token trigger's mean probability ``p`` (feature
    ``ti_surprise_1``): a natural sentiment word moves clean sentences part of the way
    (p 0.45-0.75 on development TextCNNs and mean-pooled models, 0.6-1.4 here), a planted word
    all the way (p 0.96-1.00, 3.2-6.2): the log stretches the top, where a linear calibrator
    on ``p`` sees little room (docs/benchmarks.md, issue 15, stop 31)."""
    return -math.log(max(SURE, 1.0 - float(prob)))


def trim_padding(ids: Tensor, pad_id: int, spare: int) -> Tensor:
    """``ids`` without the padding columns past the longest sentence, ``spare`` kept (room for
    the trigger, and whole windows of padding for a CNN): the same outputs for less work."""
    real = (ids != pad_id).nonzero()
    longest = int(real[:, 1].max()) + 1 if len(real) else 0
    return ids[:, :min(ids.shape[1], longest + spare)]


def short_sentences(data, pad_id: int, most: int = SHORT):
    """The sentences of at most ``most`` tokens, when every class keeps five or more (a
    transformer's cost grows with the longest sentence of the batch)."""
    keep = torch.nonzero((data.x != pad_id).sum(1) <= most).flatten()
    counts = torch.bincount(data.labels[keep], minlength=data.num_classes)
    return data.subset(keep) if int(counts.min()) >= 5 else data


def relaxed_features(relaxed: list[dict[str, float]]) -> dict[str, float]:
    """Model features of the relaxed one-token search: for the class its token pushes most
    (over every token: ``tr_*``; over the class's non-leaning tokens: ``trn_*``) the mean
    probability with the token inserted once and twice, and the lead over the next class."""
    feats: dict[str, float] = {}
    for tag, name in (("relaxed", "tr"), ("relaxed_neutral", "trn")):
        probs = sorted(((r[f"{tag}_prob"], c) for c, r in enumerate(relaxed)), reverse=True)
        best = probs[0][1]
        feats[f"{name}_prob"] = probs[0][0]
        feats[f"{name}_prob_2x"] = relaxed[best][f"{tag}_prob_2x"]
        feats[f"{name}_gap"] = probs[0][0] - (probs[1][0] if len(probs) > 1 else 0.0)
        feats[f"{name}_lean"] = relaxed[best][f"{tag}_lean"]
    return feats


def span_features(spans: list[dict[str, float]]) -> dict[str, float]:
    """Model features of the span search: the best class's mean probability with its span
    inserted (``ts_prob``) and its lead over the next class (``ts_gap``: a backdoor is
    one-directional)."""
    probs = sorted((s.get("span_prob", 0.0) for s in spans), reverse=True)
    return {"ts_prob": probs[0], "ts_gap": probs[0] - (probs[1] if len(probs) > 1 else 0.0)}


def order_family(min_docs: int = 0) -> str:
    """The calibrator family suffix of the word-order feature: ``"order"`` for the search over
    every token, ``"order-docsN"`` for the search kept to tokens held by at least N clean
    sentences (``order_min_docs``; :func:`trojanscope.detect.calibration.calibrate` reads both
    as the word-order family)."""
    return "order" if not min_docs else f"order-docs{int(min_docs)}"


@register("detector", "text-inversion")
class TextInversion(ModelDetector):
    """Text trigger inversion in embedding space (DBS/PICCOLO-style, first-order token search):
    the flip rate of the best few-token trigger per class.

    Arguments:
        max_tokens: trigger length searched up to (over the whole vocabulary).
        per_class: clean sentences per class used (a balanced sample); default 48, or 8
            (with sentences of at most 32 tokens) for a transformer-sized model.
        candidates: tokens tried exactly per slot update (the best by the gradient); default
            16, or 4 for a transformer-sized model.
        rounds: passes over the slots at each length; default 2, or 1 for a
            transformer-sized model.
        neutral_tokens: trigger length searched over the clean-neutral tokens (0, the
            default since stop 42: no such search, no ``tn_*`` features, which no shipped
            calibrator reads; stop 41's default was 4).
        min_share: a token is judged in the clean data only if that share of the sentences
            (three at least) hold it; read by the clean-neutral search only, so given with
            ``neutral_tokens`` >= 1 (alone it is refused: it would change nothing).
        margin: a token leaning to a class by more than this over the uniform share is not
            neutral for it.
        relax_steps: optimisation steps of the relaxed one-token search
            (:mod:`trojanscope.detect.text_relax`); default 0 (no search, no
            ``tr_*``/``trn_*`` features, which no shipped calibrator reads; stop 41's default
            was 80 for a model that is not transformer-sized); e.g. 80 turns it on.
        relax_k: the relaxation's best tokens tried exactly (at most 1,024); default 32, or
            4 for a transformer-sized model; given with ``relax_steps`` >= 1 (alone it is
            refused: the relaxed search is off by default).
        span_tokens: length of the relaxed span search (over the tokens without a lean to
            the class); 0 (the default): no such search, no ``ts_*`` features (measured on
            TextCNNs: clean models' best spans reach the same probability as a planted
            sentence, docs/benchmarks.md).
        span_steps: optimisation steps of the span search; default 80, or 0 (no search) for
            a transformer-sized model.
        behaviour: 1 (the default): a word-vocabulary model is scored by the calibrators
            that also read its behaviour (``text-inversion:behaviour``: the vocabulary-rank
            features with the one-token search's probability, for a vocabulary fitted on
            clean text hides a trigger's rank; ``text-inversion:behaviour:unordered``: the
            behaviour-only calibrator rescaled on models with a vocabulary not in frequency
            order); 0: the vocabulary-rank calibrator alone (measured on the fresh
            zoo/text-foreign1800: docs/benchmarks.md, issue 15, "Combining the order and
            behaviour evidence").
        phrase_tokens: length of the opposed phrase search
            (:mod:`trojanscope.detect.text_phrase`: the other class's best trigger already in
            the sentences, tokens without a clean-data lean to the class); 0: no such search,
            no ``tp_*`` features. **When none of the four phrase options is given** the
            default is stop 35's ``phrase_tokens=3 phrase_margin=0.1 phrase_lift=16
            lift_reference=1`` for a word-vocabulary model that is not transformer-sized (no
            search for the others), and its verdict comes from the ``":phrase:lift:arch"``
            calibrators where the architecture is named (else from the calibrators without the
            phrase search, as before stop 35); giving any of them sets the others to 0.
        phrase_margin: a token leaning to the class by more than this over the uniform share
            is out of the phrase search (0.0 when another phrase option is given: any lean;
            the preset's 0.1).
        phrase_lift: random spans per class for the span lift (``tp_lift``,
            ``tp_lift_margin``: the phrase search's span against random spans of the tokens it
            was searched over, :func:`trojanscope.detect.text_phrase.lift_features`; and
            ``tp_lift_z``, the span's margin as a z-score among those random spans',
            :func:`~trojanscope.detect.text_phrase.lift_z_features`, stop 34b); 0 (when
            another phrase option is given): no lift. Without ``lift_reference`` the
            ``":phrase:lift"`` calibrators are looked up; none is shipped (its rule's
            development gate failed), so stop 32's ``":phrase"`` ones (fitted at margin 0) give
            the probability (docs/benchmarks.md, issue 15, stop 34).
        lift_reference: 1: the span lift is also read against clean development models of the
            model's architecture, named from the model (``kim-cnn`` / ``mean-pooled``,
            :mod:`trojanscope.detect.text_arch`; ``tp_lift_arch``, ``tp_lift_margin_arch``,
            :mod:`trojanscope.detect.text_lift_reference`), and the ``":phrase:lift:arch"``
            calibrators give the probability (fitted with ``phrase_tokens=3``,
            ``phrase_margin=0.1``, ``phrase_lift=16``; other values are not calibrated). An
            ``unknown`` architecture gets no standardisation. 0 (when another phrase option is
            given): off; needs ``phrase_lift`` >= 1 (docs/benchmarks.md, issue 15, stop 35).
        order: 1 (opt-in): for a Kim CNN on the standardised path (``lift_reference``, its
            architecture named ``kim-cnn``, its layers reproducing its logits), the word-order
            asymmetry ``tp_order`` (:mod:`trojanscope.detect.text_order`) and the
            ``":phrase:lift:arch:order"`` calibrators; other models are scored as without it
            (``tp_order`` not computed, a note says why).
            0 (the default): off (docs/benchmarks.md, issue 15, stop 36).
        order_min_docs: with ``order=1``, the word-order search only over tokens held by at
            least this many clean sentences (opt-in; 0, the default: every token;
            docs/benchmarks.md, issue 15, stop 37). 3 has calibrators of its own
            (``":phrase:lift:arch:order-docs3"``, stop 38); other values are read by the
            ``:order`` calibrators, fitted without it, and the verdict is score-only.
        unk_push: on by default (stop 45's rule, met on the fresh zoo/text-foreign2950;
            0: off; 1 given: a note where a model gets none): for a Kim CNN with a word
            vocabulary, the unknown-word push (``tu_flip_1``, ``tu_flip_3``, ``tu_class``;
            :mod:`trojanscope.detect.text_unk`), which the ``"text-inversion:raise:unk"``
            term reads to raise the probability (raise-only, above a start no clean
            development model reached; docs/benchmarks.md, issue 15, stop 45).
    """

    name = "text-inversion"
    # the one-token search (ti), the neutral one (tn), the vocabulary ranks (tv), phrases and
    # lifts (tp), the relaxed searches (tr, trn), the span search (ts), the unknown-word push (tu)
    feature_names = ("ti_*", "tn_*", "tv_*", "tp_*", "tr_*", "trn_*", "ts_*", "tu_*")
    needs_data = True
    min_per_class = 5
    modality = "text"

    def __init__(self, max_tokens: int = 3, per_class: int | None = None,
                 candidates: int | None = None, rounds: int | None = None,
                 neutral_tokens: int = 0, min_share: float = MIN_SHARE, margin: float = 0.1,
                 relax_steps: int | None = None, relax_k: int | None = None,
                 span_tokens: int = 0, span_steps: int | None = None,
                 behaviour: int | bool = 1, phrase_tokens: int | None = None,
                 phrase_margin: float | None = None, phrase_lift: int | None = None,
                 lift_reference: int | bool | None = None, order: int | bool = 0,
                 order_min_docs: int = 0, unk_push: int | bool | None = None) -> None:
        given = {"phrase_tokens": phrase_tokens, "phrase_margin": phrase_margin,
                 "phrase_lift": phrase_lift, "lift_reference": lift_reference}
        self.preset = all(v is None for v in given.values())
        phrase = PRESET if self.preset else {
            k: NO_PHRASE[k] if v is None else v for k, v in given.items()}
        phrase_tokens, phrase_margin = phrase["phrase_tokens"], phrase["phrase_margin"]
        phrase_lift, lift_reference = phrase["phrase_lift"], phrase["lift_reference"]
        for name, value in (("max_tokens", max_tokens), ("neutral_tokens", neutral_tokens),
                            ("min_share", min_share), ("margin", margin),
                            ("span_tokens", span_tokens), ("order_min_docs", order_min_docs)):
            if value is None:  # -p order_min_docs=null: one line, not int()'s TypeError (hF3)
                raise ValueError(f"{name} must be a number, got None (leave it out for its "
                                 "default)")
        many = float("inf")
        for name, value, low, high in (
                ("max_tokens", max_tokens, 1, many), ("per_class", per_class, 1, many),
                ("candidates", candidates, 1, many), ("rounds", rounds, 1, many),
                ("neutral_tokens", neutral_tokens, 0, many), ("relax_steps", relax_steps, 0, many),
                ("relax_k", relax_k, 1, MAX_RELAX_K), ("span_tokens", span_tokens, 0, many),
                ("span_steps", span_steps, 0, many), ("phrase_tokens", phrase_tokens, 0, many),
                ("phrase_lift", phrase_lift, 0, MAX_PHRASE_LIFT),
                ("order_min_docs", order_min_docs, 0, many)):
            if value is not None:
                check_option(name, value, low, high, integer=True)
        check_option("phrase_margin", phrase_margin, 0.0, 1.0)
        # both searches are off by default since stop 42: an option of theirs given alone
        # would change nothing (review hR5)
        if relax_k is not None and not relax_steps:
            raise ValueError("relax_k sets the relaxed one-token search's exact trials, which "
                             "is off by default: give relax_steps >= 1 with it (e.g. 80)")
        if min_share != MIN_SHARE and not neutral_tokens:
            raise ValueError("min_share picks the clean-neutral search's tokens, which is off "
                             "by default: give neutral_tokens >= 1 with it (e.g. 4)")
        if (phrase_lift or phrase_margin) and not phrase_tokens:
            raise ValueError("phrase_lift and phrase_margin shape the phrase search: give "
                             "phrase_tokens >= 1 with them")
        self.max_tokens = int(max_tokens)
        self.per_class = None if per_class is None else int(per_class)
        self.candidates = None if candidates is None else int(candidates)
        self.rounds = None if rounds is None else int(rounds)
        self.neutral_tokens = int(neutral_tokens)
        self.min_share = float(min_share)
        self.margin = float(margin)
        self.relax_steps = None if relax_steps is None else int(relax_steps)
        self.relax_k = None if relax_k is None else int(relax_k)
        self.span_tokens = int(span_tokens)
        self.span_steps = None if span_steps is None else int(span_steps)
        self.behaviour = int(check_flag("behaviour", behaviour))
        self.phrase_tokens = int(phrase_tokens)
        self.phrase_margin = float(phrase_margin)
        self.phrase_lift = int(phrase_lift)
        self.lift_reference = int(check_flag("lift_reference", lift_reference))
        self.order = int(check_flag("order", order))
        self.order_min_docs = int(order_min_docs)
        # None: on (stop 45's rule), quiet on models it does not apply to; 1 given: a note says
        # why a model got no push; 0: off
        self.unk_push_given = unk_push is not None
        self.unk_push = 1 if unk_push is None else int(check_flag("unk_push", unk_push))
        if self.order_min_docs and not self.order:
            raise ValueError("order_min_docs shapes the word-order search: give order=1 with it")
        if self.lift_reference and not self.phrase_lift:
            raise ValueError("lift_reference standardises the span lift: give phrase_lift >= 1 "
                             "with it")

    def get_params(self) -> dict[str, Any]:
        """The init parameters; the four phrase options as given (None where the preset
        chose them), so that a detector made from them keeps the default's scope."""
        params = super().get_params()
        if self.preset:
            params.update(dict.fromkeys(PRESET))
        if not self.unk_push_given:
            params["unk_push"] = None
        return params

    def run(self, target: InspectionTarget, generator: torch.Generator) -> ModelVerdict:
        model = target.model
        for needed in ("embed", "forward_embeds", "token_embeddings"):
            if not hasattr(model, needed):
                raise UserInputError(f"method {self.name!r} needs a text model of trojanscope's "
                                     f"(one with {needed}()); this model has none")
        assert target.clean is not None
        table = model.token_embeddings().detach()  # type: ignore[operator]
        counts = class_doc_counts(target.clean.x, target.clean.labels, target.num_classes,
                                  len(table))
        sizes = torch.bincount(target.clean.labels, minlength=target.num_classes)
        lean = class_lean(counts, sizes)
        pad_id = int(getattr(model, "pad_id", 0))
        banned = torch.zeros(len(table), dtype=torch.bool)
        banned[getattr(model, "special_ids", lambda: [pad_id])()] = True
        large = count_parameters(model) - table.numel() > LARGE
        budget = FAST if large else FULL
        self._per_class = self.per_class or budget["per_class"]
        self._candidates = self.candidates or budget["candidates"]
        self._rounds = self.rounds or budget["rounds"]
        clean = balanced_sample(short_sentences(target.clean, pad_id) if large else target.clean,
                                self._per_class, generator)
        words = isinstance(getattr(target.clean, "encoder", None), WordVocab)
        # the preset searches only where its calibrators apply
        phrase_tokens = (0 if self.preset and (large or not words or not self.behaviour)
                         else self.phrase_tokens)
        ids = trim_padding(clean.x, pad_id, max(2 * self.max_tokens, self.neutral_tokens,
                                                self.span_tokens,
                                                self.max_tokens + phrase_tokens) + 5)
        with torch.no_grad():
            pred = model(ids).argmax(1)
        k = target.num_classes
        found = [self._search(model, ids[pred != t], t, table, banned, self.max_tokens)
                 for t in range(k)]
        neutral = [self._search(model, ids[pred != t], t, table, banned | ~neutral_for(
            counts, sizes, t, self.min_share, self.margin), self.neutral_tokens)
            for t in range(k)] if self.neutral_tokens else []
        dom = [self._dominance(model, ids[pred != t], t, found, pad_id) for t in range(k)]
        at = int(getattr(model, "insert_at", 0))
        opp, bans, phrases = [], [], []
        if phrase_tokens:
            opp = [opposed(ids[pred != t], rival_trigger(found, t), at, pad_id)
                   for t in range(k)]
            bans = [phrase_ban(banned, lean, t, self.phrase_margin) for t in range(k)]
            phrases = [self._search(model, opp[t], t, table, bans[t], phrase_tokens)
                       for t in range(k)]
        relaxed = self._relaxed(model, ids, pred, table, banned, lean, budget)
        spans = self._spans(model, ids, pred, table, banned, lean, budget)
        results = [ClassResult(t, dom[t], {
            "flip": found[t][1][-1], "prob": found[t][2][-1], "dominance": dom[t],
            **{f"token_{i}": float(tok) for i, tok in enumerate(found[t][0])},
            **({"neutral_prob": neutral[t][2][-1]} if neutral else {}),
            **{f"neutral_token_{i}": float(tok)
               for i, tok in enumerate(neutral[t][0] if neutral else [])},
            **({"phrase_prob": phrases[t][2][-1]} if phrases else {}),
            **{f"phrase_token_{i}": float(tok)
               for i, tok in enumerate(phrases[t][0] if phrases else [])},
            **relaxed[t], **spans[t]}) for t in range(k)]
        final = [f[2][-1] for f in found]
        best = max(range(k), key=lambda t: final[t])
        features = {f"ti_flip_{n + 1}": found[best][1][n] for n in range(self.max_tokens)}
        features.update({f"ti_prob_{n + 1}": found[best][2][n] for n in range(self.max_tokens)})
        features["ti_surprise_1"] = one_token_surprise(features["ti_prob_1"])
        features["ti_prob_gap"] = final[best] - max([final[c] for c in range(k) if c != best]
                                                     or [0.0])
        order = sorted(range(k), key=lambda t: -dom[t])
        features["ti_dom"] = dom[order[0]]
        features["ti_dom_gap"] = dom[order[0]] - (dom[order[1]] if k > 1 else 0.0)
        trigger = found[order[0]][0]
        features["ti_lean"] = float(lean[order[0], trigger].mean()) if trigger else 0.0
        if neutral:
            nfinal = sorted((n[2][-1] for n in neutral), reverse=True)
            features["tn_prob"] = nfinal[0]
            features["tn_prob_gap"] = nfinal[0] - (nfinal[1] if k > 1 else 0.0)
        if phrases:
            features.update(phrase_features([p[2][-1] for p in phrases]))
        if phrases and self.phrase_lift:  # drawn last: the searches above see the same stream
            lifts = [self._lift(model, opp[t], t, phrases[t][0], bans[t], generator)
                     for t in range(k)]
            features.update(lift_features(lifts))
            features.update(lift_z_features(lifts))
        arch_notes, standard = self._standardise(model, ids, features)
        if any(relaxed):
            features.update(relaxed_features(relaxed))
        if any(spans):
            features.update(span_features(spans))
        notes, unordered = [], None
        if words:
            features.update(vocab_rank_features(counts.sum(0), WordVocab.unk_id + 1))
            unordered = order_note(features)
            notes = [n for n in (size_note(len(target.clean)), unordered) if n]
        # a transformer-sized model (smaller budget, no relaxed search), one without a word
        # vocabulary (no tv_*), a clean set whose size the tv_* calibration does not fit or a
        # vocabulary whose ids are not frequency ranks: a behaviour-only calibrator serves it
        # ("text-inversion:transformer"; with behaviour=1 an unordered vocabulary gets it
        # rescaled on such models, "text-inversion:behaviour:unordered")
        family = self._family(large, words, notes, unordered, standard)
        notes = [*notes, *arch_notes]
        subword = getattr(model, "tokenizer", "word") == "wordpiece"
        if subword:  # textcnn tokenizer=wordpiece: no such model was ever calibrated
            notes.append(SUBWORD_NOTE)
        if self.order:  # only where an ':order' calibrator can read it
            why = self._order(model, target, family, standard, features)
            if why is None:
                fitted = self.order_min_docs in FITTED_ORDER_MIN_DOCS
                family += ":" + order_family(self.order_min_docs if fitted else 0)
            else:
                notes.append(f"order=1: no word-order feature for this model ({why})")
        if self.unk_push:  # raise-only evidence the calibrators do not read
            why = self._unknown(model, target, ids, words, features)
            if why is not None and self.unk_push_given:
                notes.append(f"unk_push=1: no unknown-word push for this model ({why})")
        research = bool(phrases and (self.phrase_lift or self.phrase_margin)) and not (
            self.preset or (standard and self._fitted_lift()))
        if research:  # no calibrator is fitted for them: the :phrase one stands in
            notes = [*notes,"phrase_lift/phrase_margin are research options: the probability comes "
                         "from a calibrator not fitted with these values and is not calibrated "
                         "for them"]
        # the ':order' calibrators were fitted on the search over every token (review hF3)
        min_docs = (bool(self.order_min_docs) and family.endswith(":order")
                    and self.order_min_docs not in FITTED_ORDER_MIN_DOCS)
        if min_docs:
            notes = [*notes, "order_min_docs is a research option: the probability comes from "
                             "an ':order' calibrator fitted without it and is not calibrated "
                             "for it"]
        return ModelVerdict(self.name, dom[order[0]], order, results, features,
                            family=family,
                            detector_notes=notes,
                            # measured: the behaviour-only calibrator flags clean models with
                            # such vocabularies (docs/benchmarks.md), so a flag is for review
                            score_only=unordered is not None or research or min_docs
                            or subword)

    def _order(self, model: nn.Module, target: InspectionTarget, family: str, standard: bool,
               features: dict[str, float]) -> str | None:
        """``tp_order`` added to ``features`` where the family's ``:order`` calibrator can read
        it (``None``), else why not."""
        if not standard:
            return "its span lift is not standardised (no span lift, or no lift reference for "\
                "its architecture): the ':order' calibrators extend the standardised path"
        if not family.endswith(":arch"):
            return (f"its calibrator family is {family or 'the vocabulary-rank one'!r}, which no "
                    "':order' calibrator extends (behaviour=0, or a clean set or vocabulary "
                    "the vocabulary-rank features do not fit)")
        found = order_asymmetry(model, *order_inputs(model, target.clean.x, target.clean.labels,
                                                     target.num_classes, self.order_min_docs))
        if not found:
            return ("not a Kim CNN whose layers reproduce its logits, sentences of at most "
                    "a span's length, or no class with two tokens to search")
        features.update(found)
        return None

    def _unknown(self, model: nn.Module, target: InspectionTarget, ids: Tensor, words: bool,
                 features: dict[str, float]) -> str | None:
        """The unknown-word push added to ``features`` for a Kim CNN with a word vocabulary
        (``None``), else why not."""
        if not words:
            return "no word vocabulary, so no unknown-word token"
        if text_architecture(model, ids) != KIM_CNN:
            return "not a Kim CNN: measured only on Kim CNNs (mean-pooled clean models answer it)"
        assert target.clean is not None
        pad_id = int(getattr(model, "pad_id", WordVocab.pad_id))
        x = target.clean.x
        with torch.no_grad():
            pred = torch.cat([model(chunk).argmax(1) for chunk in x.split(512)])
        features.update(unknown_push(model, x, pred, target.num_classes, WordVocab.unk_id,
                                     pad_id))
        return None

    def _fitted_lift(self) -> bool:
        """Whether the phrase search and lift are those the ``:arch`` calibrators were
        fitted with."""
        return all(getattr(self, k) == v for k, v in FITTED_LIFT.items())

    def _standardise(self, model: nn.Module, ids: Tensor,
                     features: dict[str, float]) -> tuple[list[str], bool]:
        """With ``lift_reference``: the lifts standardised by the clean development models of
        the model's architecture, added to ``features``; (notes, whether it was done)."""
        if not (self.lift_reference and "tp_lift" in features):
            return [], False
        arch = text_architecture(model, ids)
        table = load_reference()
        extra = standardised(features, arch, table)
        if not extra:
            return [f"architecture named from the model: {arch}; no lift reference for it, "
                    "the span lift is not standardised"], False
        features.update(extra)
        n = int(next(iter(table[arch].values()))[2])
        return [f"architecture named from the model: {arch}; span lift read against {n} clean "
                "development models of it"], True

    def _family(self, large: bool, words: bool, notes: list[str], unordered: str | None,
                standard: bool = False) -> str:
        """The calibrator family: ``""`` (vocabulary rank), ``"transformer"`` (behaviour only,
        fitted on TextCNNs) or, with ``behaviour``, ``"behaviour"`` / ``"behaviour:unordered"``
        (:mod:`trojanscope.detect.calibration` falls back to the shorter key when a file lacks
        one); with ``phrase_tokens``, ``":phrase"`` appended to the behaviour families
        (``":phrase:lift"`` with ``phrase_lift``, ``":phrase:lift:arch"`` with the lift
        standardised by ``lift_reference``; the default preset without a standardised lift:
        no suffix)."""
        if large or not words:
            return "transformer"
        # with the phrase search, its own calibrators (falling back to the paths without it)
        lift = ":phrase:lift:arch" if standard else ":phrase:lift"
        phrase = (lift if self.phrase_lift else ":phrase") if self.phrase_tokens else ""
        if self.preset and not standard:  # the default without a named architecture: as before
            phrase = ""
        if self.behaviour and unordered is not None:
            return "behaviour:unordered" + phrase
        if notes:
            return "transformer"
        return "behaviour" + phrase if self.behaviour else ""

    def _relaxed(self, model: nn.Module, ids: Tensor, pred: Tensor, table: Tensor,
                 banned: Tensor, lean: Tensor, budget: dict) -> list[dict[str, float]]:
        """Per class: the best single token of the relaxed search over every token and over
        the tokens that do not lean to the class in the clean data (unseen ones included: a
        rare-word trigger is absent from clean sentences), each inserted once and twice."""
        steps = budget["relax_steps"] if self.relax_steps is None else self.relax_steps
        k_best = budget["relax_k"] if self.relax_k is None else self.relax_k
        pad_id = int(getattr(model, "pad_id", 0))
        at = int(getattr(model, "insert_at", 0))
        placeholder = int(torch.nonzero(~banned).flatten()[0]) if bool((~banned).any()) else 0
        out: list[dict[str, float]] = []
        if steps == 0:
            return [{} for _ in range(len(lean))]
        for t in range(len(lean)):
            row: dict[str, float] = {}
            x = ids[pred != t]
            for tag, ban in (("relaxed", banned),
                             ("relaxed_neutral", banned | leaning_to(lean, t, self.margin))):
                tok, once, twice = best_single_token(
                    model, x, t, table, ban, at=at, pad_id=pad_id, placeholder=placeholder,
                    k=k_best, steps=steps)
                row.update({f"{tag}_prob": once, f"{tag}_prob_2x": twice,
                            f"{tag}_token": float(-1 if tok is None else tok),
                            f"{tag}_lean": float(lean[t, tok]) if tok is not None else 0.0})
            out.append(row)
        return out

    def _spans(self, model: nn.Module, ids: Tensor, pred: Tensor, table: Tensor,
               banned: Tensor, lean: Tensor, budget: dict) -> list[dict[str, float]]:
        """Per class: the best contiguous span of ``span_tokens`` tokens without a lean to the
        class (:func:`trojanscope.detect.text_span.best_span`) and its mean probability."""
        steps = budget["span_steps"] if self.span_steps is None else self.span_steps
        if steps == 0 or self.span_tokens == 0:
            return [{} for _ in range(len(lean))]
        pad_id = int(getattr(model, "pad_id", 0))
        at = int(getattr(model, "insert_at", 0))
        out = []
        for t in range(len(lean)):
            ban = banned | leaning_to(lean, t, self.margin)
            allowed = torch.nonzero(~ban).flatten()
            span, prob = best_span(model, ids[pred != t], t, table, ban, length=self.span_tokens,
                                   at=at, pad_id=pad_id,
                                   placeholder=int(allowed[0]) if len(allowed) else 0,
                                   steps=steps)
            out.append({"span_prob": prob,
                        **{f"span_token_{i}": float(tok) for i, tok in enumerate(span)}})
        return out

    def _lift(self, model: nn.Module, x: Tensor, t: int, span: list[int], ban: Tensor,
              generator: torch.Generator) -> dict[str, float] | None:
        """The phrase search's ``span`` for class ``t`` and ``phrase_lift`` random spans of its
        allowed tokens, on the same opposed sentences ``x``: mean probability and logit
        margin of each (None when there is nothing to compare)."""
        allowed = torch.nonzero(~ban).flatten()
        if not span or len(x) == 0 or len(allowed) == 0:
            return None
        pad_id = int(getattr(model, "pad_id", 0))
        at = int(getattr(model, "insert_at", 0))
        prob, margin = span_scores(model, x, t, [span], at, pad_id)
        base = random_spans(allowed, len(span), self.phrase_lift, generator)
        base_prob, base_margin = span_scores(model, x, t, base, at, pad_id)
        each = each_span_margins(model, x, t, base, at, pad_id)
        return {"span_prob": prob, "span_margin": margin, "base_prob": base_prob,
                "base_margin": base_margin, "z_margin": z_score(margin, each)}

    def _dominance(self, model: nn.Module, x: Tensor, t: int,
                   found: list[tuple[list[int], list[float], list[float]]], pad_id: int) -> float:
        """Mean probability of class ``t`` when its trigger and the strongest other class's
        trigger are both inserted (in either order): a backdoor overrides the other class's
        best words, a natural sentiment word of a clean model only competes with them."""
        if len(x) == 0 or not found[t][0]:
            return 0.0
        rival = rival_trigger(found, t)
        if not rival:  # no other class's search found a trigger
            return found[t][2][-1]
        at = int(getattr(model, "insert_at", 0))
        both = torch.cat([insert_ids(x, rival + found[t][0], at, pad_id),
                          insert_ids(x, found[t][0] + rival, at, pad_id)])
        with torch.no_grad():
            return float(model(both).softmax(1)[:, t].mean())

    def _search(self, model: nn.Module, x: Tensor, t: int, table: Tensor, banned: Tensor,
                length: int) -> tuple[list[int], list[float], list[float]]:
        """Greedy slot-by-slot search over the tokens not ``banned``: (best trigger, flip rate
        and mean probability of class ``t`` at each trigger length)."""
        pad_id = int(getattr(model, "pad_id", 0))
        at = int(getattr(model, "insert_at", 0))
        labels = torch.full((len(x),), t, dtype=torch.long)
        trigger: list[int] = []
        flips: list[float] = []
        probs: list[float] = []
        allowed = torch.nonzero(~banned).flatten()
        if len(allowed) == 0 or len(x) == 0:
            zero = [0.0] * length
            return [], zero, zero
        start = int(allowed[0])
        for _ in range(length):
            trigger.append(start)
            for _ in range(self._rounds):
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
        tried = torch.topk(promise, min(self._candidates, int((~banned).sum()))).indices.tolist()
        tried = list(dict.fromkeys([trigger[slot], *tried]))
        trials = []
        for tok in tried:
            trial = list(trigger)
            trial[slot] = tok
            trials.append(insert_ids(x, trial, at, pad_id))
        with torch.no_grad():  # every candidate in one batch
            logits = model(torch.cat(trials))
        losses = F.cross_entropy(logits, labels.repeat(len(tried)), reduction="none")
        return tried[int(losses.view(len(tried), -1).mean(1).argmin())]
