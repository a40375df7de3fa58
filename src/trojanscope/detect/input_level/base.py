"""Input-level (run-time) detection: is this input carrying a trigger?

An :class:`InputDetector` is fitted once on a model (and, when the method needs it, a little clean
data), then scores batches of unlabelled inputs: one float per input, higher meaning more likely
triggered. A :class:`FittedGuard` pairs a fitted detector with a threshold set on held-out clean
inputs at a chosen false-positive rate (:func:`fit_guard`) — never on triggered examples, which a
defender does not have. Detectors never see the attacker's trigger or target.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from trojanscope.errors import UserInputError
from trojanscope.params import ParamsMixin, check_share

MIN_CALIBRATION = 20  # fewer held-out clean scores give no usable threshold
GUARD_FOLDS = 5  # cross-fitting folds of fit_guard
BATCH = 512  # inputs per forward batch (memory bound; results do not depend on it)


class InputDetector(ParamsMixin, ABC):
    """Base class of input-level detectors.

    Parameters are the ``__init__`` arguments (scikit-learn style). Subclasses set ``name`` and
    ``needs_clean_data`` and implement :meth:`_fit` and :meth:`_score`; :meth:`fit` and
    :meth:`score` check the inputs, put the model in eval mode and run without gradients, so a
    method never changes the model it guards and a score never depends on how inputs are batched.
    """

    name: ClassVar[str] = "input-detector"
    needs_clean_data: ClassVar[bool] = True
    min_clean: ClassVar[int] = 10  # fewer clean inputs are refused by fit

    model: nn.Module | None = None
    input_shape: tuple[int, ...] | None = None

    @property
    def forward_passes_per_input(self) -> int:
        """Model forward passes spent on each scored input (the run-time cost)."""
        return 1

    def resolved_params(self) -> dict[str, Any]:
        """The parameters with every choice the last fit made from the data filled in (e.g.
        ``transforms="auto"`` → the transforms kept): a detector built from them and fitted on
        other clean data scores the same way. The init parameters unless a method overrides."""
        return self.get_params()

    def fit(self, model: nn.Module, clean_x: Tensor | None, *, generator: torch.Generator,
            input_shape: tuple[int, ...] | None = None) -> None:
        """Prepare to score inputs of ``model``; ``clean_x`` (N×C×H×W in [0, 1]) are clean
        inputs the method may use (required when ``needs_clean_data``). Scored inputs must have
        the clean inputs' shape (or ``input_shape``, e.g. from a manifest, when there are none)."""
        if clean_x is None and self.needs_clean_data:
            raise UserInputError(f"input detector {self.name!r} needs clean inputs (--data)")
        if clean_x is not None:
            self.check_inputs(clean_x, None, "clean inputs")
            if len(clean_x) < self.min_clean:
                raise UserInputError(
                    f"input detector {self.name!r} needs at least {self.min_clean} clean inputs; "
                    f"{len(clean_x)} given"
                )
        shape = tuple(clean_x.shape[1:]) if clean_x is not None else input_shape
        self.check_model(model, shape)
        self.model = model.eval()
        self.input_shape = shape
        with torch.no_grad():
            self._fit(model, clean_x, generator)

    def score(self, x: Tensor) -> Tensor:
        """One float per input of ``x`` (N×C×H×W in [0, 1]); higher = more likely triggered."""
        if self.model is None:
            raise RuntimeError(f"input detector {self.name!r} is not fitted; call fit() first")
        self.check_inputs(x, self.input_shape, "inputs")
        if len(x) == 0:
            return torch.zeros(0)
        self.model.eval()
        try:
            with torch.no_grad():
                out = torch.cat([self._score(x[i : i + BATCH]) for i in range(0, len(x), BATCH)])
        except RuntimeError as exc:  # shapes the model cannot take (no clean inputs to check by)
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise UserInputError(
                f"the model does not accept inputs of shape {tuple(x.shape[1:])}: {first}"
            ) from None
        return out.float()

    def check_inputs(self, x: Tensor, shape: tuple[int, ...] | None, what: str) -> None:
        """Refuse inputs this detector cannot score (images by default: :func:`check_inputs`)."""
        check_inputs(x, shape, what)

    def check_model(self, model: nn.Module, input_shape: tuple[int, ...] | None) -> None:
        """Refuse parameters that ``model`` (inputs of ``input_shape``) cannot serve (none by
        default): called by :meth:`fit`, and by ``detect-inputs`` as soon as the model is
        loaded, before any data is read or scored."""

    def own_calibration(self) -> bool:
        """True when the fitted detector's scores of its own clean fit inputs are distributed as
        a new clean input's would be (no input shapes its own score), so :func:`fit_guard` may
        set the threshold on them: the threshold is then for the very detector that scores new
        inputs, with no fold copies. False by default (the cross-fit)."""
        return False

    def own_scores(self, clean_x: Tensor) -> Tensor:
        """The fitted detector's scores of ``clean_x``, the clean inputs it was fitted on
        (:func:`fit_guard`'s own calibration): :meth:`score` unless a method kept them when it
        fitted (the same values, without scoring them twice)."""
        return self.score(clean_x)

    def guard_threshold(self, clean_scores: Tensor, fpr: float) -> float:
        """The threshold :func:`fit_guard` sets on the clean inputs' scores at ``fpr``:
        :func:`conformal_threshold` unless a method asks for another rank."""
        return conformal_threshold(clean_scores, fpr)

    def check_fit_size(self, n: int) -> None:
        """Refuse parameters that ``n`` clean inputs cannot serve (none by default), before a
        guard creates anything and before its fit."""

    @abstractmethod
    def _fit(self, model: nn.Module, clean_x: Tensor | None, generator: torch.Generator) -> None:
        """Method-specific preparation (runs without gradients)."""

    @abstractmethod
    def _score(self, x: Tensor) -> Tensor:
        """Scores of one batch (runs without gradients)."""


def check_inputs(x: Tensor, shape: tuple[int, ...] | None, what: str) -> None:
    """Inputs must be a finite float N×C×H×W tensor (of the fitted shape when it is known)."""
    if not isinstance(x, Tensor) or not torch.is_floating_point(x):
        dtype = getattr(x, "dtype", type(x).__name__)
        raise UserInputError(f"{what} must be floats in [0, 1], got dtype {dtype}")
    if x.ndim != 4:
        raise UserInputError(f"{what} must have shape (N, C, H, W), got {tuple(x.shape)}")
    if shape is not None and tuple(x.shape[1:]) != tuple(shape):
        raise UserInputError(
            f"{what} have shape {tuple(x.shape[1:])} per input but the detector was fitted on "
            f"{tuple(shape)}"
        )
    if not torch.isfinite(x).all():
        raise UserInputError(f"{what} contain NaN or infinite values")


def _checked_scores(clean_scores: Tensor, fpr: float, confidence: float | None = None) -> Tensor:
    """``clean_scores`` as one float64 vector, once ``fpr`` (and ``confidence``, where given)
    lies in (0, 1) and every score is finite (what every threshold rule needs; one error line
    otherwise)."""
    if not 0.0 < fpr < 1.0:
        raise UserInputError(f"false-positive rate must be in (0, 1), got {fpr}")
    if confidence is not None and not 0.0 < confidence < 1.0:
        raise UserInputError(f"confidence must be in (0, 1), got {confidence}")
    scores = torch.as_tensor(clean_scores, dtype=torch.float64).flatten()
    if len(scores) == 0 or not torch.isfinite(scores).all():
        raise UserInputError("the clean scores are empty or not finite; no threshold can be set")
    return scores


def threshold_at_fpr(clean_scores: Tensor, fpr: float) -> float:
    """The threshold above which at most ``fpr`` of ``clean_scores`` lie (flag: score > it).

    The quantile rule: with ``n`` held-out clean scores, ``k = floor(fpr * n)`` of them may be
    flagged, so the threshold is the ``(n - k)``-th smallest score.
    """
    scores = _checked_scores(clean_scores, fpr)
    k = math.floor(fpr * len(scores) + 1e-9)
    return float(torch.sort(scores).values[len(scores) - k - 1])


def conformal_threshold(clean_scores: Tensor, fpr: float) -> float:
    """The threshold for new inputs: the ``ceil((n + 1)(1 - fpr))``-th smallest of ``n`` clean
    scores (flag: score > it), so a new clean input exchangeable with them is flagged with
    probability at most ``fpr`` (split-conformal rule; exact for the detector that scored them,
    approximate for one refitted on all of them, as :func:`fit_guard` keeps; the plain quantile of
    :func:`threshold_at_fpr` lets about ``1/n`` more through). With too few scores for that rank
    the largest is used, and the bound no longer holds."""
    scores = _checked_scores(clean_scores, fpr)
    rank = math.ceil((len(scores) + 1) * (1.0 - fpr) - 1e-9)
    return float(torch.sort(scores).values[min(rank, len(scores)) - 1])


def pac_count(n: int, fpr: float, confidence: float) -> int:
    """The largest ``m`` with ``P(Binomial(n, fpr) <= m) <= 1 - confidence`` (-1 when even
    ``m = 0`` is too many): how many of ``n`` clean scores may lie above :func:`pac_threshold`."""
    from scipy.stats import binom

    bound = 1.0 - confidence
    m = min(int(binom.ppf(bound, n, fpr)), n - 1)  # the smallest m whose CDF reaches the bound
    while m >= 0 and binom.cdf(m, n, fpr) > bound * (1 + 1e-12):
        m -= 1
    return m


def pac_threshold(clean_scores: Tensor, fpr: float, confidence: float) -> float:
    """The threshold for new inputs such that, with probability at least ``confidence`` over the
    ``n`` clean scores drawn, the rate at which a new clean input exchangeable with them is
    flagged (score > threshold) is at most ``fpr`` (training-conditional conformal, Vovk 2012):
    the ``(n - m)``-th smallest score, ``m`` = :func:`pac_count`. :func:`conformal_threshold`
    bounds that rate only on average over calibration sets (``m = n - ceil((n + 1)(1 -
    fpr))``), so one set of a few hundred scores can flag a point or two more. With too few
    scores for any such ``m`` the largest is used, and the bound no longer holds."""
    scores = _checked_scores(clean_scores, fpr, confidence)
    m = pac_count(len(scores), fpr, confidence)
    return float(torch.sort(scores).values[len(scores) - max(m, 0) - 1])


@dataclass
class FittedGuard:
    """A fitted detector and its threshold: :meth:`check` scores inputs and flags those above.
    ``n_fit`` clean inputs fitted the detector; ``n_calibration`` out-of-fold clean scores set
    the threshold (every clean input is both, by cross-fitting)."""

    detector: InputDetector
    threshold: float
    fpr: float = 0.01
    n_fit: int = 0
    n_calibration: int = 0
    copies: list[InputDetector] = field(default_factory=list)  # fold copies (keep_copies)
    calibration: list[Tensor] = field(default_factory=list)  # each copy's out-of-fold scores

    def check(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(scores, flagged): ``flagged[i]`` is True when ``scores[i] > threshold``."""
        scores = self.detector.score(x)
        return scores, scores > self.threshold

    def check_by_copies(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(p-values, flagged) from the fold copies instead of the refitted detector: each copy
        scores ``x`` and is compared with the clean scores of the fold it did not fit on; the
        p-value is ``(1 + those at least as high, over all folds) / (n + 1)`` (cross-conformal,
        Vovk 2015), flagged when at most ``fpr``. Costs one detector scoring per fold."""
        if not self.copies:
            raise RuntimeError("the guard kept no fold copies; fit it with keep_copies=True")
        above = torch.zeros(len(x), dtype=torch.float64)
        for copy, cal in zip(self.copies, self.calibration, strict=True):
            s = copy.score(x).double()
            above += (cal[None, :] >= s[:, None]).sum(1)
        p = (1.0 + above) / (self.n_calibration + 1.0)
        return p, p <= self.fpr


def check_fpr(fpr: float) -> None:
    """``--fpr`` is a rate strictly between 0 and 1 (NaN refused)."""
    check_share("--fpr", fpr)


def check_guard_inputs(detector: InputDetector, clean_x: Tensor, folds: int = GUARD_FOLDS) -> None:
    """Refuse clean inputs a guard cannot be fitted on (wrong kind, too few for its folds):
    :func:`fit_guard` calls it, and ``serve`` before it creates anything."""
    detector.check_inputs(clean_x, None, "clean inputs")
    n = len(clean_x)
    need = max(MIN_CALIBRATION, math.ceil(detector.min_clean * folds / (folds - 1)))
    if n < need:
        raise UserInputError(
            f"too few clean inputs to fit a guard: {n} given, at least {need} needed "
            f"(each of {folds} folds is scored by a detector fitted on the others)"
        )
    detector.check_fit_size(n - math.ceil(n / folds))  # the fewest a fold's copy is fitted on


def fit_guard(
    model: nn.Module,
    detector: InputDetector,
    clean_x: Tensor,
    *,
    fpr: float = 0.01,
    generator: torch.Generator,
    folds: int = GUARD_FOLDS,
    keep_copies: bool = False,
) -> FittedGuard:
    """Fit ``detector`` on all of ``clean_x`` and set the threshold at ``fpr`` from cross-fitted
    scores: the clean inputs are dealt into ``folds`` folds, and each fold is scored by a copy
    of the detector fitted on the other folds — every clean input gives a score of an input its
    detector did not fit on (so the rate holds on new inputs), and none is spent on one role
    only. The threshold is :meth:`InputDetector.guard_threshold` of those scores
    (:func:`conformal_threshold` unless the detector says otherwise). ``keep_copies`` keeps
    the fold copies for :meth:`FittedGuard.check_by_copies`. A detector whose
    :meth:`InputDetector.own_calibration` is true is fitted once and the threshold set on its
    own scores of ``clean_x`` instead (unless ``keep_copies``)."""
    check_fpr(fpr)
    check_guard_inputs(detector, clean_x, folds)
    n = len(clean_x)
    if detector.own_calibration() and not keep_copies:
        # the detector's own scores of its fit inputs stand for new inputs' (it says so): the
        # threshold is set for the detector that will score them, not for five other copies
        detector.fit(model, clean_x, generator=generator)
        own = detector.own_scores(clean_x).double()
        return FittedGuard(detector, detector.guard_threshold(own, fpr), fpr, n, n)
    fold = torch.randperm(n, generator=generator) % folds
    state = generator.get_state()

    def cross_fit(params: dict) -> tuple[Tensor, list[InputDetector], list[Tensor]]:
        calibration = torch.empty(n, dtype=torch.float64)
        copies, per_fold = [], []
        for f in range(folds):
            held = fold == f
            copy = type(detector)(**params)
            copy.fit(model, clean_x[~held], generator=generator,
                     input_shape=detector.input_shape)
            calibration[held] = copy.score(clean_x[held]).double()
            copies.append(copy)
            per_fold.append(calibration[held])
        return calibration, copies, per_fold

    calibration, copies, per_fold = cross_fit(detector.get_params())
    detector.fit(model, clean_x, generator=generator)
    resolved = detector.resolved_params()
    if any(c.resolved_params() != resolved for c in copies):
        # a choice made from the data (e.g. auto transforms) came out differently on a fold:
        # score the folds again with the deployed detector's choice, so the threshold is set
        # for the detector that will score new inputs (same fold draws as the first pass)
        after = generator.get_state()
        generator.set_state(state)
        calibration, copies, per_fold = cross_fit(resolved)
        generator.set_state(after)
    threshold = detector.guard_threshold(calibration, fpr)
    if not keep_copies:
        copies, per_fold = [], []
    return FittedGuard(detector, threshold, fpr, n, n, copies, per_fold)
