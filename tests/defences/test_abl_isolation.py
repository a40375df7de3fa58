"""ABL's ``isolation`` option: ``detector`` (the default) isolates the samples the data-level
detector flags (no LGA phase), keeps those of their most frequent label, and unlearns them;
``loss`` is ABL's own rule; bad values are user errors."""

from __future__ import annotations

import pytest
import torch

from trojanscope.defences import abl as abl_module
from trojanscope.defences import create_defence
from trojanscope.engine import Trainer
from trojanscope.errors import UserInputError


def _build(data):
    from trojanscope.models import create_model

    return lambda seed: create_model("mlp", data.input_shape, data.num_classes)


def _record_fits(monkeypatch) -> list:
    seen = []
    original = Trainer.fit

    def recording_fit(self, model, data, **kwargs):
        seen.append((type(data).__name__, kwargs.get("loss_fn")))
        return original(self, model, data, **kwargs)

    monkeypatch.setattr(Trainer, "fit", recording_fit)
    return seen


def test_detector_isolation_unlearns_the_flags_of_the_majority_label(tiny_train,
                                                                     monkeypatch) -> None:
    labels = tiny_train.labels
    major = int(labels[0])
    of_major = torch.nonzero(labels == major).flatten()[:6]
    others = torch.nonzero(labels != major).flatten()[:2]
    asked = []

    def fake_detector(data, seed, notes=None, skip_small=False):
        asked.append(seed)
        return torch.cat([of_major, others])

    monkeypatch.setattr(abl_module, "detector_isolation", fake_detector)
    seen = _record_fits(monkeypatch)
    outcome = create_defence("abl", isolation="detector").train(
        _build(tiny_train), tiny_train, Trainer(epochs=1, batch_size=64, seed=5))
    assert asked == [5]  # the detector's feature model is drawn from the run's seed
    assert sorted(outcome.flagged) == sorted(of_major.tolist())
    assert outcome.details["isolated"] == 6
    # one training run, on the marked view: no LGA isolation phase
    assert [name for name, _ in seen] == ["MarkedView"]


def test_detector_isolation_with_nothing_flagged_trains_normally(tiny_train,
                                                                 monkeypatch) -> None:
    monkeypatch.setattr(abl_module, "detector_isolation",
                        lambda data, seed, **_: torch.zeros(0, dtype=torch.long))
    outcome = create_defence("abl", isolation="detector").train(
        _build(tiny_train), tiny_train, Trainer(epochs=1, batch_size=64))
    assert outcome.flagged == [] and outcome.details["isolated"] == 0


def test_detector_isolation_is_the_default() -> None:
    assert create_defence("abl").isolation == "detector"


def test_loss_isolation_runs_lga_and_never_the_detector(tiny_train, monkeypatch) -> None:
    monkeypatch.setattr(abl_module, "detector_isolation",
                        lambda data, seed, **_: pytest.fail("the detector ran"))
    seen = _record_fits(monkeypatch)
    create_defence("abl", isolation="loss").train(_build(tiny_train), tiny_train,
                                                  Trainer(epochs=1, batch_size=64))
    assert [name for name, _ in seen][-1] == "MarkedView" and len(seen) == 2  # LGA, then train


def test_bad_isolation_is_a_user_error() -> None:
    with pytest.raises(UserInputError, match="isolation must be one of loss, detector"):
        create_defence("abl", isolation="lowest")


def test_bad_isolation_on_the_command_line(tmp_path, capsys) -> None:
    from trojanscope.cli.main import run

    out = tmp_path / "run"
    capsys.readouterr()
    code = run(["train", "--dataset", "synthetic", "--arch", "mlp", "--epochs", "1",
                "--no-export", "--out", str(out), "--defence", "abl",
                "--defence-param", "isolation=lowest"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "isolation must be one of" in err[0]
    assert not out.exists()


@pytest.mark.slow
def test_detector_isolation_finds_planted_poison(tiny_train) -> None:
    """The real detector on a 20%-poisoned synthetic set: what it flags is poison."""
    from trojanscope.attacks import BadNets
    from trojanscope.triggers import PatchTrigger

    torch.set_num_threads(1)
    attack = BadNets(target=2, poison_rate=0.2, trigger=PatchTrigger(size=4, pattern="solid"))
    poisoned = attack.poison(tiny_train)
    flagged = set(abl_module.detector_isolation(poisoned, 0).tolist())
    poison = set(torch.as_tensor(poisoned.poison_indices).tolist())
    assert len(flagged) >= len(poison) // 3
    assert len(flagged & poison) >= 0.9 * len(flagged)


def test_a_set_the_detector_cannot_judge_is_one_line_naming_abl_and_the_way_out(
        tmp_path, capsys) -> None:
    """A class too small for the detector with ``small_classes=refuse`` (the default until stop
    53; review of stop 48): exit 2, one line that says the default isolation=detector refused
    and that isolation=loss runs; nothing written."""
    import numpy as np

    from trojanscope.cli.main import run

    rng = np.random.default_rng(0)
    x = rng.random((120, 1, 8, 8), dtype=np.float32)
    y = np.concatenate([np.zeros(56), np.ones(56), np.full(8, 2)]).astype(np.int64)
    path = tmp_path / "small_class.npz"
    np.savez(path, x=x, y=y)
    out = tmp_path / "run"
    capsys.readouterr()
    code = run(["train", "--dataset", str(path), "--arch", "mlp", "--epochs", "1",
                "--no-export", "--out", str(out), "--defence", "abl",
                "--defence-param", "small_classes=refuse"])
    err = capsys.readouterr().err.strip().splitlines()
    err = [line for line in err if not line.startswith("train:")]
    assert code == 2 and len(err) == 1, err
    assert "abl: the default isolation=detector cannot judge" in err[0]
    assert "class 2 has" in err[0] and "isolation=loss" in err[0]
    assert not out.exists()


def test_details_record_the_isolation_and_what_it_flagged(tiny_train, monkeypatch) -> None:
    labels = tiny_train.labels
    major = int(labels[0])
    flagged = torch.cat([torch.nonzero(labels == major).flatten()[:4],
                         torch.nonzero(labels != major).flatten()[:3]])
    monkeypatch.setattr(abl_module, "detector_isolation", lambda data, seed, **_: flagged)
    outcome = create_defence("abl").train(_build(tiny_train), tiny_train,
                                          Trainer(epochs=1, batch_size=64))
    assert outcome.details == {"isolation": "detector", "isolation_flagged": 7, "isolated": 4,
                               "majority_share": 0.5714, "majority_filter": True}
    outcome = create_defence("abl", isolation="loss", isolation_rate=0.1).train(
        _build(tiny_train), tiny_train, Trainer(epochs=1, batch_size=64))
    assert outcome.details["isolation"] == "loss"
    assert outcome.details["isolation_flagged"] == round(0.1 * len(tiny_train))


@pytest.mark.parametrize("param", [{"isolation_rate": 0.1}, {"gamma": 0.3},
                                   {"high_loss_rate": 0.1}, {"isolation_epochs": 3}])
def test_a_loss_rule_parameter_without_isolation_loss_is_refused_not_ignored(param) -> None:
    name = next(iter(param))
    with pytest.raises(UserInputError, match=f"abl: {name} is a parameter of isolation=loss"):
        create_defence("abl", **param)
    assert getattr(create_defence("abl", isolation="loss", **param), name) == param[name]


def test_loss_rule_parameters_at_their_defaults_are_accepted_with_the_detector() -> None:
    abl = create_defence("abl", isolation_rate=0.2, high_loss_rate=0, gamma=0.5,
                         isolation_epochs=2)
    assert abl.isolation == "detector"


def test_the_detectors_notes_reach_the_details(tiny_train, monkeypatch) -> None:
    """What detect-data would print beside its verdict (e.g. a small set's less certain verdict)
    is recorded as ``isolation_notes``, not dropped."""
    from types import SimpleNamespace

    import trojanscope.detect.data.run as run_module

    monkeypatch.setattr(run_module, "detect_data", lambda data, method, seed: SimpleNamespace(
        flagged=[0, 1], notes=["a set under 500 samples: a less certain verdict"]))
    notes: list[str] = []
    flagged = abl_module.detector_isolation(tiny_train, 0, notes=notes)
    assert flagged.tolist() == [0, 1]
    assert notes == ["a set under 500 samples: a less certain verdict"]
    outcome = create_defence("abl").train(_build(tiny_train), tiny_train,
                                          Trainer(epochs=1, batch_size=64))
    assert outcome.details["isolation_notes"] == [
        "a set under 500 samples: a less certain verdict"]


def _small_class_file(tmp_path, small: int = 8):
    """120 random 8x8 images: classes 0 and 1 of 56 each, class 2 of ``small``."""
    import numpy as np

    rng = np.random.default_rng(0)
    y = np.concatenate([np.zeros(56), np.ones(56), np.full(small, 2)]).astype(np.int64)
    x = rng.random((len(y), 1, 8, 8), dtype=np.float32)
    path = tmp_path / "small_class.npz"
    np.savez(path, x=x, y=y)
    return path


def test_small_classes_skip_leaves_the_small_class_out_of_the_detector(tiny_train,
                                                                       monkeypatch) -> None:
    """``skip_small``: the detector sees only the classes with enough samples, its flags are
    indices of the whole set, and a note names the classes left out (stop 53)."""
    from types import SimpleNamespace

    import trojanscope.detect.data.run as run_module

    labels = tiny_train.labels
    small = int(labels[0])
    keep = torch.nonzero(labels == small).flatten()[:3]
    drop = torch.nonzero(labels == small).flatten()[3:]
    subset = torch.ones(len(labels), dtype=torch.bool)
    subset[drop] = False
    data = abl_module.IndexSubset(tiny_train, torch.nonzero(subset).flatten())
    seen = {}

    def fake_detect(judged, method, seed):
        seen["labels"] = judged.labels.tolist()
        return SimpleNamespace(flagged=[0, 1], notes=["the detector's own note"])

    monkeypatch.setattr(run_module, "detect_data", fake_detect)
    notes: list[str] = []
    flagged = abl_module.detector_isolation(data, 0, notes=notes, skip_small=True)
    assert small not in seen["labels"] and len(seen["labels"]) == len(data) - len(keep)
    judged = [i for i in range(len(data)) if int(data.labels[i]) != small]
    assert flagged.tolist() == judged[:2]
    assert notes[0].startswith("isolation: classes with fewer than")
    assert f"{small} (3)" in notes[0] and notes[1] == "the detector's own note"


def test_a_small_class_file_runs_by_default_and_says_so(tmp_path, capsys) -> None:
    """The file the default refused before stop 53 runs (``small_classes=skip``, the default
    since its rule was met): exit 0, the classes left out printed in a note line and recorded in
    the manifest."""
    import json

    from trojanscope.cli.main import run

    path = _small_class_file(tmp_path)
    out = tmp_path / "run"
    capsys.readouterr()
    code = run(["train", "--dataset", str(path), "--arch", "mlp", "--epochs", "1",
                "--no-export", "--out", str(out), "--defence", "abl"])
    err = capsys.readouterr().err
    assert code == 0, err
    note = [line for line in err.splitlines() if line.startswith("note: abl: isolation:")]
    assert len(note) == 1 and "2 (" in note[0], err
    details = json.loads((out / "manifest.json").read_text())["defence"]["details"]
    # stop 75: what ABL unlearnt is said first, not only the caveats on it
    first = " ".join(err.split("note: ")[1].split())
    assert first.startswith("abl: "), err
    assert f"{details['isolated']} of " in first or "none of the" in first, err
    assert details["isolation"] == "detector"
    assert any("not judged by the detector" in n for n in details["isolation_notes"])


def test_small_classes_skip_with_a_single_class_left_is_still_one_line(tmp_path,
                                                                      capsys) -> None:
    """Two classes, one too small: nothing left to compare; exit 2 in one line naming
    isolation=loss, nothing written."""
    import numpy as np

    from trojanscope.cli.main import run

    rng = np.random.default_rng(0)
    y = np.concatenate([np.zeros(100), np.ones(8)]).astype(np.int64)
    path = tmp_path / "one_class_left.npz"
    np.savez(path, x=rng.random((len(y), 1, 8, 8), dtype=np.float32), y=y)
    out = tmp_path / "run"
    capsys.readouterr()
    code = run(["train", "--dataset", str(path), "--arch", "mlp", "--epochs", "1",
                "--no-export", "--out", str(out), "--defence", "abl",
                "--defence-param", "small_classes=skip"])
    err = [line for line in capsys.readouterr().err.strip().splitlines()
           if not line.startswith("train:")]
    assert code == 2 and len(err) == 1, err
    assert "cannot judge these data" in err[0] and "isolation=loss" in err[0]
    assert not out.exists()


@pytest.mark.parametrize(("params", "message"), [
    ({"small_classes": "nosuch"}, "small_classes must be one of refuse, skip"),
    ({"small_classes": "refuse", "isolation": "loss"},
     "small_classes is a parameter of isolation=detector"),
])
def test_bad_small_classes_is_a_user_error(params, message) -> None:
    with pytest.raises(UserInputError, match=message):
        create_defence("abl", **params)


def test_small_classes_skip_is_the_default() -> None:
    assert create_defence("abl").small_classes == "skip"
    assert create_defence("abl", isolation="loss").small_classes == "skip"


def test_a_subset_of_sentences_keeps_its_texts() -> None:
    """``small_classes=skip`` hands the detector an index subset; on text data the detector reads
    its sentences (stop 53)."""
    from types import SimpleNamespace

    base = SimpleNamespace(texts=["a", "b", "c", "d"], labels=torch.tensor([0, 1, 0, 1]),
                           name="t", class_names=None)
    subset = abl_module.IndexSubset(base, torch.tensor([3, 1]))
    assert subset.texts == ["d", "b"] and subset.labels.tolist() == [1, 1]
    plain = abl_module.IndexSubset(SimpleNamespace(name="x", class_names=None), torch.tensor([0]))
    assert getattr(plain, "texts", None) is None  # not text data: no sentences, as on the base


def test_isolated_words_say_what_abl_unlearnt() -> None:
    """Stop 75 (hcmd): the console says how many samples ABL isolated, and why none."""
    from trojanscope.defences.abl import isolated_words

    none = isolated_words({"isolation": "detector", "isolation_flagged": 0, "isolated": 0}, 160)
    assert none.startswith("none of the 160 training samples isolated: detect-data's default")
    assert "trained as without the defence" in none
    some = isolated_words({"isolation": "detector", "isolation_flagged": 9, "isolated": 7}, 160)
    assert some.startswith("7 of 160 training samples isolated as suspected poison")
    kept = isolated_words({"isolation": "detector", "isolation_flagged": 4, "isolated": 0}, 160)
    assert kept == "none of the 160 training samples isolated, so nothing was unlearnt"
