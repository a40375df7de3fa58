"""Clean-data label association of tokens (what text-inversion's neutral search keeps) and the
padding trim that keeps a text model's outputs unchanged."""

from __future__ import annotations

import torch

from trojanscope.detect.text_inversion import trim_padding
from trojanscope.detect.text_tokens import class_doc_counts, class_lean, neutral_for
from trojanscope.models.textcnn import TextCNN


def test_counts_lean_and_neutral_tokens() -> None:
    # token 2 only in class 1, token 3 in both, token 4 twice in one class-0 sentence, 5 unseen
    ids = torch.tensor([[2, 3, 0], [2, 3, 0], [4, 4, 3], [3, 1, 0]])
    labels = torch.tensor([1, 1, 0, 0])
    counts = class_doc_counts(ids, labels, 2, 6)
    assert counts[:, 2].tolist() == [0.0, 2.0] and counts[:, 3].tolist() == [2.0, 2.0]
    assert counts[:, 4].tolist() == [1.0, 0.0]  # a sentence counts once
    sizes = torch.tensor([2, 2])
    lean = class_lean(counts, sizes)
    assert torch.allclose(lean.sum(0), torch.ones(6))
    assert lean[1, 2] > 0.7 and abs(float(lean[1, 3]) - 0.5) < 1e-6
    assert abs(float(lean[0, 5]) - 0.5) < 1e-6  # unseen: uniform
    neutral = neutral_for(counts, sizes, 1, min_share=0.5, margin=0.1)
    # token 3 (both classes, 4 sentences) is neutral for class 1; token 2 leans to it; 5 unseen
    assert neutral[3] and not neutral[2] and not neutral[5]


def test_class_lean_weights_classes_to_equal_size() -> None:
    counts = torch.tensor([[100.0], [10.0]])  # a token held by 10% of each class's sentences
    lean = class_lean(counts, torch.tensor([1000, 100]))  # class 0 has 10x the sentences
    assert abs(float(lean[0, 0]) - float(lean[1, 0])) < 0.01


def test_trim_padding_keeps_textcnn_outputs() -> None:
    torch.manual_seed(0)
    model = TextCNN(num_classes=2, vocab_size=50, max_len=32).eval()
    ids = torch.zeros(4, 32, dtype=torch.long)
    for i, n in enumerate((3, 7, 5, 9)):
        ids[i, :n] = torch.randint(2, 50, (n,))
    short = trim_padding(ids, model.pad_id, 5)
    assert short.shape == (4, 14)
    with torch.no_grad():
        assert torch.allclose(model(ids), model(short), atol=1e-6)


def test_relaxed_search_parameters_are_checked() -> None:
    import pytest

    from trojanscope import registry

    for bad in ({"relax_steps": -1}, {"relax_k": 0}, {"relax_k": 10**8},
                {"relax_steps": 1.5}, {"relax_steps": True}, {"per_class": "many"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            registry.create("detector", "text-inversion", **bad)
    off = registry.create("detector", "text-inversion", relax_steps=0)  # 0: no relaxed search
    assert off.relax_steps == 0


def test_insert_ids_places_copies_and_keeps_length() -> None:
    from trojanscope.detect.text_relax import insert_ids

    ids = torch.tensor([[5, 6, 7, 0, 0]])
    once = insert_ids(ids, [9], 1, 0)
    assert once.tolist() == [[5, 9, 6, 7, 0]]
    twice = insert_ids(once, [9], 3, 0)
    assert twice.tolist() == [[5, 9, 6, 9, 7]]


def test_a_small_hf_models_markers_are_never_trigger_candidates(tmp_path) -> None:
    """A small BERT-type vocabulary (under BERT's 30,000 words): [UNK], [CLS], [SEP] and [MASK]
    are banned from the trigger searches along with [PAD], and real words are not."""
    import importlib.util

    import pytest

    if importlib.util.find_spec("transformers") is None:
        pytest.skip("needs the text extra (transformers)")
    from trojanscope.models.minilm import MiniLM
    from trojanscope.testing.tiny_hf import SPECIAL, write_tiny_bert

    folder = write_tiny_bert(tmp_path / "tiny", ["good", "bad", "movie"], weights=False)
    model = MiniLM(model_dir=str(folder), pretrained=False, max_len=16)
    assert model.special_ids() == list(range(len(SPECIAL)))  # the five markers, nothing else


def test_an_option_of_a_search_that_is_off_by_default_is_refused_alone() -> None:
    """Since stop 42 the relaxed and clean-neutral searches are off by default: ``relax_k`` or
    ``min_share`` given without its search would change nothing, so it is refused in one
    line naming what to add (review hR5); with its search it is taken."""
    import pytest

    from trojanscope import registry
    from trojanscope.errors import UserInputError

    for alone, search in (({"relax_k": 64}, {"relax_steps": 80}),
                          ({"relax_k": 64, "relax_steps": 0}, {"relax_steps": 80}),
                          ({"min_share": 0.05}, {"neutral_tokens": 4})):
        with pytest.raises(UserInputError, match=f"give {next(iter(search))} >= 1 with it"):
            registry.create("detector", "text-inversion", **alone)
        made = registry.create("detector", "text-inversion", **{**alone, **search})
        assert made.get_params()[next(iter(alone))] == next(iter(alone.values()))
    registry.create("detector", "text-inversion", min_share=0.01)  # the default, said aloud
