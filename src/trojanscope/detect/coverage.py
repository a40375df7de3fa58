"""What a model is made of, and whether the calibration zoos covered it.

A calibrated probability is only as good as the calibration population: a model built from
layers that population lacked (tanh activations, say, when every calibration model used ReLU)
should not get a confident low probability without a word. :func:`architecture_traits` lists the
activations, pooling and normalisation layers of a native, TorchScript or ONNX-converted model;
:func:`coverage_notes` names the traits that the calibrator saw in fewer than
``MIN_COVERED`` models.
"""

from __future__ import annotations

from collections.abc import Iterable

from torch import nn

MIN_COVERED = 5  # fewer calibration models with a trait than this: the model is out of coverage
# Convolutions and no pooling layer (downsampling by strided convolutions, or none): a trait
# read off the *absence* of every pool trait. Added after the shipped calibrators were counted,
# so a calibrator is checked for it only where its coverage records a count for it (0
# included): the shipped file does not, a candidate file does (issue 9, stop 41: opt-in).
NO_POOL = "pool:none"
RECORDED_ONLY = frozenset({NO_POOL})

# One name per trait, from module class names, TorchScript ops and ONNX op types.
_TRAITS = {
    "activation:relu": ("ReLU", "aten::relu", "aten::relu_", "Relu"),
    "activation:leaky_relu": ("LeakyReLU", "aten::leaky_relu", "aten::leaky_relu_", "LeakyRelu"),
    "activation:gelu": ("GELU", "aten::gelu", "Gelu"),
    "activation:tanh": ("Tanh", "aten::tanh", "aten::tanh_"),
    "activation:sigmoid": ("Sigmoid", "aten::sigmoid", "aten::sigmoid_"),
    "activation:elu": ("ELU", "aten::elu", "Elu"),
    "activation:silu": ("SiLU", "aten::silu", "aten::silu_"),
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
_WORDS = {
    "activation:relu": "ReLU activations", "activation:leaky_relu": "LeakyReLU activations",
    "activation:gelu": "GELU activations", "activation:tanh": "tanh activations",
    "activation:sigmoid": "sigmoid activations", "activation:elu": "ELU activations",
    "activation:silu": "SiLU activations", "pool:max": "max pooling",
    "pool:avg": "average pooling", "pool:global_avg": "global average pooling",
    "norm:batch": "BatchNorm", "norm:layer": "LayerNorm/GroupNorm",
    "layer:conv": "convolutions", NO_POOL: "convolutions without a pooling layer (strided)",
    "trees:other-code": "tree models made by other code (other tables, sizes, settings)",
    "text:wordbag": "mean-pooled word models",
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


def architecture_traits(model: nn.Module) -> set[str]:
    """Traits such as ``activation:tanh``, ``pool:avg``, ``norm:batch``, ``layer:conv``, and
    :data:`NO_POOL` for convolutions without any pooling trait."""
    traits = {_BY_NAME[n] for n in _names(model) if n in _BY_NAME}
    if "layer:conv" in traits and not any(t.startswith("pool:") for t in traits):
        traits.add(NO_POOL)
    return traits


def describe(trait: str) -> str:
    return _WORDS.get(trait, trait)


def count_traits(traits_per_model: Iterable[Iterable[str]]) -> dict[str, int]:
    """How many models show each trait (the coverage a calibrator records)."""
    counts: dict[str, int] = {}
    for traits in traits_per_model:
        for t in set(traits):
            counts[t] = counts.get(t, 0) + 1
    return dict(sorted(counts.items()))


def coverage_notes(traits: Iterable[str], covered: dict[str, int]) -> list[str]:
    """One sentence per trait of the model that fewer than ``MIN_COVERED`` calibration models
    had, e.g. ``tanh activations: calibration has 0 such models``. A trait of :data:`RECORDED_ONLY`
    is read only where ``covered`` records it."""
    notes = []
    for t in sorted(traits):
        if t in RECORDED_ONLY and t not in covered:
            continue  # counted after this calibrator was fitted: no count to read
        n = int(covered.get(t, 0))
        if n < MIN_COVERED:
            notes.append(f"{describe(t)}: calibration has {n} such model{'s' if n != 1 else ''}")
    return notes
