"""The word-order asymmetry of a Kim CNN (issue 15, stop 36): a filter taught an ordered word
pair is found and read as order, a filter blind to order reads none, a model that is not a Kim
CNN gets no feature, and the detector's opt-in option and calibrator key."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate
from trojanscope.detect.text_order import kim_layers, order_asymmetry, order_inputs
from trojanscope.detect.text_tokens import class_doc_counts, class_lean
from trojanscope.models.textcnn import TextCNN
from trojanscope.models.wordbag import WordBag

VOCAB, A, B = 12, 10, 11  # A then B is the planted pair; sentences use tokens 2..9


def planted(ordered: bool) -> TextCNN:
    """One width-2 filter firing on ``A B`` (``ordered``) or on ``A`` and ``B`` in either slot,
    pushing class 1 by 10 per unit; one-hot embeddings; class 0 otherwise."""
    model = TextCNN(vocab_size=VOCAB, embed_dim=VOCAB, filters=1, kernels=(2,)).eval()
    with torch.no_grad():
        model.embedding.weight.copy_(torch.eye(VOCAB))
        conv = model.convs[0]
        conv.weight.zero_()
        conv.weight[0, A, 0] = conv.weight[0, B, 1] = 1.0
        if not ordered:
            conv.weight[0, A, 1] = conv.weight[0, B, 0] = 1.0
        conv.bias.fill_(-1.5)
        model.classifier.weight.copy_(torch.tensor([[0.0], [10.0]]))
        model.classifier.bias.copy_(torch.tensor([0.5, 0.0]))
    return model


def sentences() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(2, A, (60, 8), generator=gen)
    ids[:, 6:] = 0  # padding
    return ids, torch.arange(60) % 2


def feature(model) -> dict[str, float]:
    ids, labels = sentences()
    lean = class_lean(class_doc_counts(ids, labels, 2, VOCAB), torch.bincount(labels))
    banned = torch.zeros(VOCAB, dtype=torch.bool)
    banned[[0, 1]] = True
    return order_asymmetry(model, ids, labels, lean, banned)


def test_an_ordered_pair_reads_as_order_and_an_unordered_one_does_not() -> None:
    ordered, unordered = feature(planted(True)), feature(planted(False))
    # in order the filter gives 0.5 x 10 logits, reversed nothing
    assert ordered["tp_order"] == pytest.approx(5.0, abs=1e-4)
    assert unordered["tp_order"] == pytest.approx(0.0, abs=1e-4)


def test_min_docs_keeps_the_search_to_words_the_clean_sentences_hold() -> None:
    """``order_min_docs`` (stop 37): the planted pair's tokens held by no clean sentence are out
    of the search (no order found); held by four sentences each (apart, never as the pair),
    they are in again at ``min_docs`` 4 and out at 5."""
    model = planted(True)
    ids, labels = sentences()

    def found(x: torch.Tensor, min_docs: int) -> float:
        return order_asymmetry(model, *order_inputs(model, x, labels, 2, min_docs))["tp_order"]

    assert found(ids, 0) == pytest.approx(5.0, abs=1e-4)
    assert found(ids, 1) == pytest.approx(0.0, abs=1e-4)
    held = ids.clone()
    held[0:4, 0] = A  # two sentences of each class
    held[4:8, 3] = B
    assert found(held, 4) == pytest.approx(5.0, abs=1e-4)
    assert found(held, 5) == pytest.approx(0.0, abs=1e-4)


def test_only_a_kim_cnn_whose_layers_give_its_logits_gets_the_feature() -> None:
    ids, _ = sentences()
    assert kim_layers(planted(True), ids)
    assert feature(WordBag(vocab_size=VOCAB, embed_dim=4, hidden=4).eval()) == {}
    broken = planted(True)
    broken.act = torch.nn.Tanh()  # the layers no longer reproduce the logits
    assert not kim_layers(broken, ids) and feature(broken) == {}


def test_the_order_option_is_checked_and_off_by_default() -> None:
    assert registry.create("detector", "text-inversion").order == 0
    assert registry.create("detector", "text-inversion", order=1).order == 1
    with pytest.raises(ValueError, match="order"):
        registry.create("detector", "text-inversion", order=2)
    assert registry.create("detector", "text-inversion").order_min_docs == 0
    got = registry.create("detector", "text-inversion", order=1, order_min_docs=3)
    assert got.order_min_docs == 3
    with pytest.raises(ValueError, match="give order=1"):
        registry.create("detector", "text-inversion", order_min_docs=3)
    with pytest.raises(ValueError, match="order_min_docs"):
        registry.create("detector", "text-inversion", order=1, order_min_docs=-1)


def test_the_order_family_reads_its_own_calibrator_and_falls_back_without_it() -> None:
    base = Calibrator("text-inversion", ["tp_prob"], [1.0], 0.0)
    own = Calibrator("text-inversion", ["tp_prob", "tp_order"], [1.0, 1.0], 0.0)
    feats = {"tp_prob": 0.5, "tp_order": 2.0}
    key = "text-inversion:behaviour:phrase:lift:arch"

    def verdict() -> ModelVerdict:
        return ModelVerdict(
            "text-inversion", 0.0, [0], [], dict(feats), family="behaviour:phrase:lift:arch:order"
        )

    with_own = calibrate(verdict(), {key: base, key + ":order": own})
    assert with_own.probability == pytest.approx(own.probability(feats))
    without = calibrate(verdict(), {key: base})
    assert without.probability == pytest.approx(base.probability(feats))
    assert any("tp_order not read" in n for n in without.coverage_notes)
    assert not any("tp_order not read" in n for n in with_own.coverage_notes)


def test_the_min_docs_order_family_reads_its_own_calibrator_never_the_other_search() -> None:
    """Stop 38: ``order_min_docs=3``'s family (``…:order-docs3``) is read by its own calibrator;
    without it the verdict falls back to the base family (``tp_order`` not read), never to
    the ``:order`` calibrator fitted on the other search."""
    base = Calibrator("text-inversion", ["tp_prob"], [1.0], 0.0)
    other = Calibrator("text-inversion", ["tp_prob", "tp_order"], [1.0, -4.0], 0.0)
    own = Calibrator("text-inversion", ["tp_prob", "tp_order"], [1.0, 2.0], 0.0)
    feats = {"tp_prob": 0.5, "tp_order": 2.0}
    key = "text-inversion:behaviour:phrase:lift:arch"

    def verdict() -> ModelVerdict:
        return ModelVerdict("text-inversion", 0.0, [0], [], dict(feats),
                            family="behaviour:phrase:lift:arch:order-docs3")

    cals = {key: base, key + ":order": other}
    with_own = calibrate(verdict(), {**cals, key + ":order-docs3": own})
    assert with_own.probability == pytest.approx(own.probability(feats))
    assert not any("tp_order not read" in n for n in with_own.coverage_notes)
    without = calibrate(verdict(), cals)
    assert without.probability == pytest.approx(base.probability(feats))
    assert any(f"no '{key}:order-docs3' calibrator" in n for n in without.coverage_notes)


def test_an_order_family_without_its_calibrators_never_falls_back_to_a_phrase_one() -> None:
    """A file without the ``:order`` (nor the ``:arch``) calibrators: the standardised lift's
    rule holds (the behaviour path's calibrator, never one fitted on the unstandardised lift),
    and the verdict says ``tp_order`` was not read (review hR3)."""
    feats = {"tp_prob": 0.5, "tp_order": 2.0}
    method = "text-inversion"
    behaviour = Calibrator(method, ["tp_prob"], [1.0], 0.0)
    phrase = Calibrator(method, ["tp_prob"], [-3.0], 0.0)
    arch = Calibrator(method, ["tp_prob"], [5.0], 1.0)

    def verdict() -> ModelVerdict:
        return ModelVerdict(method, 0.0, [0], [], dict(feats),
                            family="behaviour:phrase:lift:arch:order")

    cals = {f"{method}:behaviour": behaviour, f"{method}:behaviour:phrase": phrase,
            f"{method}:behaviour:phrase:lift": phrase}
    got = calibrate(verdict(), cals)
    assert got.probability == pytest.approx(behaviour.probability(feats))
    note = f"tp_order not read: no '{method}:behaviour:phrase:lift:arch:order' calibrator"
    assert any(n.startswith(note) for n in got.coverage_notes)
    # with the :arch calibrator but no :order one: the :arch one, and the same note
    got = calibrate(verdict(), {**cals, f"{method}:behaviour:phrase:lift:arch": arch})
    assert got.probability == pytest.approx(arch.probability(feats))
    assert any(n.startswith(note) for n in got.coverage_notes)
    # nothing of the family at all: the fallback curve, and the note once however often
    got = calibrate(calibrate(verdict(), {}), {})
    assert sum(n.startswith(note) for n in got.coverage_notes) == 1


def test_a_class_without_two_tokens_to_search_is_skipped_not_read_as_clean() -> None:
    """Fewer than two tokens allowed: no measurement (before: 0.0, which reads as very
    clean); every class so: no feature (review hR3)."""
    ids, labels = sentences()
    lean = class_lean(class_doc_counts(ids, labels, 2, VOCAB), torch.bincount(labels))
    banned = torch.ones(VOCAB, dtype=torch.bool)
    banned[A] = False  # one token left
    assert order_asymmetry(planted(True), ids, labels, lean, banned) == {}


def test_convolutions_without_padding_take_short_spans() -> None:
    """A width-5 convolution with no padding: a 2-token span is padded to the window, not a
    crash (review hR3)."""
    model = TextCNN(vocab_size=VOCAB, embed_dim=VOCAB, filters=3, kernels=(2, 5)).eval()
    for conv in model.convs:
        conv.padding = (0,)
    got = feature(model)
    assert set(got) == {"tp_order"} and got["tp_order"] == got["tp_order"]  # finite, no NaN


def test_rows_of_at_most_a_span_give_no_feature() -> None:
    """Rows of at most 4 tokens: a span inserted fills the row, so there is no order to read
    (review hR3)."""
    ids, labels = sentences()
    ids = ids[:, :4]
    lean = class_lean(class_doc_counts(ids, labels, 2, VOCAB), torch.bincount(labels))
    banned = torch.zeros(VOCAB, dtype=torch.bool)
    banned[[0, 1]] = True
    assert order_asymmetry(planted(True), ids, labels, lean, banned) == {}


@pytest.mark.parametrize("name", ["order_min_docs", "span_tokens", "max_tokens",
                                  "neutral_tokens", "min_share", "margin"])
def test_a_null_option_is_refused_in_one_line_naming_it(name: str) -> None:
    """``-p order_min_docs=null`` (YAML null): a message naming the option, not int()'s
    TypeError (review hF3)."""
    with pytest.raises(ValueError, match=f"{name} must be a number, got None"):
        registry.create("detector", "text-inversion", order=1, **{name: None})
