"""``benchmarks/text_inputs_zoo.py --folders`` (issue 15, stop 47): input-level detection on
plain run folders, each with its own held-out split as the clean data."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
from trojanscope.engine import Trainer
from trojanscope.experiment import run_experiment, save_experiment


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("runs")
    attack = registry.create("attack", "addsent", target=1, poison_rate=0.3, seed=1)
    for name, atk in (("addsent", attack), ("clean", None)):
        result = run_experiment("synthetic-text", attack=atk, arch="textcnn",
                                arch_params={"max_len": 32}, trainer=Trainer(epochs=4), seed=1)
        save_experiment(result, root / name, exports=False)
    return root


# benchmark machinery (stop 60): a script of benchmarks/ or its stored readings, not the product
@pytest.mark.slow
def test_folder_level_replays_each_folders_own_trigger(folders, load_benchmark) -> None:
    mod = load_benchmark("text_inputs_zoo")
    rows = mod.folder_level([folders / "addsent"], 0.05, {})
    assert len(rows) == 1
    row = rows[0]
    assert row["model"] == "addsent" and row["attack"] == "addsent" and row["target"] == 1
    assert row["method"] == "strip-text" and row["forward_passes_per_input"] == 9
    assert row["positives"] > 0 and row["negatives"] > 0
    assert 0.5 < row["roc_auc"] <= 1.0
    fewer = mod.folder_level([folders / "addsent"], 0.05, {"n": 2})
    assert fewer[0]["forward_passes_per_input"] == 3
    assert mod.per_attack(rows)["addsent"]["models"] == 1


def test_a_clean_folder_is_one_error_line(folders, load_benchmark) -> None:
    mod = load_benchmark("text_inputs_zoo")
    with pytest.raises(SystemExit, match="no attack record"):
        mod.folder_level([folders / "clean"], 0.05, {})
