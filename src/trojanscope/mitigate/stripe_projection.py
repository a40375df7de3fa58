"""Remove a striped shortcut from a dense network by projecting it out of the first layer.

Fine-tuning every weight of a small MLP on 150 clean images to unlearn a SIG stripe cost the
development SIG MLPs 2.4-5.6 points of accuracy (docs/benchmarks.md, "The accuracy cost on
small SIG MLPs"). A SIG signal is one row repeated down the image: an additive direction in the
input. On a network whose first learned layer is a :class:`~torch.nn.Linear`, that direction
can be taken out of the layer itself: ``W <- W - (W u) u^T`` makes the layer blind to any
multiple of ``u``, and ``b <- b + (W u) (u . a_mean)`` keeps its output on the clean images'
mean input, so a clean image changes only by its own deviation from the mean along ``u``.

``u`` is found as the model answers, not from the attacker's trigger: a striped universal
perturbation towards the suspect class (:func:`~trojanscope.mitigate.residual.striped_perturbation`)
is fitted on the clean images outside that class, and ``u`` is the mean change it makes to the
first layer's input (clipping to [0, 1] included). It is repeated, each new direction
orthogonal to the ones before, while such a perturbation still sends at least ``stop`` of the
held-back images to the suspect class, at most ``most`` times. No weight is trained.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.metrics import predict
from trojanscope.mitigate.residual import MAX_FIT, striped_perturbation
from trojanscope.mitigate.sent_share import sent_share


def first_linear(model: nn.Module, x: Tensor) -> nn.Linear | None:
    """The first module with weights that ``model`` enters on ``x`` (a few inputs), when it is
    a :class:`~torch.nn.Linear` with a bias; ``None`` otherwise (a convolution or a norm
    first, say). Entered, not finished: a forward hook records modules as they finish, so a
    container holding weights (or a model running a functional ``conv2d`` first) put its
    head first (review of stop 37)."""
    order: list[nn.Module] = []
    hooks = [
        m.register_forward_pre_hook(lambda m, _i: order.append(m))
        for m in model.modules()
        if next(m.parameters(recurse=False), None) is not None
    ]
    try:
        predict(model, x)
    finally:
        for h in hooks:
            h.remove()
    first = order[0] if order else None
    return first if isinstance(first, nn.Linear) and first.bias is not None else None


DENSE_OPS = frozenset({"Gemm", "MatMul"})  # ONNX nodes of a dense layer


def dense_network(model: nn.Module, x: Tensor) -> bool:
    """Positive evidence of a dense network (an MLP): no convolution, and the first weights the
    model uses on ``x`` are a dense layer's — the first :class:`~torch.nn.Linear` among the
    modules holding weight matrices it enters, or, for a model run from an ONNX graph, a
    ``Gemm``/``MatMul`` node before any other weighted node. A model whose weights are used by
    its own code first (a functional ``conv2d``) is not counted as dense, nor one that cannot
    be hooked (a raw TorchScript module): no evidence either way. Constants with at most one
    dimension above 1 (an exported model's per-channel normalisation) are not weights here."""
    from trojanscope.mitigate.guard import CONV_OPS, convolutional

    if convolutional(model):
        return False
    graph = [op for m in model.modules() for op in getattr(m, "ops", ())
             if op in DENSE_OPS or op in CONV_OPS]
    if graph:  # the graph says which weights come first, lifted to modules or not
        return graph[0] in DENSE_OPS
    entered: list[nn.Module] = []
    hooks = []
    try:
        for m in model.modules():
            if any(sum(s > 1 for s in p.shape) >= 2 for p in m.parameters(recurse=False)):
                hooks.append(m.register_forward_pre_hook(lambda m, _i: entered.append(m)))
        predict(model, x)
    except RuntimeError:  # ScriptModules take no hooks
        return False
    finally:
        for h in hooks:
            h.remove()
    return bool(entered) and isinstance(entered[0], nn.Linear)


def script_dense_network(model: nn.Module) -> bool:
    """:func:`dense_network` for a TorchScript module, which takes no hooks: read from its
    inlined graph (nothing run), no convolution anywhere and the first weighted op a dense
    one (:func:`~trojanscope.io.script_graph.dense_script`). A user's TorchScript file is a
    proxy whose module lives in the sandboxed child: the child reads the same, and the proxy
    carries the answer. Detection's scope only (issue 9, stop 38: ``auto``'s dense readings
    were ruled on TorchScript MLPs made by other code); ``gated``'s dense options hook the
    model's layers, so they keep :func:`dense_network`'s "no hooks: no evidence"."""
    from trojanscope.io.script_graph import dense_script
    from trojanscope.mitigate.guard import convolutional

    told = getattr(model, "graph_dense", None)  # SandboxedModule: read in the child
    if isinstance(told, bool):
        return told
    graph = getattr(model, "inlined_graph", None)
    if graph is None or convolutional(model):
        return False
    names = [getattr(m, "original_name", None) or type(m).__name__ for m in model.modules()]
    return dense_script(names, graph)


def layer_inputs(model: nn.Module, layer: nn.Module, x: Tensor) -> Tensor:
    """What ``layer`` receives when ``model`` reads ``x`` (flattened per sample)."""
    got: list[Tensor] = []
    handle = layer.register_forward_hook(lambda _m, inp, _out: got.append(inp[0].detach()))
    try:
        predict(model, x)
    finally:
        handle.remove()
    return torch.cat(got).flatten(1)


def stripe_reach(model: nn.Module, delta: Tensor, val: TensorDataset, target: int) -> float:
    """Share of ``val``'s images outside ``target`` that ``delta`` sends to ``target``."""
    return sent_share(model, val.x, val.y, target, lambda moved: (moved + delta).clamp(0, 1))


def project_out(layer: nn.Linear, u: Tensor, mean_input: Tensor) -> None:
    """Make ``layer`` blind to the unit direction ``u`` of its input, its output on
    ``mean_input`` unchanged."""
    with torch.no_grad():
        wu = layer.weight @ u
        layer.weight -= torch.outer(wu, u)
        layer.bias += wu * (u @ mean_input)


def project_stripes(
    model: nn.Module,
    fit: TensorDataset,
    val: TensorDataset,
    target: int,
    eps: float,
    most: int,
    stop: float,
    steps: int = 30,
    kept: list[Tensor] | None = None,
) -> dict[str, Any]:
    """Project striped shortcuts towards ``target`` out of ``model``'s first layer (in place),
    while one fitted on ``fit`` still sends at least ``stop`` of ``val`` there, at most ``most``
    directions. Returns ``{"reach": [...], "directions": n}`` (the reach before each step and
    after the last); a model without a dense first layer is left as it is (``directions`` 0,
    ``reach`` empty). ``kept``: a list the unit directions taken out are appended to
    (``reproject_last`` takes them out of the output again)."""
    xs = fit.x[fit.y != target][:MAX_FIT]
    layer = first_linear(model, fit.x[:2])
    if layer is None or len(xs) == 0 or most <= 0:
        return {"reach": [], "directions": 0}
    mean_input = layer_inputs(model, layer, fit.x).mean(0)
    basis: list[Tensor] = []
    reach: list[float] = []
    while True:
        delta = striped_perturbation(model, xs, target, eps, steps)
        reach.append(round(stripe_reach(model, delta, val, target), 3))
        if reach[-1] < stop or len(basis) >= most:
            break
        moved = layer_inputs(model, layer, (xs + delta).clamp(0, 1))
        u = (moved - layer_inputs(model, layer, xs)).mean(0)
        for b in basis:
            u = u - (u @ b) * b
        if float(u.norm()) <= 1e-8:  # nothing new to take out
            break
        u = u / u.norm()
        project_out(layer, u, mean_input)
        basis.append(u)
    if kept is not None:
        kept.extend(basis)
    return {"reach": reach, "directions": len(basis)}
