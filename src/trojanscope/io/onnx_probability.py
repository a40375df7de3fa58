"""A scikit-learn classifier's ONNX graph cut to its probability branch, for the loader.

The rule that says which graphs are read and which tensor becomes the output is
:func:`trojanscope.io.onnx_branch.probability_branch` (shared with the early checks). Here the
parsed graph is cut to the nodes that branch needs, with one float output of N x classes
values:

- where a ``Softmax`` makes the probabilities (an ``MLPClassifier`` of three or more
  classes), its input: the network's logits, exactly as a torch model gives them;
- where the probabilities are ``1 - p`` and ``p`` side by side for ``p = Sigmoid(z)`` (a
  binary ``MLPClassifier``), the logits ``[0, z]``: softmax of them is ``[1 - p, p]`` exactly,
  and the margin between the two classes is the network's own log-odds ``z`` however large
  (stop 68, hrev: the log of the probabilities read before saturated at the clip, 27.6 for
  both classes, so MM-BD's per-class margins of a clean and a backdoored network were equal);
- otherwise the log of the probabilities, clipped at :data:`MIN_PROBABILITY`: logits up to a
  constant a row, which is all a softmax, a cross-entropy or a margin between classes reads
  until the clip.

Column ``i`` of the output is class ``i`` of the user's labels only where the graph's class
labels are ``0, 1, …, K-1`` (scikit-learn's ``classes_`` for labels 0..K-1); other labels
(strings, gaps) are refused in one line, since trojanscope's data labels are class indices.
"""

from __future__ import annotations

import onnx
from onnx import TensorProto, helper, numpy_helper

from trojanscope.errors import UserInputError
from trojanscope.io.onnx_branch import ML_DOMAIN, Branch, GraphNode, probability_branch
from trojanscope.io.onnx_header import FLOAT_TYPES, classical_words

MIN_PROBABILITY = 1e-12  # the log of a probability is clipped here (-27.6), never -inf
LOG_OUTPUT = "trojanscope_log_probabilities"
LOGITS_READ = "the logits before the graph's Softmax"
LOG_READ = f"the log of the graph's probabilities (clipped at {MIN_PROBABILITY:g})"
ODDS_OUTPUT = "trojanscope_logits"
ODDS_READ = "the logits [0, z] of the graph's Sigmoid(z)"

__all__ = ["LOGITS_READ", "LOG_READ", "MIN_PROBABILITY", "ODDS_READ", "branch_of",
           "probability_model"]


def branch_of(graph: onnx.GraphProto, where: str) -> Branch | None:
    """The graph's probability branch where it holds ``ai.onnx.ml`` nodes (None where it holds
    none); the loader's refusal, in the early checks' words, where there is no such branch."""
    classical = sorted({f"{n.domain}.{n.op_type}" for n in graph.node if n.domain == ML_DOMAIN})
    if not classical:
        return None
    nodes = [GraphNode(n.domain, n.op_type, tuple(n.input), tuple(n.output)) for n in graph.node]
    outputs = [(o.name, o.type.WhichOneof("value") == "tensor_type"
                and o.type.tensor_type.elem_type in FLOAT_TYPES) for o in graph.output]
    branch = probability_branch(nodes, outputs)
    if branch is None:
        raise UserInputError(classical_words(where, classical))
    return branch


def probability_model(model: onnx.ModelProto, where: str
                      ) -> tuple[onnx.ModelProto, str | None]:
    """``model`` cut to its probability branch, and what its output now is (:data:`LOGITS_READ`,
    :data:`ODDS_READ` or :data:`LOG_READ`); ``model`` itself and None where it holds no
    ``ai.onnx.ml`` node."""
    branch = branch_of(model.graph, where)
    if branch is None:
        return model, None
    _check_class_labels(model.graph, where)
    cut = onnx.ModelProto()
    cut.CopyFrom(model)
    graph = cut.graph
    kept_nodes = [graph.node[i] for i in branch.nodes]
    odds = None if branch.logits else _sigmoid_pair(kept_nodes, graph, branch.kept)
    if odds is not None:  # [0, z] in place of the Sigmoid, 1 - p and the Concat
        z, dropped = odds
        kept_nodes = [n for n in kept_nodes if not any(n is d for d in dropped)]
        kept_nodes += [helper.make_node("Sub", [z, z], [f"{ODDS_OUTPUT}_zero"]),
                       helper.make_node("Concat", [f"{ODDS_OUTPUT}_zero", z], [ODDS_OUTPUT],
                                        axis=1)]
    used = {name for node in kept_nodes for name in node.input}
    kept_inits = [t for t in graph.initializer if t.name in used]
    del graph.node[:], graph.initializer[:], graph.output[:]
    graph.node.extend(kept_nodes)
    graph.initializer.extend(kept_inits)
    output = branch.kept if odds is None else ODDS_OUTPUT
    if not branch.logits and odds is None:
        floor = helper.make_tensor("value", TensorProto.FLOAT, [], [MIN_PROBABILITY])
        graph.node.extend([
            helper.make_node("Constant", [], [f"{LOG_OUTPUT}_floor"], value=floor),
            helper.make_node("Clip", [output, f"{LOG_OUTPUT}_floor"], [f"{LOG_OUTPUT}_clipped"]),
            helper.make_node("Log", [f"{LOG_OUTPUT}_clipped"], [LOG_OUTPUT]),
        ])
        output = LOG_OUTPUT
    graph.output.append(helper.make_tensor_value_info(output, TensorProto.FLOAT, ["N", "classes"]))
    inputs = {name for node in graph.node for name in node.input}
    kept_inputs = [i for i in graph.input if i.name in inputs]  # initializers listed too
    del graph.input[:]
    graph.input.extend(kept_inputs)
    opsets = [o for o in cut.opset_import if o.domain != ML_DOMAIN]
    del cut.opset_import[:]
    cut.opset_import.extend(opsets)
    return cut, LOGITS_READ if branch.logits else ODDS_READ if odds is not None else LOG_READ


def _sigmoid_pair(nodes: list[onnx.NodeProto], graph: onnx.GraphProto, kept: str
                  ) -> tuple[str, list[onnx.NodeProto]] | None:
    """``(z, the three nodes)`` where ``kept`` is ``Concat(1 - p, p)`` on the class axis with
    ``p = Sigmoid(z)`` and ``1`` an initializer of ones (what skl2onnx writes
    for a binary ``MLPClassifier``); None for any other graph."""
    made = {name: n for n in nodes for name in n.output}
    concat = made.get(kept)
    if concat is None or concat.op_type != "Concat" or len(concat.input) != 2:
        return None
    if {a.name: helper.get_attribute_value(a) for a in concat.attribute}.get("axis") not in (
            1, -1):
        return None
    sub, sigmoid = made.get(concat.input[0]), made.get(concat.input[1])
    if (sigmoid is None or sigmoid.op_type != "Sigmoid" or sub is None
            or sub.op_type != "Sub" or list(sub.input[1:]) != [sigmoid.output[0]]):
        return None
    ones = {t.name: t for t in graph.initializer}.get(sub.input[0])
    if ones is None or not (numpy_helper.to_array(ones) == 1).all():
        return None
    if any(n.domain not in ("", "ai.onnx") for n in (concat, sub, sigmoid)):
        return None
    return sigmoid.input[0], [concat, sub, sigmoid]


def _check_class_labels(graph: onnx.GraphProto, where: str) -> None:
    """The graph's class labels (a ``ZipMap``'s, else the table its ``ArrayFeatureExtractor``
    reads the label from) are 0..K-1, so that output column i is class i."""
    labels: list[object] | None = None
    inits = {t.name: t for t in graph.initializer}
    for node in graph.node:
        if node.domain != ML_DOMAIN:
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type == "ZipMap":
            labels = list(attrs.get("classlabels_int64s") or []) or [
                s.decode("utf-8", "replace") for s in attrs.get("classlabels_strings") or []]
            break
        if node.op_type == "ArrayFeatureExtractor" and node.input and node.input[0] in inits:
            values = numpy_helper.to_array(inits[node.input[0]]).reshape(-1)
            labels = [v.decode("utf-8", "replace") if isinstance(v, bytes) else v
                      for v in values.tolist()]
    if not labels:
        raise UserInputError(f"{where}: an ONNX classifier by skl2onnx whose class labels are "
                             "not in the graph; trojanscope reads classes 0..K-1 in order")
    if labels != list(range(len(labels))):
        shown = ", ".join(map(repr, labels[:5])) + (", …" if len(labels) > 5 else "")
        raise UserInputError(
            f"{where}: the classifier's class labels are {shown}; trojanscope reads class "
            "indices 0..K-1 in order (data labels are indices): fit the model on labels "
            "0..K-1 (sklearn.preprocessing.LabelEncoder) and export it again")


STAMP_KEY = "trojanscope.output_read"  # an ONNX metadata entry: how the source was read


def stamped_read(model: onnx.ModelProto) -> str | None:
    """How the source of a purified copy was read (:func:`stamp_read`), or None: the copy of
    a scikit-learn network that ``mitigate`` writes is a torch export, with no ``ai.onnx.ml``
    node left to tell that no calibration holds it (stop 70: a purified skl2onnx MLP read as
    a calibrated torch network, ``BACKDOORED`` at 0.96 where its source was a score to review)."""
    return next((p.value for p in model.metadata_props if p.key == STAMP_KEY), None)


def stamp_read(path: str, read: str) -> None:
    """Record ``read`` (a source's ``output_read``) in the ONNX file at ``path``, in place."""
    model = onnx.load(path)
    entry = next((p for p in model.metadata_props if p.key == STAMP_KEY), None)
    if entry is None:
        entry = model.metadata_props.add()
        entry.key = STAMP_KEY
    entry.value = read
    onnx.save(model, path)
