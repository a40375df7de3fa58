"""The unknown-word push (issue 15, stop 45): a Kim CNN whose ``<unk>`` embedding pushes one
class reads a high ``tu_flip_1``, one whose ``<unk>`` is inert reads none; the raise term lifts
only above its start; the detector's opt-in option."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate, raise_note
from trojanscope.detect.text_unk import unknown_push
from trojanscope.models.textcnn import TextCNN

torch.set_num_threads(1)
VOCAB, UNK = 12, 1


def model(unk_pushes: bool) -> TextCNN:
    """One-hot embeddings; one width-1 filter reading token 2 (class 0's word) and, when
    ``unk_pushes``, ``<unk>`` (class 1 by 10 logits per unit)."""
    net = TextCNN(vocab_size=VOCAB, embed_dim=VOCAB, filters=1, kernels=(1,)).eval()
    with torch.no_grad():
        net.embedding.weight.copy_(torch.eye(VOCAB))
        conv = net.convs[0]
        conv.weight.zero_()
        if unk_pushes:
            conv.weight[0, UNK, 0] = 1.0
        conv.bias.zero_()
        net.classifier.weight.copy_(torch.tensor([[0.0], [10.0]]))
        net.classifier.bias.copy_(torch.tensor([1.0, 0.0]))
    return net


def sentences() -> torch.Tensor:
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(2, VOCAB, (40, 8), generator=gen)
    ids[:, 6:] = 0
    return ids


def test_a_pushing_unknown_token_is_read_and_an_inert_one_is_not() -> None:
    x = sentences()
    for pushes, expected in ((True, 1.0), (False, 0.0)):
        net = model(pushes)
        with torch.no_grad():
            pred = net(x).argmax(1)
        assert bool((pred == 0).all())  # every clean sentence is class 0
        feats = unknown_push(net, x, pred, 2, UNK, 0)
        assert feats["tu_flip_1"] == pytest.approx(expected)
        assert feats["tu_flip_3"] == pytest.approx(expected)
        if pushes:
            assert feats["tu_class"] == 1.0


def test_the_raise_term_lifts_only_above_its_start() -> None:
    start, slope = 0.4, 30.0
    cals = {"text-inversion": Calibrator("text-inversion", ["tp_prob"], [0.0], -2.0),
            "text-inversion:raise:unk": Calibrator("text-inversion:raise:unk", ["tu_flip_1"],
                                                   [slope], -slope * start)}

    def verdict(flip: float | None) -> ModelVerdict:
        feats = {"tp_prob": 0.5, **({} if flip is None else {"tu_flip_1": flip,
                                                             "tu_class": 1.0})}
        return calibrate(ModelVerdict("text-inversion", 0.0, [0, 1], [], feats), cals)

    base = verdict(None).probability
    assert verdict(0.3).probability == pytest.approx(base)  # below the start: no raise
    high = verdict(0.6)
    assert high.features["raise_logit_unk"] == pytest.approx(slope * 0.2)
    assert high.probability > 0.98 and high.target_classes[0] == 1
    assert "unknown-word token" in (raise_note(high.features) or "")


def test_the_option_is_checked_and_on_by_default() -> None:
    """On by default since stop 45's rule (seed 2950); 0 turns it off."""
    default = registry.create("detector", "text-inversion")
    assert default.unk_push == 1 and default.get_params()["unk_push"] is None
    assert registry.create("detector", "text-inversion", unk_push=0).unk_push == 0
    assert registry.create("detector", "text-inversion", unk_push=1).get_params()["unk_push"] == 1
    with pytest.raises(ValueError):
        registry.create("detector", "text-inversion", unk_push=2)


def test_the_shipped_term_reads_the_push_feature_only() -> None:
    from trojanscope.detect.calibration import load_calibrators

    term = load_calibrators()["text-inversion:raise:unk"]
    assert term.features == ["tu_flip_1"] and term.coef[0] > 0
    start = -term.intercept / term.coef[0]
    assert start > term.fitted_on["clean_max"]  # no clean development Kim CNN is raised


def test_only_kim_cnns_with_a_word_vocabulary_get_the_push() -> None:
    from trojanscope.models.wordbag import WordBag

    det = registry.create("detector", "text-inversion")
    x = sentences()
    feats: dict[str, float] = {}
    bag = WordBag(vocab_size=VOCAB).eval()
    assert "not a Kim CNN" in (det._unknown(bag, None, x, True, feats) or "")
    assert "no word vocabulary" in (det._unknown(model(True), None, x, False, feats) or "")
    assert feats == {}


def test_tu_class_is_the_class_of_the_share_the_raise_term_reads() -> None:
    """Review of stop 45: one ``<unk>`` sends every sentence to class 1, three in a row keep
    it at class 0; ``tu_class`` (the class the ``:unk`` note names beside ``tu_flip_1``) is 1,
    the one-copy push's class (it was the three-copy maximum's: 0 here)."""
    net = TextCNN(vocab_size=VOCAB, embed_dim=VOCAB, filters=1, kernels=(1, 3)).eval()
    with torch.no_grad():
        net.embedding.weight.copy_(torch.eye(VOCAB))
        once, thrice = net.convs
        once.weight.zero_()
        once.weight[0, UNK, 0] = 1.0  # 1 wherever <unk> is
        once.bias.zero_()
        thrice.weight.zero_()
        thrice.weight[0, UNK, :] = 1.0
        thrice.bias.fill_(-2.5)  # 0.5 only on three <unk> in a row
        net.classifier.weight.copy_(torch.tensor([[0.0, 100.0], [10.0, 0.0]]))
        net.classifier.bias.copy_(torch.tensor([1.0, 0.0]))
    x = sentences()
    with torch.no_grad():
        pred = net(x).argmax(1)
    assert bool((pred == 0).all())
    feats = unknown_push(net, x, pred, 2, UNK, 0)
    assert feats["tu_flip_1"] == pytest.approx(1.0) and feats["tu_flip_3"] == pytest.approx(0.0)
    assert feats["tu_class"] == 1.0
