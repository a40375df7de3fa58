"""What a model is made of, and whether the calibration zoos covered it.

A calibrated probability is only as good as the calibration population: a model built from
layers that population lacked (tanh activations, say, when every calibration model used ReLU)
should not get a confident low probability without a word. :func:`architecture_traits` lists the
activations, pooling and normalisation layers of a native, TorchScript or ONNX-converted model;
:func:`coverage_notes` names the traits that the calibrator saw in fewer than
``MIN_COVERED`` models.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import torch.fx
from torch import nn

from trojanscope.activation_modes import check_mode, env_mode

MIN_COVERED = 5  # fewer calibration models with a trait than this: the model is out of coverage
# Convolutions and no pooling layer (downsampling by strided convolutions, or none): a trait
# read off the *absence* of every pool trait. Added after the shipped calibrators were counted,
# so a calibrator is checked for it only where its coverage records a count for it (0
# included): stop 41 made it opt-in; since stop 42 (seed 60's rule met) the shipped file
# records ``pool:none: 0`` in the five calibrators fitted on pooled CNNs only.
NO_POOL = "pool:none"
RECORDED_ONLY = frozenset({NO_POOL})

# One name per trait, from module class names, TorchScript ops and ONNX op types.
_TRAITS = {
    "activation:relu": ("ReLU", "aten::relu", "aten::relu_", "Relu"),
    "activation:leaky_relu": ("LeakyReLU", "aten::leaky_relu", "aten::leaky_relu_", "LeakyRelu"),
    # ONNX before opset 20 writes GELU as Div, Erf, Add, Mul: Erf is read as GELU (stop 53)
    "activation:gelu": ("GELU", "aten::gelu", "Gelu", "Erf"),
    "activation:tanh": ("Tanh", "aten::tanh", "aten::tanh_"),
    "activation:sigmoid": ("Sigmoid", "aten::sigmoid", "aten::sigmoid_"),
    "activation:elu": ("ELU", "aten::elu", "Elu"),
    "activation:silu": ("SiLU", "aten::silu", "aten::silu_"),
    # activations no calibration zoo holds (issue 9, stop 53 h9A): named so that a model with
    # one is out of coverage and says so (seed 74's Softplus, Hardswish, Mish, SELU CNNs and
    # MLPs read no activation trait before). ReLU6 is a Hardtanh (TorchScript and ONNX
    # write both as ``aten::hardtanh`` / ``Clip``); ONNX writes Mish before opset 18 as
    # Softplus, Tanh and Mul, Softsign as Abs, Add and Div, LogSigmoid as Sigmoid and Log.
    "activation:softplus": ("Softplus", "aten::softplus"),
    "activation:hardswish": ("Hardswish", "aten::hardswish", "aten::hardswish_", "HardSwish"),
    "activation:hardsigmoid": ("Hardsigmoid", "aten::hardsigmoid", "aten::hardsigmoid_",
                               "HardSigmoid"),
    "activation:mish": ("Mish", "aten::mish", "aten::mish_"),
    "activation:selu": ("SELU", "aten::selu", "aten::selu_", "Selu"),
    "activation:celu": ("CELU", "aten::celu", "aten::celu_", "Celu"),
    "activation:hardtanh": ("Hardtanh", "ReLU6", "aten::hardtanh", "aten::hardtanh_",
                            "aten::relu6", "aten::relu6_", "Clip"),
    "activation:prelu": ("PReLU", "aten::prelu", "aten::_prelu_kernel", "PRelu"),
    "activation:softsign": ("Softsign", "aten::softsign"),
    "activation:logsigmoid": ("LogSigmoid", "aten::log_sigmoid"),
    "pool:max": ("MaxPool2d", "aten::max_pool2d", "MaxPool"),
    "pool:avg": ("AvgPool2d", "aten::avg_pool2d", "AveragePool"),
    "pool:global_avg": ("AdaptiveAvgPool2d", "aten::adaptive_avg_pool2d", "GlobalAveragePool"),
    "norm:batch": ("BatchNorm2d", "BatchNorm1d", "aten::batch_norm", "BatchNormalization"),
    "norm:layer": ("LayerNorm", "GroupNorm", "aten::layer_norm", "aten::group_norm",
                   "LayerNormalization", "GroupNormalization"),
    "layer:conv": ("Conv2d", "aten::_convolution", "aten::conv2d", "Conv"),
    # a user's XGBoost/LightGBM file (models/foreign_trees.py): not one the zoos trained
    "trees:other-code": ("ForeignTrees",),
    # a mean-pooled word model (models/wordbag.py): the text zoos hold TextCNNs only
    "text:wordbag": ("WordBag",),
}
_BY_NAME = {name: trait for trait, names in _TRAITS.items() for name in names}
# The catch-all (stop 53 h9A): an elementwise nonlinearity none of the names above covers, so
# that the next activation nobody listed is out of coverage too instead of reading as no
# activation at all. An activation module of torch's that is not named (RReLU, GLU, Threshold,
# the shrinks), its TorchScript op, or an elementwise function no layer of the calibration
# zoos computes (``exp``, ``log``, ``erf``, ``abs``, sine, cosine, sign) as a TorchScript or
# ONNX op (ONNX's ``Erf`` is GELU's, above). Softmax-like modules are not elementwise and
# MultiheadAttention is no activation.
OTHER_ACTIVATION = "activation:other"
_OTHER_NAMES = frozenset({
    "RReLU", "GLU", "Threshold", "Softshrink", "Hardshrink", "Tanhshrink",
    "aten::rrelu", "aten::rrelu_", "aten::glu", "aten::threshold", "aten::threshold_",
    "aten::softshrink", "aten::hardshrink",
    "aten::exp", "aten::exp_", "aten::log", "aten::log_", "aten::erf", "aten::erf_",
    "aten::abs", "aten::abs_", "aten::sin", "aten::cos", "aten::sign",
    "Exp", "Log", "Abs", "Sin", "Cos", "Sign",
})
# The ops a named module of the same model is written as (a TorchScript ``Softsign`` is
# ``abs``, ``add``, ``div``): explained by that module, so not the catch-all.
_EXPLAINED = {"Softsign": frozenset({"aten::abs", "aten::abs_"})}
# Every trait :func:`architecture_traits` can report (a calibration file's ``fitted_on.gate``
# prefixes are checked against them: a typo would otherwise gate nothing, silently).
# Two classes (issue 9, stop 69): not a layer but what MM-BD's statistic reads; set on the
# verdict by the detector that reads it (``mmbd``, ``auto``; ``detect/two_class.py``), never by
# :func:`architecture_traits`, so the probes' routing and every other method are unchanged.
TWO_CLASSES = "classes:two"
KNOWN_TRAITS = frozenset(_TRAITS) | {NO_POOL, OTHER_ACTIVATION, TWO_CLASSES}
# The activation traits named at stop 53 (h9A), which no calibration zoo holds, and how they are
# read (the modes: :data:`trojanscope.activation_modes.MODES`): "route-u" (C-U, the default
# since seed 78's rule was met, plan a2aa7b8e: routed, the raise terms from h9F's unseen start),
# "note" (C0, the default of stop 53, plan 536cc72f), "route" (C) or "off" (the reader before
# stop 53). The mode comes from TROJANSCOPE_ACTIVATION_TRAITS, read by
# :func:`trojanscope.activation_modes.env_mode` each time it is asked (the CLI's check at command
# start reads it there too; until stop 55 this module read it once more, at import, so a value
# set after the import was refused by the CLI's check or ignored here).
NEW_ACTIVATIONS = frozenset({
    "activation:softplus", "activation:hardswish", "activation:hardsigmoid", "activation:mish",
    "activation:selu", "activation:celu", "activation:hardtanh", "activation:prelu",
    "activation:softsign", "activation:logsigmoid", OTHER_ACTIVATION})
# A mode chosen in-process (a benchmark or a test comparing modes), read before the environment;
# None: the environment decides.
ACTIVATION_TRAITS: str | None = None
# the names read only in a mode: the new traits' and ONNX's Erf (GELU's, below opset 20)
_STOP53_NAMES = frozenset({n for t in NEW_ACTIVATIONS - {OTHER_ACTIVATION} for n in _TRAITS[t]}
                          | {"Erf"})


def activation_mode() -> str:
    """One of :data:`MODES`: :data:`ACTIVATION_TRAITS` where set, else the environment's
    (:func:`~trojanscope.activation_modes.env_mode`, read now); another value is refused."""
    return env_mode() if ACTIVATION_TRAITS is None else check_mode(ACTIVATION_TRAITS)


def unseen_started(traits: Iterable[str]) -> bool:
    """Whether the gated raise terms start a model at h9F's unseen start whatever their file
    asks: in the ``"route-u"`` mode, for a model with one of :data:`NEW_ACTIVATIONS` (issue 9,
    stop 54 h9B: C switched the terms off for it and lost a frame-trigger ReLU6 CNN)."""
    return activation_mode() == "route-u" and any(t in NEW_ACTIVATIONS for t in traits)


_WORDS = {
    "activation:relu": "ReLU activations", "activation:leaky_relu": "LeakyReLU activations",
    "activation:gelu": "GELU activations", "activation:tanh": "tanh activations",
    "activation:sigmoid": "sigmoid activations", "activation:elu": "ELU activations",
    "activation:silu": "SiLU activations", "activation:softplus": "Softplus activations",
    "activation:hardswish": "Hardswish activations",
    "activation:hardsigmoid": "Hardsigmoid activations", "activation:mish": "Mish activations",
    "activation:selu": "SELU activations", "activation:celu": "CELU activations",
    "activation:hardtanh": "Hardtanh/ReLU6 activations", "activation:prelu": "PReLU activations",
    "activation:softsign": "Softsign activations",
    "activation:logsigmoid": "LogSigmoid activations",
    OTHER_ACTIVATION: "an elementwise nonlinearity no trait names", "pool:max": "max pooling",
    "pool:avg": "average pooling", "pool:global_avg": "global average pooling",
    "norm:batch": "BatchNorm", "norm:layer": "LayerNorm/GroupNorm",
    "layer:conv": "convolutions", NO_POOL: "convolutions without a pooling layer (strided)",
    "trees:other-code": "tree models made by other code (other tables, sizes, settings)",
    "text:wordbag": "mean-pooled word models",
    TWO_CLASSES: "two classes (MM-BD's null is the one other class's margin)",
}


def _names(model: nn.Module) -> Iterable[str]:
    for module in model.modules():
        yield getattr(module, "original_name", None) or type(module).__name__
        # a TorchScript archive run in the sandboxed child: the same names, read there
        yield from getattr(module, "structure_names", ()) or ()
        for node in getattr(module, "_graph_nodes", ()) or ():  # an ONNX graph run by trojanscope
            op = getattr(node, "op", None)
            if isinstance(op, str):
                yield op
    graph = getattr(model, "inlined_graph", None)  # TorchScript: functional ops too
    if graph is not None:
        for node in graph.nodes():
            yield node.kind()


# Any pooling operation, by module class (``AdaptiveMaxPool2d``), TorchScript op
# (``aten::max_pool1d``), ONNX op (``GlobalMaxPool``) or ``torch.fx`` call target
# (``adaptive_max_pool2d``), once underscores and case are dropped: pooling with no pool trait
# of its own (adaptive max, 1-d, Lp, fractional) still rules out :data:`NO_POOL` (review hR2,
# stop 43: such a model read ``pool:none`` in one of its two forms only).
_POOLING = re.compile(r"(adaptive|fractional|global)?(max|avg|average|lp)pool([123]d)?"
                      r"(withindices)?")


def _is_pooling(name: str) -> bool:
    """Whether ``name`` (a module class, TorchScript or ONNX op, or function) pools."""
    return _POOLING.fullmatch(name.removeprefix("aten::").replace("_", "").lower()) is not None


def _graph_read(model: nn.Module) -> bool:
    """Whether :func:`_names` reads the model's ops (TorchScript, a sandboxed archive, ONNX),
    functional ones included, and not only its modules."""
    if getattr(model, "inlined_graph", None) is not None:
        return True
    return any(getattr(m, "structure_names", None) or getattr(m, "_graph_nodes", None)
               for m in model.modules())


def _pools_functionally(model: nn.Module) -> bool | None:
    """Whether an eager model's ``forward`` pools by a function (``F.max_pool2d(x, 2)``), read
    from its ``torch.fx`` graph; None where that graph cannot be traced."""
    try:
        graph = torch.fx.symbolic_trace(model).graph
    except Exception:  # any tracing failure: the forward cannot be read
        return None
    for node in graph.nodes:
        if node.op in ("call_function", "call_method"):
            name = getattr(node.target, "__name__", str(node.target))
            if _is_pooling(name.split(".")[-1]):
                return True
    return False


def _other_activation(names: list[str]) -> bool:
    """Whether ``names`` (module classes, TorchScript and ONNX ops) hold an elementwise
    nonlinearity no trait names (:data:`OTHER_ACTIVATION`), ops a named module of the model
    is written as left out."""
    explained = set().union(*(ops for mod, ops in _EXPLAINED.items() if mod in names))
    return any(n in _OTHER_NAMES and n not in explained for n in names)


def architecture_traits(model: nn.Module) -> set[str]:
    """Traits such as ``activation:tanh``, ``pool:avg``, ``norm:batch``, ``layer:conv``,
    :data:`OTHER_ACTIVATION` for a nonlinearity no trait names, and
    :data:`NO_POOL` for convolutions without any pooling. A TorchScript or ONNX graph shows
    functional pooling as an op (``pool:max``); an eager model's modules do not, so there
    :data:`NO_POOL` needs its ``torch.fx`` graph to show no pooling call either (not traceable:
    not claimed). Both forms of one model then agree on :data:`NO_POOL` (stop 42), also where
    the pooling has no trait of its own (adaptive max, 1-d, Lp: no :data:`NO_POOL` either;
    review hR2, stop 43); the pool trait itself is still read from an eager model's modules
    only."""
    names = list(_names(model))
    on = activation_mode() != "off"
    read = names if on else [n for n in names if n not in _STOP53_NAMES]
    traits = {_BY_NAME[n] for n in read if n in _BY_NAME}
    if on and _other_activation(names):
        traits.add(OTHER_ACTIVATION)
    unpooled = ("layer:conv" in traits and not any(t.startswith("pool:") for t in traits)
                and not any(_is_pooling(n) for n in names))
    if unpooled and (_graph_read(model) or _pools_functionally(model) is False):
        traits.add(NO_POOL)
    return traits


IMAGE_CONVOLUTIONS = frozenset({"Conv2d", "aten::conv2d"})  # a 2-D convolution's names


def has_image_convolutions(model: nn.Module) -> bool:
    """Whether the model's modules or graph name a 2-D convolution (an image model's layer), as
    read for its traits (a TorchScript archive's names: read in the sandboxed child when it was
    loaded; nothing of the model is run here)."""
    return any(n in IMAGE_CONVOLUTIONS for n in _names(model))


def describe(trait: str) -> str:
    return _WORDS.get(trait, trait)


def count_traits(traits_per_model: Iterable[Iterable[str]]) -> dict[str, int]:
    """How many models show each trait (the coverage a calibrator records). Where any model
    has convolutions, :data:`NO_POOL`'s count is recorded even when it is 0, so that a file
    fitted on pooled CNNs only reads the trait (the shipped file records it since stop 42; a
    refit must not drop it)."""
    counts: dict[str, int] = {}
    for traits in traits_per_model:
        for t in set(traits):
            counts[t] = counts.get(t, 0) + 1
    if "layer:conv" in counts:
        counts.setdefault(NO_POOL, 0)
    return dict(sorted(counts.items()))


def coverage_notes(traits: Iterable[str], covered: dict[str, int]) -> list[str]:
    """One sentence per trait of the model that fewer than ``MIN_COVERED`` calibration models
    had, e.g. ``tanh activations: calibration has 0 such models``. A trait of :data:`RECORDED_ONLY`
    is read only where ``covered`` records it."""
    notes = []
    for t in uncovered_traits(traits, covered):
        n = int(covered.get(t, 0))
        notes.append(f"{describe(t)}: calibration has {n} such model{'s' if n != 1 else ''}")
    return notes


def uncovered_traits(traits: Iterable[str], covered: dict[str, int]) -> list[str]:
    """The model's traits (sorted) that fewer than ``MIN_COVERED`` calibration models had; a
    trait of :data:`RECORDED_ONLY` only where ``covered`` records it (one counted after the
    calibrator was fitted has no count to read)."""
    return [t for t in sorted(traits) if int(covered.get(t, 0)) < MIN_COVERED
            and (t not in RECORDED_ONLY or t in covered)]


def wider_gap_notes(traits: Iterable[str], covered: dict[str, int]) -> list[str]:
    """The notes for a model scored by the wider calibrator whose activation that calibrator
    lacks too (``covered``: its coverage): no calibration saw a model like it, so its
    probability is an extrapolation (issue 9, stop 53 h9A: seed 74's clean Hardswish CNNs,
    read at p 0.54 and 0.93 with no word on their activation)."""
    return [f"{describe(t)}: {_wider_has(int(covered.get(t, 0)))}: the probability is an "
            "extrapolation to review"
            for t in sorted(traits)
            if t.startswith("activation:") and int(covered.get(t, 0)) < MIN_COVERED]


def _wider_has(n: int) -> str:
    """What the wider calibration had of a trait, in words that read right for 0, 1 or more
    (hfc, stop 55: "has 0 such models either" read oddly, and "either" was wrong for 1-4)."""
    if n == 0:
        return "the wider calibration has no such models either, so no calibration saw a model " \
               "like this one"
    return (f"the wider calibration has only {n} such model{'s' if n != 1 else ''} (fewer than "
            f"{MIN_COVERED}), too few to rest a probability on")


def noted_only(traits: Iterable[str]) -> list[str]:
    """The traits that only add a note (in the ``"note"`` mode: :data:`NEW_ACTIVATIONS`)."""
    if activation_mode() != "note":
        return []
    return sorted(t for t in traits if t in NEW_ACTIVATIONS)


def routed(traits: Iterable[str]) -> list[str]:
    """The traits that choose the calibrator, the probes and the raise terms' gates: all but
    the noted-only ones and two classes (read after the probability: ``detect/two_class.py``)."""
    traits = list(traits)
    skip = {*noted_only(traits), TWO_CLASSES}
    return [t for t in traits if t not in skip]
