"""STRIP for text (after Gao et al., STRIP-ViTA 2021): superimpose the input on clean inputs and
see whether its prediction survives. For text the superimposition is a concatenation: the input
followed (or preceded) by a clean sentence that the model confidently assigns to *another*
class. A clean input's prediction is pulled towards the other class; a triggered input keeps the
attacker's class, because the trigger dominates whatever surrounds it. The score is the mean
probability the mixtures keep of the input's predicted class divided by the input's own
probability of it (``measure="ratio"``, the default since stop 49; ``"keep"``: not divided).
``n`` + 1 forward passes per input. On a transformer (MiniLM/BERT) the default since stop 59
also removes every run of 5 tokens in turn and ranks the score among the clean inputs that do /
do not lose their class without their worst run (``occlude_rule="lost"``): about one more pass
per token (about 30 in all on MiniLM's 20-30-token sentences); ``occlude=0`` gives the mixtures
alone.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from trojanscope.detect.input_level.base import BATCH, pac_threshold
from trojanscope.detect.input_level.span_occlusion import (
    protected_ids,
    span_drops,
    span_passes,
    worst_window,
)
from trojanscope.detect.input_level.span_text import MAX_WIDTH
from trojanscope.detect.input_level.text_base import (
    TextInputDetector,
    pad_rows,
    position_limit,
    tokens,
)
from trojanscope.errors import UserInputError
from trojanscope.params import check_option
from trojanscope.registry import register

CALIBRATE = ("folds", "own")  # how a guard sets strip-text's threshold (see ``calibrate``)
MEASURES = ("keep", "ratio")  # what strip-text scores (see ``measure``)
NORMALISE = ("none", "class", "either")  # how strip-text puts its scores on one scale
STATS = ("mean", "min")  # how strip-text reduces the keep of an input's mixtures (see ``stat``)
MAX_MATES = 8  # partners per mixture at most: a mixture of nine sentences (see ``mates``)
OCCLUDE_SPANS = 64  # windows read per input at most with ``occlude`` (span_text's default)
# how ``occlude``'s span drop joins the mixture score
OCCLUDE_RULES = ("rank", "beyond", "lost", "deep")
# ``occlude_rule="deep"`` (issue 15, stop 63): the mixture score plus this many times the decades
# of its class the input's worst window takes away (log10 of 1 over the least it keeps), ranked
# within the ``"lost"`` groups
DEEP_WEIGHT = 0.25
# ``least_share`` (issue 15, stop 65; the transformer default since stop 66, its no-harm rule met
# on fresh MiniLM 3207-3208): a second threshold, on the decades of its class an input's worst
# window takes away, for inputs ranked at least ``LEAST_GATE`` in their group; the share of the
# FPR budget it gets (``LEAST_SHARE``) where ``occlude`` resolves to the transformer default
LEAST_SHARE = 0.2
LEAST_GATE = 0.75
GROUPED = ("lost", "deep")  # the rules that rank the mixture score within the two groups
# occlude, occlude_stride, occlude_rule on a transformer (a model with a position table) when
# ``occlude`` is None, the default (issue 15, stop 59: its rule met on fresh MiniLM 3195)
TRANSFORMER_OCCLUDE = (5, 1, "lost")


def _check_params(n: int, min_confidence: float, mix_len: int | None, calibrate: str,
                  measure: str, fpr_confidence: float | None, normalise: str,
                  stat: str = "mean", mates: int = 1, occlude: int | None = None,
                  occlude_stride: int | None = None, occlude_rule: str | None = None,
                  least_share: float | None = None, least_gate: float = LEAST_GATE) -> None:
    """Refuse a bad parameter value, naming the parameter and the value (a ValueError the
    registry turns into one error line; stop 53: one message used to list every rule)."""
    for name, value, valid in (("calibrate", calibrate, CALIBRATE), ("measure", measure, MEASURES),
                               ("normalise", normalise, NORMALISE), ("stat", stat, STATS),
                               ("occlude_rule", "rank" if occlude_rule is None else occlude_rule,
                                OCCLUDE_RULES)):
        if value not in valid:
            raise ValueError(f"{name} must be one of {', '.join(valid)}, got {value!r}")
    check_option("n", n, 1, integer=True)
    check_option("mates", mates, 1, MAX_MATES, integer=True)
    if occlude is not None:
        check_option("occlude", occlude, 0, MAX_WIDTH, integer=True)
    if occlude_stride is not None:  # at most the window (stop 60: also the default's, 5,
        # where ``occlude`` is not given: a larger stride left tokens no window removed)
        widest = occlude if isinstance(occlude, int) and occlude else (
            TRANSFORMER_OCCLUDE[0] if occlude is None else MAX_WIDTH)
        check_option("occlude_stride", occlude_stride, 1, widest, integer=True)
    if occlude and normalise != "none":
        raise ValueError(f"occlude ranks the scores itself: it needs normalise=none, "
                         f"got normalise={normalise!r}")
    if not 0.0 <= float(min_confidence) < 1.0:
        raise ValueError(f"min_confidence must lie in [0, 1), got {min_confidence!r}")
    if mix_len is not None:
        check_option("mix_len", mix_len, 0, integer=True)
    if fpr_confidence is not None and not 0.0 < float(fpr_confidence) < 1.0:
        raise ValueError(f"fpr_confidence must lie in (0, 1) or be null, got {fpr_confidence!r}")
    _check_least(least_share, least_gate, calibrate, occlude, occlude_rule)


def _check_least(share: float | None, gate: float, calibrate: str, occlude: int | None,
                 occlude_rule: str | None) -> None:
    """Refuse a ``least_share`` / ``least_gate`` that cannot hold: a share outside [0, 1), a
    gate outside [0, 1], or a second threshold where none can be set — the guard's threshold not
    set on the detector's own scores (``calibrate="folds"``), or a span rule other than the
    grouped ones (``occlude=0``, or ``occlude_rule`` not ``lost`` / ``deep``). ``None`` (the
    default) resolves at fit, where it is never refused."""
    check_option("least_gate", gate, 0.0, 1.0)
    if share is None:
        return
    check_option("least_share", share, 0.0, 1.0)
    if share == 1.0:  # the first threshold would have no budget left
        raise ValueError("least_share must be a number >= 0 and < 1, got 1.0")
    if not share:
        return
    if calibrate != "own":
        raise ValueError(f"least_share sets its threshold on the detector's own scores: it "
                         f"needs calibrate=own, got calibrate={calibrate!r}")
    if occlude == 0 or (occlude_rule is not None and occlude_rule not in GROUPED):
        raise ValueError(f"least_share reads the worst window of the grouped rules: it needs "
                         f"occlude_rule lost or deep (the transformer default), got occlude="
                         f"{occlude!r}, occlude_rule={occlude_rule!r}")


@register("input-detector", "strip-text")
class StripText(TextInputDetector):
    """STRIP for text models: concatenate with confident clean sentences of other classes; a
    triggered input keeps its class (transformers: also its worst 5-token window removed).

    Arguments:
        n: mixtures per input (half with the input first, half with it last).
        min_confidence: clean sentences the model gives at least this probability join the pool.
        mix_len: tokens per mixture. ``None`` (default since issue 15, stop 48; JSON ``null``
            on the command line) takes twice the input length, the longest a mixture of two
            inputs can be, or the model's position table where that is shorter; the length
            used is in :meth:`resolved_params`. 0 (the default before) cuts each mixture at the
            input's own length, which for a model whose inputs fill most of it (MiniLM at 40
            tokens) drops most of the partner (input first) or the input's end (input last)
            and misses triggered inputs (TPR 0.34-0.88 at 5% FPR). A number keeps mixtures
            of that many tokens; refused when longer than the model accepts (its position
            embeddings: 512 for MiniLM/BERT) or than two inputs (a mixture is never longer:
            the rest would be padding, and memory).
        calibrate: how a guard (``fit_guard``) sets its threshold. ``"folds"`` (the default
            before issue 15, stop 51): the rank of cross-fitted scores, each fold scored by a
            copy fitted on the other folds with its own partner draw — but new inputs are
            scored by the detector refitted on all of them, with another draw, so the
            threshold is set for other partners than those that score (held-out clean flagged
            0.8-10.6% at a 5% guard, issue 15, stop 48). ``"own"`` (issue 15, stop 49; the
            default since stop 51, with ``fpr_confidence=0.95``): the same rank of the fitted
            detector's own scores of the clean inputs it was fitted on — the partners of
            inputs predicted ``c`` are sentences predicted otherwise, chosen without looking
            at any sentence predicted ``c``, so a clean input's score never mixes it with
            itself and is distributed as a new clean input's with those partners.
        measure: ``"keep"`` (the default before stop 49): the mean probability the mixtures
            keep of the input's class. ``"ratio"`` (the default since issue 15, stop 49, h15b:
            its rule met on fresh MiniLM 3178 and TextCNN 3142): that mean divided by the input's
            own probability of the class — the share of its confidence the input keeps when
            mixed. A clean sentence the model is very sure of keeps much of its class in a
            mixture yet loses much of its confidence; a triggered one loses little (on MiniLM
            `addsent`-3176, development: the clean target-class sentences' keep overlapped
            the triggered inputs', TPR 0.85 at 5% FPR with "keep", 0.95 with "ratio", over
            200 and 50 partner draws).
        fpr_confidence: ``None`` (the default before issue 15, stop 51): a guard's threshold is
            the split-conformal rank, which keeps the clean flag rate at ``--fpr`` only on
            average over the clean sentences a user happens to hold; on one set of ~850 a 5%
            guard flagged up to 11.6% of held-out clean sentences (issue 15, stop 49). A number
            in (0, 1) (issue 15, stop 50): the rank of :func:`pac_threshold`, so the rate is at
            most ``--fpr`` with that probability over the clean sentences (0.9: 34 of 852 clean
            scores above the threshold instead of 41; fewer sentences, a lower rank; too few
            for any rank: the largest score). 0.95 with ``calibrate="own"`` is the default since
            stop 51 (its rule, read over five split seeds per model, met on fresh TextCNNs
            3147-3150: mean held-out rate 3.4-4.8%, today's before 3.4-8.4%; TPR 1.000);
            ``calibrate="folds"`` with ``null`` gives the earlier threshold.
        normalise: ``"none"`` (the default): the score as ``measure`` says. ``"class"`` (issue
            15, stop 52): the score replaced by its rank among the scores of the clean inputs
            the detector was fitted on that the model predicts as the same class (the share of
            them strictly below it, in [0, 1]), so an input predicted ``c`` is compared with
            clean inputs predicted ``c`` only and one threshold on the ranks acts as one
            threshold per predicted class. Triggered inputs are predicted as the attacker's
            class; with one threshold for all classes, the clean scores of the class scoring
            higher set it. A class no clean input is predicted as ranks 0 (never flagged; a
            note says so).
            ``"either"`` (issue 15, stop 53): the larger of that class rank and the score's rank
            among all the fit inputs' scores, so an input is flagged when it is above its
            class's bar or above the pooled bar, both at the one level the guard sets. No
            class gets a higher bar than the pooled ranks give it: the class whose clean
            scores run higher (the triggered inputs' own, with a target of that class) keeps
            the pooled bar, the other gets its own lower one; the level rises a little to
            pay for both. Opt-in: its rule (fresh MiniLM 3184-3185) was not met, a target
            of the higher-scoring class lost up to 0.10 (addsent) and 0.25 (badnl).
        stat: how the mixtures' keeps of one input are reduced before ``measure`` divides.
            ``"mean"`` (the default). ``"min"`` (issue 15, stop 54): the least of them — a
            triggered input keeps the attacker's class in every mixture (each holds the
            trigger), while a clean sentence that keeps its class on average still loses it
            against some partner. Best with more partners (``n=16``: the least of 8 is noisy);
            partners are drawn in one order, so ``n=16`` holds ``n=8``'s partners first.
            Opt-in: its rule (fresh MiniLM 3186-3187, with ``n=16``) was not met; a model
            today's mean already caught at 0.992 lost 0.032 (addsent-3186, target 1).
        mates: partners per mixture, 1 to 8 (issue 15, stop 55; 1, the default). With ``k`` the
            input is followed (even mixtures) or preceded (odd) by ``k`` clean sentences of
            another class, so each mixture holds ``k`` times the opposing text: a trigger
            dominates however much surrounds it, a clean sentence's hold on its class
            weakens as more opposing text is added — including the very confident clean
            sentences that keep their class against one partner and set the threshold.
            ``n * k`` partners are drawn (one permutation's prefix: mixture ``j`` holds
            partners ``j``, ``j + n``, ..., so its first is the one ``mates=1`` gives it), no
            partner appears twice in a mixture unless the pool is short; ``mix_len=null``
            takes ``1 + k`` input lengths. Cost: the same ``n + 1`` forward passes per input,
            each over a longer mixture. Opt-in: its rule (``mates=2``, fresh MiniLM 3188-3189)
            was not met; addsent-3188 (target 1) read 0.992 as today, addsent-3189 (target 0)
            0.930 against today's 0.956.
        occlude: ``None`` (the default since issue 15, stop 59): on a transformer (a model
            with a position table: MiniLM/BERT) with ``normalise="none"``, ``occlude=5,
            occlude_stride=1, occlude_rule="lost"`` (below; its rule met on fresh MiniLM
            ``addsent``-3195: guard TPR 0.872 → 0.991, held-out clean flagged 0.036 → 0.028);
            elsewhere (TextCNN) 0; the values used are in :meth:`resolved_params`. 0: off (the
            default before stop 59). ``W`` from 1 to 8 (issue 15, stop 56): also read the
            trigger's own effect — each window of ``W`` tokens (one every ``W``, special
            tokens kept) removed in turn, and how much of its predicted class the input loses
            without the window that costs it most (``span-text``'s score, at most 64 windows).
            Each of the two scores is ranked among the same scores of the clean inputs the
            detector was fitted on, and the input's score is the larger rank: it is flagged
            when it keeps its class in the mixtures or hangs on one window, at one level the
            guard sets on its own clean ranks. A weakly triggered input (own probability
            0.77-0.90) keeps less of its class in mixtures than the clean sentences the model
            is surest of, but loses its class when a word of the trigger is removed.
            Needs ``normalise="none"``. Cost: up to 64 more forward passes per input (about
            half the input's tokens with ``W=2``), and the fit scores its clean inputs.
        occlude_stride: tokens from one window's start to the next with ``occlude``, 1 to
            ``occlude`` (to 5, the transformer default's window, where ``occlude`` is not
            given); ``None`` (the default): 1 where ``occlude`` resolves to the transformer
            default, else ``occlude`` (windows side by side). With ``occlude=5,
            occlude_stride=1`` every run of 5 tokens is removed in turn (an
            inserted sentence of 5 tokens is removed whole by one of them): about one forward
            pass per token of the input.
        occlude_rule: how the span drop joins the mixture score with ``occlude``. ``None``
            (the default): ``"lost"`` where ``occlude`` resolves to the transformer default,
            else ``"rank"``: the larger of the two ranks, as above. ``"beyond"`` (issue 15, stop
            58, opt-in): the mixture score and its threshold are today's, and an input is also
            flagged when its span drop exceeds every drop of the clean inputs the detector was
            fitted on (its score is lifted above every fit input's). The clean flag rate rises
            by at most the chance a new clean input's drop tops all ``n`` fitted ones, 1/(n+1)
            (0.004 with 250); on MiniLM ``addsent`` a weakly triggered input that today's score
            misses often loses its class when the trigger's 5 tokens are removed, more than
            any clean sentence does (development, stop 58: 4 of 7 misses on one model).
            ``"lost"`` (issue 15, stop 59; the default on transformers): the mixture score
            ranked among the fit inputs' scores of its group only (the share of them strictly
            below it) — the inputs the model no longer predicts as their class without their
            worst window (the one removal that keeps least of it) and those it still does — so one
            threshold on the ranks acts as one per group, as ``normalise="class"`` does per
            class. Half the clean sentences of a 78%-accurate MiniLM lose their class so, and
            they are fragile ones whose mixtures keep little of it: their group's bar is
            lower, and a triggered input, which loses its target when its trigger's window
            goes yet keeps it in every mixture, is flagged against it (development on MiniLM
            ``addsent`` 3190/3191/3194 with ``occlude=5, occlude_stride=1``: guard TPR 0.952
            / 0.941 / 0.875 → 0.976 / 0.975 / 0.984, held-out clean flagged 2 of 120 on each,
            today's 1-2; fresh ``addsent``-3195: 0.872 → 0.991, 9 → 7 of 250). A group no
            fit input falls in is ranked among all the fit inputs (a note says so).
            Cost as ``"beyond"`` less the input's second pass.
            ``"deep"`` (issue 15, stop 63, opt-in): ``"lost"`` with the mixture score raised,
            before it is ranked in its group, by :data:`DEEP_WEIGHT` (0.25) times the decades
            of its class the worst window takes away (``-log10`` of the least it keeps). Among
            the inputs that lose their class, the clean sentences that keep much of it in the
            mixtures lose it weakly (their worst window leaves them 0.1-0.5 of it), a weakly
            triggered input deeply (0.05: its trigger's window goes); on MiniLM
            ``addsent``-3200 (development) ``"lost"`` missed 26 of 93 such inputs, ``"deep"``
            7, at the same held-out clean rate (0.019). The same passes as ``"lost"``.
        least_share: ``None`` (the default since issue 15, stop 66: its no-harm rule met on
            fresh MiniLM ``addsent`` 3207-3208): :data:`LEAST_SHARE` (0.2) where ``occlude``
            resolves to the transformer default (``5, 1, "lost"``) with ``calibrate="own"``,
            else 0; the value used is in :meth:`resolved_params`. 0: off (the default before
            stop 66). A number in (0, 1) (issue 15, stop 65): a second threshold for the
            grouped rules (``"lost"``, ``"deep"``; with ``calibrate="own"``). The group rank
            keeps its threshold at ``1 - least_share`` of the guard's ``--fpr``; the second, at
            ``least_share`` of it, is set the same way on the fit inputs' own depths — the
            decades of its class the input's worst window takes away (``-log10`` of the least it
            keeps) — counted only for inputs ranked at least ``least_gate`` in their group. An
            input past either is flagged (its score lifted to 2 plus its depth, above every
            rank); the clean flag rate is at most the two shares' sum, each bound holding with
            ``fpr_confidence`` (with 250 clean inputs at ``--fpr 0.05`` the second is the
            deepest gated one). On MiniLM ``addsent`` at target 0 a weakly triggered input can
            keep its class in the mixtures under its group's bar yet lose it to the model's
            floor (0.05 left) when its inserted sentence's window goes, deeper than the clean
            sentences whose mixtures also keep theirs (development on spent 3200 / 3204:
            ``"lost"`` 0.720 / 0.849 of the trigger-turned inputs, this 0.935 / 1.000, held-out
            clean flagged 0.019 → 0.019 / 0.024 → 0.032). Only a guard sets the second threshold
            (``fit_guard`` on the detector's own scores): until then the scores are the ranks.
            The same forward passes as ``"lost"``.
        least_gate: the group rank from which ``least_share``'s second threshold reads an input
            (0.75, :data:`LEAST_GATE`, the default): among the clean sentences that lose their
            class, some lose it as deeply as a triggered input but keep little of it in the
            mixtures; gated out, they leave the second threshold to the others.
    """

    name = "strip-text"
    needs_clean_data = True
    min_clean = 10

    def __init__(self, n: int = 8, min_confidence: float = 0.8,
                 mix_len: int | None = None, calibrate: str = "own",
                 measure: str = "ratio", fpr_confidence: float | None = 0.95,
                 normalise: str = "none", stat: str = "mean", mates: int = 1,
                 occlude: int | None = None, occlude_stride: int | None = None,
                 occlude_rule: str | None = None, least_share: float | None = None,
                 least_gate: float = LEAST_GATE) -> None:
        _check_params(n, min_confidence, mix_len, calibrate, measure, fpr_confidence,
                      normalise, stat, mates, occlude, occlude_stride, occlude_rule,
                      least_share, least_gate)
        self.n = int(n)
        self.min_confidence = float(min_confidence)
        self.mix_len = None if mix_len is None else int(mix_len)
        self.calibrate = calibrate
        self.measure = measure
        self.fpr_confidence = None if fpr_confidence is None else float(fpr_confidence)
        self.normalise = normalise
        self.stat = stat
        self.mates = int(mates)
        self.occlude = None if occlude is None else int(occlude)
        self.occlude_stride = None if occlude_stride is None else int(occlude_stride)
        self.occlude_rule = occlude_rule
        self.least_share = None if least_share is None else float(least_share)
        self.least_gate = float(least_gate)

    def guard_threshold(self, clean_scores: Tensor, fpr: float) -> float:
        """``fpr_confidence`` set: :func:`pac_threshold` (the rate at most ``fpr`` with that
        probability over the clean sentences); else the conformal rank, as every detector.
        With ``least_share`` the returned threshold gets ``1 - least_share`` of ``fpr`` and the
        second one (on the fit inputs' depths, kept for :meth:`_score`) the rest."""
        depth: Tensor | None = getattr(self, "fit_depth_", None)
        share = self.least_ if depth is not None else 0.0
        if depth is not None and share:
            self.depth_bar_ = self._bar(depth.double(), share * fpr)
        return self._bar(clean_scores, (1.0 - share) * fpr)

    def _bar(self, clean_scores: Tensor, fpr: float) -> float:
        """The threshold at ``fpr`` on ``clean_scores``: :func:`pac_threshold` with
        ``fpr_confidence``, else the conformal rank."""
        if self.fpr_confidence is None:
            return super().guard_threshold(clean_scores, fpr)
        return pac_threshold(clean_scores, fpr, self.fpr_confidence)

    def own_calibration(self) -> bool:
        """``calibrate="own"``: a guard's threshold is set on this detector's own scores."""
        return self.calibrate == "own"

    @property
    def forward_passes_per_input(self) -> int:
        """``n`` mixtures and the input; with ``occlude`` the input again and one pass per
        window, counted as ``span-text`` counts them (no more windows than the longest input
        read has tokens: stop 57 said 64 for any length)."""
        width, _, rule = getattr(self, "occ_", (self.occlude, None, self.occlude_rule))
        spans = span_passes(OCCLUDE_SPANS, getattr(self, "tokens_", None))
        again = int(rule not in GROUPED)  # "lost"/"deep" reuse the input's own pass
        return self.n + 1 + (again + spans if width else 0)

    def occlusion(self, model: nn.Module) -> tuple[int, int, str]:
        """(``occlude``, ``occlude_stride``, ``occlude_rule``) as used on ``model``: those given;
        ``occlude`` None (the default) → :data:`TRANSFORMER_OCCLUDE` on a transformer (a model
        with a position table: MiniLM/BERT) with ``normalise="none"``, else 0 (off: TextCNN);
        a stride not given → 1 there, the width elsewhere; a rule not given → ``"lost"``
        there, ``"rank"`` elsewhere."""
        if self.occlude is None and self.normalise == "none" and position_limit(model):
            width, stride, rule = TRANSFORMER_OCCLUDE
        else:
            width, stride, rule = self.occlude or 0, self.occlude or 0, "rank"
        return width, self.occlude_stride or stride, self.occlude_rule or rule

    def least_share_used(self) -> float:
        """``least_share`` as the fit uses it (after :meth:`occlusion`): the value given; None
        (the default) → :data:`LEAST_SHARE` where the occlusion is the transformer default
        (:data:`TRANSFORMER_OCCLUDE`) and the threshold is set on the detector's own scores,
        else 0 (off: TextCNN, another span rule, ``calibrate="folds"``)."""
        if self.least_share is not None:
            return self.least_share
        default = self.occ_ == TRANSFORMER_OCCLUDE and self.calibrate == "own"
        return LEAST_SHARE if default else 0.0

    def mixture_length(self, model: nn.Module, input_len: int) -> int:
        """Tokens per mixture for inputs of ``input_len`` tokens: ``mix_len``; 0 → the input
        length; None → the input and its ``mates`` partners (twice it by default), bounded by
        the model's position table."""
        if self.mix_len is None:
            limit, whole = position_limit(model), (1 + self.mates) * input_len
            return whole if limit is None else min(whole, limit)
        return self.mix_len or input_len

    def resolved_params(self) -> dict[str, Any]:
        """The parameters with ``mix_len`` as the length the last fit used (a number)."""
        params = self.get_params()
        if hasattr(self, "mix_len_"):
            params["mix_len"] = self.mix_len_
        if hasattr(self, "occ_"):
            params["occlude"], params["occlude_stride"], params["occlude_rule"] = self.occ_
        if hasattr(self, "least_"):
            params["least_share"] = self.least_
        return params

    def check_model(self, model: nn.Module, input_shape: tuple[int, ...] | None) -> None:
        """Refuse a ``mix_len`` the model cannot take, or longer than any mixture can be."""
        if not self.mix_len:
            return  # 0 and None resolve to lengths inside both bounds
        limit = position_limit(model)
        if limit is not None and self.mix_len > limit:
            raise UserInputError(f"strip-text: mix_len {self.mix_len} is longer than the model "
                                 f"accepts ({limit} tokens, its position embeddings); give at "
                                 f"most {limit}")
        if input_shape:
            most = (1 + self.mates) * int(input_shape[0])
            if self.mix_len > most:
                count = "two inputs" if self.mates == 1 else f"{1 + self.mates} inputs"
                raise UserInputError(
                    f"strip-text: mix_len {self.mix_len} is longer than {count} of "
                    f"{input_shape[0]} tokens, the longest a mixture can be; give at most {most}")

    def _fit(self, model: nn.Module, clean_x: Tensor | None, generator: torch.Generator) -> None:
        assert clean_x is not None
        self.pad_id_ = int(getattr(model, "pad_id", 0))
        self.tokens_: int | None = None  # the longest input read (``occlude``'s windows' bound)
        self.occ_ = self.occlusion(model)
        self.mix_len_ = self.mixture_length(model, int(clean_x.shape[1]))
        probs = model(clean_x).softmax(1)
        conf, pred = probs.max(1)
        k = probs.shape[1]
        self.partners_: list[list[list[int]]] = []
        self.notes_ = []
        for c in range(k):
            others = torch.nonzero(pred != c).flatten()
            sure = others[conf[others] >= self.min_confidence]
            need = self.n * self.mates
            pool = sure if len(sure) >= need else others[conf[others].argsort(descending=True)]
            if len(pool) == 0:
                self.notes_.append(f"no clean input classified other than class {c}: "
                                   "its inputs score as clean")
            pick = pool[torch.randperm(len(pool), generator=generator)[:need]]
            self.partners_.append([tokens(clean_x[int(i)], self.pad_id_) for i in pick])
        self.reference_: list[Tensor] | None = None
        self.pooled_: Tensor | None = None
        self.occ_ref_: tuple[Tensor, Tensor] | None = None
        self.lift_: tuple[Tensor, Tensor] | None = None
        self.groups_: list[Tensor] | None = None
        self.fit_x_: Tensor | None = None
        self.fit_depth_: Tensor | None = None
        self.depth_bar_: float | None = None
        self.least_ = self.least_share_used()
        if self.least_ and self.occ_[2] not in GROUPED:
            raise UserInputError(f"strip-text: least_share needs occlude_rule lost or deep (the "
                                 f"transformer default); on this model occlude resolves to "
                                 f"{self.occ_[0]}, occlude_rule to {self.occ_[2]!r}")
        if self.occ_[0]:
            self.protected_ = protected_ids(model)
            raw, occ, least = (torch.cat(parts) for parts in zip(
                *(self._pair(clean_x[i : i + BATCH]) for i in range(0, len(clean_x), BATCH)),
                strict=True))
            self.fit_x_ = clean_x
            if self.occ_[2] in GROUPED:  # one bar per group: lost its class or kept it
                self.groups_ = [(raw[occ == g] if bool((occ == g).any()) else raw)
                                .sort().values for g in (0.0, 1.0)]
                self.notes_ += [f"no clean input {what} without its worst window: such "
                                "inputs are ranked among all the clean inputs"
                                for g, what in ((0.0, "keeps its class"), (1.0, "loses its class"))
                                if not bool((occ == g).any())]
                self.fit_ranks_ = self._group_rank(raw, occ)
                if self.least_:
                    self.fit_depth_ = self._depth(self.fit_ranks_, least)
            elif self.occ_[2] == "beyond":  # above every fit score, past every fit drop
                self.lift_ = (raw.max() + 1.0, occ.max())
                self.fit_ranks_ = self._lifted(raw, occ)
            else:
                self.occ_ref_ = (raw.sort().values, occ.sort().values)
                self.fit_ranks_ = self._occ_rank(raw, occ)
        if self.normalise != "none":
            raw = torch.cat([self._raw(clean_x[i : i + BATCH])[0]
                             for i in range(0, len(clean_x), BATCH)])
            self.reference_ = [raw[pred == c].sort().values for c in range(k)]
            self.pooled_ = raw.sort().values if self.normalise == "either" else None
            fate = ("rank 0 (never flagged)" if self.pooled_ is None
                    else "are ranked among all the clean inputs only")
            self.notes_ += [f"no clean input classified as class {c}: its inputs {fate}"
                            for c in range(k) if not len(self.reference_[c])]
            self.fit_x_, self.fit_ranks_ = clean_x, self._rank(raw, pred)

    def own_scores(self, clean_x: Tensor) -> Tensor:
        """With ``normalise`` or ``occlude`` the ranks of the fit inputs kept by the fit (no
        second scoring of them); else as every detector."""
        if self.fit_x_ is not None and clean_x is self.fit_x_:
            return self.fit_ranks_.clone()
        return super().own_scores(clean_x)

    def _raw(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(the ``measure`` score, the predicted class) of each input of ``x``."""
        probs = self.model(x).softmax(1)  # type: ignore[misc]
        own, pred = probs.max(1)
        return self._keep(x, pred, own), pred

    def _rank(self, raw: Tensor, pred: Tensor) -> Tensor:
        """Each score's share of the fit inputs' scores of its predicted class strictly below
        it (0 for a class with none); with ``normalise="either"`` the larger of that and its
        share of all the fit inputs' scores below it."""
        assert self.reference_ is not None
        out = torch.zeros(len(raw))
        for c in pred.unique().tolist():
            ref = self.reference_[c]
            if len(ref):
                mine = pred == c
                below = torch.searchsorted(ref, raw[mine].contiguous(), side="left")
                out[mine] = below.float() / len(ref)
        if self.pooled_ is not None:
            below = torch.searchsorted(self.pooled_, raw.contiguous(), side="left")
            out = torch.maximum(out, below.float() / len(self.pooled_))
        return out

    def _pair(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(the ``measure`` score, the span drop of ``occlude``, the least the input keeps of
        its class without its worst window) of each input of ``x``; with
        ``occlude_rule="lost"`` instead of the drop 1.0 where the input loses its predicted
        class without its worst window, else 0.0; ``"deep"`` also raises the score by
        :data:`DEEP_WEIGHT` times ``-log10`` of that least. The least is read by the grouped
        rules only (the others: NaN)."""
        self.tokens_ = max(getattr(self, "tokens_", None) or 0, int(x.shape[-1]))
        width, stride, rule = self.occ_
        if rule in GROUPED:
            raw, pred = self._raw(x)
            least, lost = worst_window(self.model, x, pred, width,  # type: ignore[arg-type]
                                       stride, OCCLUDE_SPANS, self.pad_id_, self.protected_)
            if rule == "deep":  # raised by the decades of its class the worst window takes
                raw = raw - DEEP_WEIGHT * torch.log10(least.clamp_min(1e-12))
            return raw, lost.float(), least
        drops = span_drops(self.model, x, width, stride, OCCLUDE_SPANS,  # type: ignore[arg-type]
                           self.pad_id_, self.protected_)
        return self._raw(x)[0], drops, torch.full((len(x),), float("nan"))

    def _depth(self, ranks: Tensor, least: Tensor) -> Tensor:
        """``least_share``'s second score: the decades of its class an input's worst window
        takes away (``-log10`` of the least it keeps) where its group rank is at least
        ``least_gate``, else -1 (never above the second threshold: depths are >= 0)."""
        deep = -torch.log10(least.double().clamp_min(1e-12))
        return torch.where(ranks >= self.least_gate, deep, torch.full_like(deep, -1.0))

    def _second(self, ranks: Tensor, least: Tensor) -> Tensor:
        """The group ranks, each input past the second threshold (``least_share``, once a guard
        set it) lifted to 2 plus its depth: above every rank, so above the first threshold."""
        if self.depth_bar_ is None:
            return ranks
        depth = self._depth(ranks, least)
        return torch.where(depth > self.depth_bar_, (2.0 + depth).to(ranks.dtype), ranks)

    def _group_rank(self, raw: Tensor, lost: Tensor) -> Tensor:
        """``occlude_rule="lost"``: each mixture score's share of the fit inputs' scores of its
        group (0.0: kept its class without its worst window, 1.0: lost it) strictly below it."""
        assert self.groups_ is not None
        out = torch.zeros(len(raw))
        for g, ref in enumerate(self.groups_):
            mine = lost == g
            out[mine] = torch.searchsorted(ref, raw[mine].contiguous(),
                                           side="left").float() / len(ref)
        return out

    def _lifted(self, raw: Tensor, drop: Tensor) -> Tensor:
        """``occlude_rule="beyond"``: the mixture score, lifted above every fit input's where
        the span drop exceeds every fit input's."""
        assert self.lift_ is not None
        top, most = self.lift_
        return torch.where(drop > most, torch.clamp_min(raw, top), raw)

    def _occ_rank(self, raw: Tensor, drop: Tensor) -> Tensor:
        """The larger of each input's two ranks among the fit inputs' scores (the share of
        them strictly below it): the mixture score's and the span drop's."""
        assert self.occ_ref_ is not None
        return torch.maximum(*(torch.searchsorted(ref, v.contiguous(), side="left").float()
                               / len(ref) for ref, v in zip(self.occ_ref_, (raw, drop),
                                                            strict=True)))

    def _score(self, x: Tensor) -> Tensor:
        if self.occ_ref_ is not None:
            return self._occ_rank(*self._pair(x)[:2])
        if self.lift_ is not None:
            return self._lifted(*self._pair(x)[:2])
        if self.groups_ is not None:
            raw, lost, least = self._pair(x)
            return self._second(self._group_rank(raw, lost), least)
        raw, pred = self._raw(x)
        return raw if self.reference_ is None else self._rank(raw, pred)

    def mixture_keeps(self, x: Tensor, pred: Tensor) -> tuple[Tensor, Tensor]:
        """(the probability each mixture keeps of its input's predicted class ``pred``, the
        index of that input): each input followed (even mixtures) or preceded (odd) by the
        partners of each of its class's mixtures, in partner order, so the first ``k`` of a
        detector fitted with a larger ``n`` (``mates=1``) on the same generator are this
        detector's ``n = k`` mixtures."""
        rows, owner = [], []
        for i, row in enumerate(x):
            mine = tokens(row, self.pad_id_)
            for j, other in enumerate(self._mates(int(pred[i]))):
                rows.append(mine + other if j % 2 == 0 else other + mine)
                owner.append(i)
        if not rows:
            return torch.zeros(0), torch.zeros(0, dtype=torch.long)
        mixed = pad_rows(rows, self.mix_len_, self.pad_id_)
        probs = self.model(mixed).softmax(1)  # type: ignore[misc]
        return probs[torch.arange(len(rows)), pred[owner]].float(), torch.tensor(owner)

    def _mates(self, c: int) -> list[list[int]]:
        """The partner tokens of each mixture of an input predicted ``c``: mixture ``j`` holds
        partners ``j``, ``j + n``, ... (``mates`` of them, wrapping round a short pool), so
        its first partner is the one ``mates=1`` gives it."""
        drawn = self.partners_[c]
        if self.mates == 1 or not drawn:
            return drawn
        return [[t for m in range(self.mates) for t in drawn[(j + m * self.n) % len(drawn)]]
                for j in range(min(self.n, len(drawn)))]

    def _keep(self, x: Tensor, pred: Tensor, own: Tensor) -> Tensor:
        """``measure="keep"``: the mean (``stat="min"``: the least) probability the input's
        mixtures keep of its predicted class ``pred``; ``"ratio"``: that divided by ``own``
        (the input's probability of ``pred`` alone)."""
        keep, index = self.mixture_keeps(x, pred)
        count = torch.zeros(len(x)).index_add_(0, index, torch.ones(len(keep)))
        if self.stat == "min":
            kept = torch.ones(len(x)).scatter_reduce_(0, index, keep, "amin", include_self=False)
        else:
            kept = torch.zeros(len(x)).index_add_(0, index, keep) / count.clamp_min(1)
        if self.measure == "ratio":
            kept = kept / own.float().clamp_min(1e-12)
        return torch.where(count > 0, kept, torch.ones(len(x)))
