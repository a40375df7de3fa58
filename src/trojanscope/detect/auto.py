"""The default method: the best combination measured across architectures and training recipes.

Without clean data, MM-BD alone gives the verdict (data-free). With clean data:

- for a model like the default calibration's (ReLU, max pooling), MM-BD's calibrated verdict
  stands (issue 3's figures) and the trigger search recovers the triggers of MM-BD's three most
  suspicious classes only — the evidence a reviewer looks at;
- for a model with layers the default calibration lacked (tanh, sigmoid, GELU, normalisation…),
  two probes that work in input space join MM-BD — the trigger search over every class (how
  small a patch-like trigger flips other classes' inputs to each class) and the universal
  perturbation (how small one additive change does). Their statistics are ratios within the
  model, so they hold where MM-BD's margins do not; the wider calibrator uses them (issue 9's
  leave-one-family-out study; figures in docs/benchmarks.md). The striped universal
  perturbation (``universal -p pattern=stripes``) joins them for clean-label signal triggers
  (SIG), counted only when its easiest class is MM-BD's suspect and not the model's own
  favourite class (``detect/bias.py``: where uniform noise lands), which clean BatchNorm
  models and MLPs reach easily by every probe; the free perturbation's agreement is counted
  the same way.

With clean images, every model also gets the universal perturbation confined to the clean
data's empty pixels (where clean digits are never written: a frame, a corner patch): a backdoor
target is reached there by far more inputs than the next class, whatever the logit scale
(issue 9, stop 32); a gap beyond the shipped ``auto:raise`` term's start raises the probability
(``raise_logit``, ``probability_unraised`` in the features) and never lowers it. The greedy
pixel probe (``detect/pixels.py``) runs there too: five pixels (15 on a model without a
convolution, stop 37b) set to the maximum anywhere,
for patch triggers inside the digits' area, which touch no empty pixel (issue 9, stop 33); its
``pixel_share_gap`` is the mean over five draws of the clean inputs, and one beyond the shipped
``auto:raise:pixels`` term's start (0.14) raises the probability the same way (issue 9, stop
34b: a single draw's gap put clean models beyond the stop-33 start of 0.08 now and then; the
five-draw average at 0.14 raised no fresh clean model at any of five outer seeds).

Every image model also gets the uniform frame probe (``detect/frame.py``; on models without
a convolution since stop 37, with one since stop 40: a frame-triggered BatchNorm CNN of seed 40
was missed with no probe reading the ring): its outer ring lit at one value for every input,
which a frame trigger's target answers and a clean MLP's untrained border weights do not; on a
model without a convolution (``first_layer_dense``, recorded for every image model) a
``frame_share_gap`` beyond the shipped ``auto:raise:frame`` term's start (0.43; 0.32 on a
model with a convolution, since stop 40) raises the probability, and the empty-pixel term
starts at 0.30 there instead of 0.20 (issue 9, stop 37b: the rule written before seed 26
held on it). Its greedy pixel probe sets 15 pixels instead of five.
On such a model the shipped ``auto:lower:dense`` calibration term (stop 39) also takes back the
default calibrator's MM-BD p-value term where it would raise the probability (MM-BD finding
nothing is no evidence; ``detect/calibration.py``'s lower-only terms).
"Without a convolution" (dense) is
:func:`~trojanscope.mitigate.stripe_projection.dense_network` on two clean images, the one
scope ``gated``'s dense options use too: no convolution of any kind (``nn.Conv1d``-``3d``,
transposed, quantized, TorchScript or ONNX) and the first weights the model uses a ``Linear``'s
(a functional ``conv2d`` first is not dense). A TorchScript model, which takes no hooks, is read
from its graph instead (``script_dense_network``: stop 38 found the merge of that scope had
turned the stop-37b readings off for the TorchScript MLPs their rule was measured on).

Each probe draws from a generator of its own, seeded like the verdict, so that its numbers are
the same whether it runs here or alone (the calibration rows are built from the probes alone).
"""

from __future__ import annotations

import torch

from trojanscope import registry
from trojanscope.detect.base import InspectionTarget, ModelDetector, ModelVerdict
from trojanscope.detect.bias import noise_bias
from trojanscope.detect.blend_low import low_reading
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.class_excess import class_ratio_features, class_ratios, top_of
from trojanscope.detect.coverage import architecture_traits, coverage_notes, routed
from trojanscope.detect.frame import FRAME_GAP_HINT, FRAME_GAP_HINT_CONV, frame_features
from trojanscope.detect.guard_reading import (
    MASK_STAND,
    PROBE_SHARE,
    mask_stand,
    probe_share,
    searched_where_shut,
)
from trojanscope.detect.image_twins import MAX_TWINS, twin_features
from trojanscope.detect.named_check import blend_reading, named_features
from trojanscope.detect.pixels import PIXEL_GAP_HINT, PIXEL_STEPS, pixel_hits
from trojanscope.detect.sig_probe import sig_entries, sig_reading
from trojanscope.detect.trigger_search import TriggerSearch
from trojanscope.detect.two_class import pair_twin_features, reads_twins
from trojanscope.detect.universal import (
    EMPTY_GAP_HINT,
    EMPTY_GAP_HINT_DENSE,
    UniversalPerturbation,
    drawn_gap,
    empty_pixels,
    share_features,
    universal_features,
)
from trojanscope.errors import UserInputError
from trojanscope.params import check_flag, check_option
from trojanscope.registry import register

PROBES = ("out-of-coverage", "always", "never")


@register("detector", "auto")
class AutoDetector(ModelDetector):
    """Default: MM-BD's calibrated verdict; with clean data, the input-space probes for models
    outside the default calibration's coverage, and the recovered triggers. Tabular models
    (clean data with a schema, tree ensembles) get ``tabular-search``.

    Arguments:
        probes: when to run the input-space probes with clean data: ``out-of-coverage`` (only
            where the calibrator that scores the model uses them), ``always`` or ``never``.
        shares: where the probes run, also record the universal perturbations' flip shares
            (``uap_share_*``, ``stripe_share_*``: per class, the share of other-class inputs
            sent to it, free of the logit scale; issue 9's eighth round). Opt-in: no shipped
            calibrator reads them, so the probability is unchanged.
        empty: with clean images, run the universal perturbation on the clean data's empty
            pixels (``universal -p pattern=empty``) and record ``empty_share_gap``: the share
            of other-class inputs it sends to its most-reached class minus the next class's
            (issue 9, stop 32). On by default: the shipped ``auto:raise`` term raises the
            probability of a model whose gap exceeds 0.20 (``-p empty=false`` turns it off).
        pixels: where the empty-pixel probe may run (images with empty pixels), also run the
            greedy pixel probe and record ``pixel_share_gap`` and ``pixel_top_class`` (issue 9,
            stop 33: patches inside the digits' area); the shipped ``auto:raise:pixels`` term
            then raises the probability of a model whose gap, averaged over ``pixel_draws``
            draws, exceeds 0.14. On by default since issue 9's stop 34b (``-p pixels=false``
            turns it off).
        draws: how many draws of the clean inputs (30 per class) the empty-pixel probe reads,
            draw ``i`` seeded ``seed + i``; its gap is the mean over the draws (issue 9, stop
            34: a single draw's gap moves enough between draws to put a clean model beyond a
            raise term's start now and then). Each draw costs one probe run. The shipped
            ``auto:raise`` start (0.20) was set on one draw.
        pixel_draws: the same for the pixel probe, 5 by default: the shipped
            ``auto:raise:pixels`` start (0.14) was set on five-draw averages (stop 34b).
        frame: with clean images, also run the uniform frame probe (``detect/frame.py``, one
            draw) and record ``frame_share_gap`` and ``frame_top_class`` (issue 9, stop 37 on
            models without a convolution, ``dense_network``; stop 40 on every image model;
            ``first_layer_dense`` is recorded on every image model); above ``FRAME_GAP_HINT``
            (0.43; ``FRAME_GAP_HINT_CONV``, 0.32, with a convolution: the shipped term's starts)
            its class is a suspect too, and the shipped ``auto:raise:frame`` term raises the
            probability (on by default since stop 37b; ``-p frame=false`` turns it off: a
            calibration term reading ``frame_*`` is then a note, not silence).
        dense_pixel_steps: pixels the greedy pixel probe sets per class on a model without a
            convolution (as for ``frame``; 15 by default since stop 37b; 5 on the others),
            capped at the image's pixel count. A sparse trigger of
            20-30 scattered pixels needs more than five to fire in an MLP; 15 separate the
            development sparse-trigger MLPs from the clean ones (issue 9, stop 37); read by the
            shipped pixel term at 0.14 (the rule written before seed 26 held on it).
        twins: with clean images, on a model with a global-average-pooling head, train this
            many clean twins of its architecture on the clean images and record their median
            MM-BD ratio per class (``twin_ratio_<c>``, ``twin_count``; issue 9, stop 61:
            ``detect/image_twins.py``), read by a ``"<scorer>:twin-stand"`` calibration term
            (``detect/twin_term.py``). 0 (the default): none.
        named: with clean images, on a model with a global-average-pooling head, record each
            class's reversed-trigger size with the same budget for every class and its
            universal perturbation size (``named_ts_<c>``, ``named_uap_<c>``; issue 9, stop 63:
            ``detect/named_check.py``), read by a ``"<scorer>:named-check"`` calibration term
            (candidate C: the class the verdict names checked). Off by default; the shipped
            file has no such term, so the probability is unchanged.
        blend: with clean images, on a model with a global-average-pooling head, record the
            share of held-out clean inputs each class's optimised whole-image blend (opacity
            0.1) sends to it (``blend_share_<c>``; issue 9, stop 65: ``detect/blend_probe.py``),
            read by a named-check term with ``fitted_on.blend_gap``. On by default since issue
            9's stop 66 (the shipped file's named-check term reads it: candidate C2a; since
            stop 67 C3, with ``blend_same``; since stop 68 C4, with ``blend_raise``; since
            stop 69 C5, with ``absent_guard`` and ``frame_off``; since stop 71 C7, with
            ``bias_guard`` and ``bias_same``); nothing is recorded on any other model.
            ``-p blend=false`` turns it off.
        blend_low: the same blends at half the opacity (0.05), ``blend_low_share_<c>``
            (issue 9, stop 77: ``detect/blend_low.py``), read by a ``"<scorer>:blend-low"``
            raise term. Off by default; the shipped file has no such term.
        sig_probe: on a GAP head, a grid of horizontal sinusoids in SIG's own form added to
            clean inputs, ``sig_share_<c>`` (issue 9, stop 77: ``detect/sig_probe.py``), and
            the second reading ``sig_phase_<c>`` (stop 78: each period's range over its
            phases), read by a ``"<scorer>:sig"`` raise term; since stop 79 also by
            ``"<scorer>:sig-share"``. By default (None) on where the file that scores the
            verdict holds either entry (the shipped file does since stop 79); ``-p
            sig_probe=false`` turns it off.
    """

    name = "auto"
    needs_data = False
    # MM-BD's, the trigger search's, the probes' and their agreement with MM-BD, and on a
    # table tabular-search's
    feature_names = ("mmbd_*", "ts_*", "uap_*", "stripe_*", "empty_*", "pixel_*", "agree_*",
                     "probe_*", "bias_class", "tab_*", "frame_*", "first_layer_dense", "twin_*",
                     "named_*", "blend_*", "pair_*", "guard_*", "sig_*")

    # the calibration file that will score the verdict (None: the shipped one), read by the
    # data-free guard search (stop 76; set by ``guard_reading.scored_by``)
    calibrators: dict | None = None
    _shipped: dict | None = None  # the shipped file, parsed once per detector (:meth:`shipped`)

    def __init__(self, probes: str = "out-of-coverage", shares: bool = False,
                 empty: bool = True, pixels: bool = True, draws: int = 1,
                 pixel_draws: int = 5, frame: bool = True,
                 dense_pixel_steps: int = 15, twins: int = 0, named: bool = False,
                 blend: bool = True, blend_low: bool = False,
                 sig_probe: bool | None = None) -> None:
        if probes not in PROBES:
            raise UserInputError(f"auto probes must be one of {', '.join(PROBES)}; got {probes!r}")
        self.probes = probes
        self.shares = check_flag("shares", shares)
        self.empty = check_flag("empty", empty)
        self.pixels = check_flag("pixels", pixels)
        check_option("draws", draws, 1, 20, integer=True)
        self.draws = int(draws)
        check_option("pixel_draws", pixel_draws, 1, 20, integer=True)
        self.pixel_draws = int(pixel_draws)
        self.frame = check_flag("frame", frame)
        check_option("dense_pixel_steps", dense_pixel_steps, 1, 50, integer=True)
        self.dense_pixel_steps = int(dense_pixel_steps)
        check_option("twins", twins, 0, MAX_TWINS, integer=True)
        self.twins = int(twins)
        self.named = check_flag("named", named)
        self.blend = check_flag("blend", blend)
        self.blend_low = check_flag("blend_low", blend_low)
        self.sig_probe = None if sig_probe is None else check_flag("sig_probe", sig_probe)

    def reads_sig(self) -> bool:
        """Whether to record the SIG probe: as asked, else where the file that scores the
        verdict (the shipped one unless set) holds a ``":sig"`` / ``":sig-share"`` entry."""
        if self.sig_probe is not None:
            return self.sig_probe
        return sig_entries(self.calibrators if self.calibrators is not None
                           else self.shipped())

    def shipped(self) -> dict:
        """The shipped calibration file, parsed once per detector: :meth:`_probe` reads its
        default entry's coverage and, where no scoring file was set, :meth:`reads_sig` its
        SIG entries (before stop 80 each parsed it, 1.5 ms of CPU a time)."""
        if self._shipped is None:
            self._shipped = load_calibrators()
        return self._shipped

    @staticmethod
    def unknown_hint(unknown: list[str]) -> str:
        """For parameters of ``tabular-search`` (which ``auto`` runs on a table with its
        defaults): where to give them."""
        import inspect

        taken = inspect.signature(registry.get("detector", "tabular-search")).parameters
        if unknown and all(k in taken for k in unknown):
            return (f"; {', '.join(unknown)} belong(s) to the tabular search: for a table "
                    "give --method tabular-search")
        return ""

    def run(self, target: InspectionTarget, generator: torch.Generator) -> ModelVerdict:
        if tabular(target):  # tables: the tabular search (MM-BD's margins need images)
            return registry.create("detector", "tabular-search").run(target, generator)
        seed = generator.initial_seed()
        mmbd: ModelDetector = registry.create("detector", "mmbd")
        verdict = mmbd.run(target, generator)
        # the data-free mask gate's hosts, kept only where the read is data-free (stop 76
        # read-through, hrev: with clean data they were held through every probe, unread)
        self.maximisers = getattr(mmbd, "maximisers", None) if target.clean is None else None
        verdict.method = self.name
        # each class's margin over the median, read by the "auto:excess" term (stop 55)
        verdict.features.update(class_ratio_features(
            [r.details["margin"] for r in sorted(verdict.per_class, key=lambda r: r.cls)],
            target.input_shape))
        if target.clean is None:  # a second reading where a guarded entry would lower (stop 76)
            guard_search(target, verdict, mmbd, self.calibrators)
            return verdict
        if self.twins:  # candidate T (issue 9, stop 61): read by a "<scorer>:twin-stand" term
            verdict.features.update(twin_features(target, verdict.features, self.twins, seed))
        hinted: list[int] = []  # the probes' classes, where their gaps are evidence of their own
        # images with empty pixels (MNIST-like: a frame, corners); natural RGB images have
        # none, and the probes would only read the model's ordinary confusions there
        images = len(target.input_shape) == 3 and bool(empty_pixels(target.clean.x).any())
        from trojanscope.mitigate.stripe_projection import (  # (an import cycle)
            dense_network,
            script_dense_network,
        )

        # the scope of the dense-model readings (gated's dense_project and stripe_gate too): no
        # convolution of any kind, and the first weights the model uses a Linear's; a
        # TorchScript model (no hooks) read from its graph, as the stop-37b rule was measured
        dense = images and (dense_network(target.model, target.clean.x[:2])
                            or script_dense_network(target.model))
        if images:  # the shipped auto:raise starts higher without a convolution (stop 37)
            verdict.features["first_layer_dense"] = float(dense)
        if self.empty and images:
            probe = UniversalPerturbation(pattern="empty")
            gap, shares = drawn_gap(lambda g: probe.hits(target, g), seed, self.draws, "empty")
            hint = EMPTY_GAP_HINT_DENSE if dense else EMPTY_GAP_HINT
            hinted += record_probe(verdict, "empty", gap, shares, hint)
        if self.pixels and images:
            steps = self.dense_pixel_steps if dense else PIXEL_STEPS
            steps = min(steps, target.clean.x[0, 0].numel())  # never more than the pixels
            gap, shares = drawn_gap(lambda g: pixel_hits(target, g, steps), seed,
                                     self.pixel_draws, "pixel")
            hinted += record_probe(verdict, "pixel", gap, shares, PIXEL_GAP_HINT)
        if self.frame and images:  # every image model (stop 40: CNNs too, 0.8 s of CPU)
            framed = frame_features(target, torch.Generator().manual_seed(seed))
            verdict.features.update(framed)
            if framed["frame_share_gap"] > (FRAME_GAP_HINT if dense else FRAME_GAP_HINT_CONV):
                hinted.append(int(framed["frame_top_class"]))
        share = probe_share(verdict.features, verdict.per_class) if images else None
        if share is not None:  # the probes' share at MM-BD's top class (stop 76)
            verdict.features[PROBE_SHARE] = share
        if images and target.num_classes == 2 and reads_twins():  # two classes (stop 70)
            verdict.features.update(pair_twin_features(target, seed))
        search: TriggerSearch = registry.create("detector", "trigger_search")
        if not self._probe(target):
            suspects = verdict.target_classes[: search.arms]
            suspects = [*suspects, *(c for c in dict.fromkeys(hinted) if c not in suspects)]
            if self.named:  # candidate C (stop 63): every class's sizes, for the named check
                verdict.features.update(named_features(target, seed))
            if self.blend:  # the third probe (stop 65): whole-image blends per class
                verdict.features.update(blend_reading(target, seed))
            if self.blend_low:  # the same at half the opacity (stop 77)
                verdict.features.update(low_reading(target, seed))
            if self.reads_sig():  # sinusoids in SIG's form (stop 77, h9sig)
                verdict.features.update(sig_reading(target, seed))
            # their triggers too: the raise names them
            verdict.triggers, norms = search.recover(target, suspects, generator)
            for row in verdict.per_class:
                if row.cls in norms:
                    row.details["trigger_mask_l1"] = norms[row.cls]
            return verdict
        found = search.run(target, torch.Generator().manual_seed(seed))
        free_probe, striped_probe = UniversalPerturbation(), UniversalPerturbation(
            pattern="stripes")
        free_hits = free_probe.hits(target, torch.Generator().manual_seed(seed))
        striped_hits = striped_probe.hits(target, torch.Generator().manual_seed(seed))
        free = free_probe.sizes_from_hits(free_hits)
        striped = striped_probe.sizes_from_hits(striped_hits)
        bias, _ = noise_bias(target.model, target.input_shape, target.num_classes,
                             torch.Generator().manual_seed((seed + 1) % 2**64),
                             (float(target.clean.x.min()), float(target.clean.x.max())))
        searched = [r.details["mask_l1"] for r in sorted(found.per_class, key=lambda r: r.cls)]
        top = verdict.target_classes[0]
        verdict.features.update(found.features)
        verdict.features.update(probe_features(top, searched, free.tolist(), striped.tolist(),
                                               bias))
        verdict.features["bias_class"] = float(bias)
        if self.named:  # candidate C (stop 63): every class's sizes, for the named check
            verdict.features.update(named_features(target, seed, free.tolist()))
        if self.blend:  # the third probe (stop 65): whole-image blends per class
            verdict.features.update(blend_reading(target, seed))
        if self.blend_low:  # the same at half the opacity (stop 77)
            verdict.features.update(low_reading(target, seed))
        if self.reads_sig():  # sinusoids in SIG's form (stop 77, h9sig)
            verdict.features.update(sig_reading(target, seed))
        if self.shares:
            verdict.features.update(share_features(free_hits, "uap",
                                                   free_probe.inputs_per_class_))
            verdict.features.update(share_features(striped_hits, "stripe",
                                                   striped_probe.inputs_per_class_))
        for row in verdict.per_class:
            row.details["trigger_mask_l1"] = searched[row.cls]
            row.details["uap_size"] = float(free[row.cls])
            row.details["stripe_size"] = float(striped[row.cls])
        verdict.triggers = dict(found.triggers)
        missing = [c for c in dict.fromkeys([top, *hinted])
                   if c not in verdict.triggers]  # MM-BD's suspect, the probes' classes
        if missing:
            more, _ = search.recover(target, missing, torch.Generator().manual_seed(seed))
            verdict.triggers.update(more)
        return verdict

    def _probe(self, target: InspectionTarget) -> bool:
        """Run the probes? With ``out-of-coverage``: only for a model with a trait that the
        default calibrator saw too rarely (the only calibrator that uses them is the wider one)."""
        if self.probes != "out-of-coverage":
            return self.probes == "always"
        default = self.shipped().get(self.name)
        covered = default.fitted_on.get("coverage") if default is not None else None
        if covered is None:
            return True
        return bool(coverage_notes(routed(architecture_traits(target.model)), covered))


def guard_search(target: InspectionTarget, verdict: ModelVerdict, mmbd: ModelDetector,
                 calibrators: dict | None = None) -> None:
    """Data-free, record ``guard_mask_stand`` (:mod:`.guard_reading`) where the excess term of
    ``calibrators`` (the shipped file by default) reads MM-BD's top class through entries
    with a ``shut`` alone: the runs a guarded entry would lower (issue 9, stop 76); nothing
    elsewhere."""
    ratios = class_ratios(verdict.features)
    traits = routed(sorted(architecture_traits(target.model).union(verdict.traits)))
    if ratios is None or not searched_where_shut(verdict.features, traits, calibrators):
        return
    inputs, margins = mmbd.maximisers
    k = target.num_classes  # MM-BD's starts, in class order
    hosts = inputs.reshape(k, -1, *inputs.shape[1:])
    verdict.features[MASK_STAND] = mask_stand(target.model, hosts, margins.reshape(k, -1),
                                              top_of(ratios))


def tabular(target: InspectionTarget) -> bool:
    """Whether the model reads table rows: its clean data have a schema, or it is a tree model
    (which cannot be inspected without them)."""
    from trojanscope.data.tabular.table import schema_of
    from trojanscope.models.trees import is_tree

    if schema_of(target.clean) is not None:
        return True
    if is_tree(target.model):
        raise UserInputError("tree models are inspected with clean tabular data: give --data")
    return False


def probe_features(
    mmbd_top: int,
    mask_l1: list[float],
    uap_sizes: list[float],
    stripe_sizes: list[float] | None = None,
    bias_class: int | None = None,
) -> dict[str, float]:
    """The input-space probes' model-level features, from per-class lists in class order.

    ``agree_mmbd_*``: whether a probe's easiest class is MM-BD's suspect (a backdoor target
    stands out to every method; a clean model's easiest classes differ from method to method).
    With striped sizes, also their features and ``probe_log_ratio``, the larger of the free and
    the striped log ratios (one "some universal change reaches one class far more easily"
    feature whatever the trigger's shape; issue 9's study tried it). With the model's own
    favourite class ``bias_class`` (``detect/bias.py``), ``agree_mmbd_*_nobias``: the same
    agreements, not counted when the agreed class is that favourite class.
    """
    out = universal_features(uap_sizes)
    out["agree_mmbd_uap"] = float(_easiest(uap_sizes) == mmbd_top)
    out["agree_mmbd_ts"] = float(_easiest(mask_l1) == mmbd_top)
    if stripe_sizes is not None:
        out.update(universal_features(stripe_sizes, "stripe"))
        out["probe_log_ratio"] = max(out["uap_log_ratio"], out["stripe_log_ratio"])
        out["agree_mmbd_stripe"] = float(_easiest(stripe_sizes) == mmbd_top)
    if bias_class is not None:
        unbiased = float(mmbd_top != bias_class)
        out["agree_mmbd_uap_nobias"] = out["agree_mmbd_uap"] * unbiased
        out["agree_mmbd_ts_nobias"] = out["agree_mmbd_ts"] * unbiased
        if stripe_sizes is not None:
            out["agree_mmbd_stripe_nobias"] = out["agree_mmbd_stripe"] * unbiased
    return out


def _easiest(sizes: list[float]) -> int:
    """The class with the smallest size (the first, on ties)."""
    return min(range(len(sizes)), key=sizes.__getitem__)


def record_probe(verdict: ModelVerdict, prefix: str, gap: float, shares: torch.Tensor,
                 hint: float) -> list[int]:
    """A probe's reading on the verdict: its gap, its most-reached class and each class's share
    (``<prefix>_share`` in the per-class details); returns that class when the gap is beyond
    ``hint`` (evidence of its own, for the trigger search's suspects), else nothing."""
    verdict.features[f"{prefix}_share_gap"] = gap
    for row in verdict.per_class:
        row.details[f"{prefix}_share"] = float(shares[row.cls])
    top = int(shares.argmax())
    verdict.features[f"{prefix}_top_class"] = float(top)
    return [top] if gap > hint else []
