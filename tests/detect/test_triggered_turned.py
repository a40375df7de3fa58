"""``evaluate_triggered`` counts the triggered inputs the trigger *turned* beside those it fired
on (issue 15, stop 62): a fired input whose clean twin the model already gives the target class
carries no attack; the count is ``None`` where the attack names no twin rows; the text output
of ``detect-inputs --triggered`` names both counts."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trojanscope.cli.commands.detect_inputs import triggered_lines
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.input_level.base import InputDetector
from trojanscope.detect.input_level.evaluate import evaluate_triggered

N, TARGET, SEED = 200, 1, 0


class Threshold(nn.Module):
    """Class 1 where the first pixel is above 0.5."""

    def forward(self, x: Tensor) -> Tensor:
        v = x[:, 0, 0, 0]
        return torch.stack([0.5 - v, v - 0.5], 1)


class Marker(InputDetector):
    """Scores the last pixel (the trigger's marker); its own scores set its threshold."""

    name = "marker"

    def _fit(self, model, clean_x, generator) -> None:
        pass

    def _score(self, x: Tensor) -> Tensor:
        return x[:, 0, 1, 1]

    def own_calibration(self) -> bool:
        return True


def _stamp(ds: TensorDataset, index: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The rows at ``index`` with the first pixel raised by 0.4 (rows above 0.1 fire; those
    above 0.5 were class 1 already) and the marker set to 1 - the clean first pixel."""
    x, y = ds.get_batch(index)
    tx = x.clone()
    tx[:, 0, 0, 0] = (x[:, 0, 0, 0] + 0.4).clamp(max=1.0)
    tx[:, 0, 1, 1] = 1.0 - x[:, 0, 0, 0]
    return tx, y, torch.full_like(y, TARGET)


class Stamp:
    """All-to-one attack on class 1 (:func:`_stamp`), its test rows named by ``test_index``."""

    target = TARGET

    def test_index(self, ds: TensorDataset):
        return torch.nonzero(ds.y != TARGET).flatten().numpy()

    def test_inputs(self, ds: TensorDataset) -> tuple[Tensor, Tensor, Tensor]:
        return _stamp(ds, torch.as_tensor(self.test_index(ds)))


class StampNoRows:
    """The same triggered inputs from an object with ``test_inputs`` alone (a foreign zoo's)."""

    target = TARGET

    def test_inputs(self, ds: TensorDataset) -> tuple[Tensor, Tensor, Tensor]:
        return _stamp(ds, torch.nonzero(ds.y != TARGET).flatten())


def _clean() -> TensorDataset:
    gen = torch.Generator().manual_seed(1)
    x = torch.zeros(N, 1, 2, 2)
    x[:, 0, 0, 0] = (torch.randperm(N, generator=gen).float() + 0.5) / N  # off the 0.1/0.5 edges
    x[:, 0, 1, 1] = torch.rand(N, generator=gen) * 0.3  # clean markers under 0.3
    return TensorDataset(x, torch.arange(N) % 2, ("0", "1"), "toy")


def test_turned_count_beside_fired() -> None:
    clean = _clean()
    got = evaluate_triggered(Threshold(), Marker(), clean, Stamp(), fpr=0.05, seed=SEED)
    order = torch.randperm(N, generator=torch.Generator().manual_seed(SEED))
    held = order[N // 2:]
    v = clean.x[held][clean.y[held] != TARGET][:, 0, 0, 0]
    fired, turned = v + 0.4 > 0.5, (v + 0.4 > 0.5) & (v <= 0.5)
    assert got.positives == int(fired.sum()) and got.turned == int(turned.sum()) > 0
    assert got.turned < got.positives  # some fired inputs were class 1 without the trigger
    # the marker (1 - clean pixel) is high on every turned input, low on some fired ones
    assert got.guard_tpr_turned == 1.0 and got.roc_auc_turned == 1.0
    assert got.tpr_at_fpr_turned == 1.0 and got.guard_tpr < 1.0
    assert got.as_dict()["turned"] == got.turned


def test_no_twin_rows_no_turned_count() -> None:
    got = evaluate_triggered(Threshold(), Marker(), _clean(), StampNoRows(), fpr=0.05,
                             seed=SEED)
    assert got.positives > 0
    assert got.turned is None and got.guard_tpr_turned is None and got.roc_auc_turned is None
    lines = triggered_lines({"run": "RUN", **got.as_dict()})
    assert lines[2] == ("  turned: not counted (the attack names no clean twin of its triggered "
                        "inputs)")


def test_text_names_both_counts() -> None:
    got = evaluate_triggered(Threshold(), Marker(), _clean(), Stamp(), fpr=0.05, seed=SEED)
    lines = triggered_lines({"run": "RUN", **got.as_dict()})
    assert lines[0].startswith("marker against the trigger of RUN: 100 held-out clean inputs")
    assert lines[1].startswith(f"  fired (triggered input given the target class): "
                               f"{got.positives} — ROC-AUC")
    assert lines[2].startswith(f"  turned (fired, and its clean twin is not of the target "
                               f"class): {got.turned} — ROC-AUC 1.0000, TPR 100.0% at FPR 5.0%")
    assert lines[2].endswith("guard TPR 100.0%")


def test_text_none_turned_reads_na() -> None:
    row = {"method": "m", "run": "R", "negatives": 10, "triggered": 4,
           "forward_passes_per_input": 1, "guard_fpr": 0.0, "positives": 2, "roc_auc": 1.0,
           "tpr_at_fpr": 1.0, "guard_tpr": 1.0, "fpr": 0.05, "turned": 0,
           "roc_auc_turned": None, "tpr_at_fpr_turned": None, "guard_tpr_turned": None}
    assert triggered_lines(row)[2].endswith(": 0 — ROC-AUC n/a, TPR n/a at FPR 5.0%, "
                                            "guard TPR n/a")
