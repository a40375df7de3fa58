"""Issue 9, stop 38: the shipped ``detect`` scored on a foreign zoo by family
(``foreign_zoo_detect.py``) and the frame probe read on CNNs only (``raise_gap_draws.py --kind
conv``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from script_run import run_script

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
RECIPE = {"optim": "sgd", "epochs": 6, "label_smoothing": 0.1, "schedule": "none"}


def _zoo(tmp_path: Path) -> Path:
    """A foreign zoo's truth.json (two clean, three backdoored MLPs) and clean.npz."""
    zoo = tmp_path / "zoo-x"
    zoo.mkdir()
    rng = np.random.default_rng(0)
    np.savez(
        zoo / "clean.npz",
        x=rng.random((20, 1, 28, 28), dtype=np.float32),
        y=np.arange(20) % 10,
    )
    models = [
        {
            "name": f"relu_mlp-0{i}",
            "arch_family": "relu_mlp",
            "backdoored": i % 2 == 1,
            "recipe": RECIPE,
            "details": {},
            "effective": True,
        }
        for i in range(5)
    ]
    for m, (fam, target) in zip(models[1::2], (("frame", 3), ("sparse", 7)), strict=False):
        m.update(trigger_family=fam, target=target)
    models[4].update(backdoored=True, trigger_family="sparse", target=1)
    (zoo / "truth.json").write_text(json.dumps({"seed": 0, "models": models}))
    return zoo


def _detections(out: Path, probs: dict[str, float], targets: dict[str, int]) -> None:
    out.write_text(
        "".join(
            json.dumps(
                {"name": n, "probability": p, "suspected_target": targets.get(n, 0), "cpu_s": 2.0}
            )
            + "\n"
            for n, p in probs.items()
        )
    )


def test_the_score_reads_families_flags_and_targets(tmp_path, monkeypatch, load_benchmark):
    """Groups as generalise_lofo's fresh test (each trigger family with every clean model), the
    worst family only where >= 2 backdoored, a clean model at p >= 0.5 and the targets."""
    monkeypatch.syspath_prepend(str(BENCH))
    fzd = load_benchmark("foreign_zoo_detect")
    zoo, out = _zoo(tmp_path), tmp_path / "d.jsonl"
    probs = {
        "relu_mlp-00": 0.1,
        "relu_mlp-01": 0.5,
        "relu_mlp-02": 0.6,
        "relu_mlp-03": 0.4,
        "relu_mlp-04": 0.8,
    }
    _detections(out, probs, {"relu_mlp-01": 3, "relu_mlp-03": 7, "relu_mlp-04": 5})
    r = fzd.score(zoo, out)
    g = r["groups"]
    assert g["trigger: frame"]["n"] == 3 and g["trigger: frame"]["roc_auc"] == 0.5
    assert g["trigger: sparse"]["n"] == 4 and g["trigger: sparse"]["roc_auc"] == 0.75
    assert g["all"]["n"] == 5 and g["all"]["roc_auc"] == pytest.approx(4 / 6)
    assert g["recipe: sgd"]["n"] == 5 and g["recipe: label_smoothing"]["n"] == 5
    assert r["worst"]["auc_family"] != "trigger: frame"  # one backdoored: not a family here
    assert r["worst"]["roc_auc"] == pytest.approx(4 / 6)
    assert r["worst_any"]["roc_auc"] == 0.5
    assert r["clean_flagged"] == ["relu_mlp-02"] and r["backdoored_flagged"] == 2
    assert r["target_right"] == 2 and r["target_right_flagged"] == 1


def test_the_score_of_a_cut_population_without_a_family_says_so(tmp_path, monkeypatch,
                                                                 load_benchmark, capsys):
    """Stop 57: a population cut early (here one backdoored model) has no family with >= 2
    backdoored; the score says so instead of stopping on min() of nothing."""
    monkeypatch.syspath_prepend(str(BENCH))
    fzd = load_benchmark("foreign_zoo_detect")
    zoo, out = _zoo(tmp_path), tmp_path / "d.jsonl"
    _detections(out, {"relu_mlp-00": 0.1, "relu_mlp-01": 0.7, "relu_mlp-02": 0.2}, {})
    r = fzd.score(zoo, out)
    assert r["worst"] == dict.fromkeys(("auc_family", "roc_auc", "ce_family", "cross_entropy"))
    fzd.print_score(r)
    assert "none: no such family" in capsys.readouterr().out


def test_run_calls_detect_once_per_model_and_resumes(tmp_path, monkeypatch, load_benchmark):
    """Each model is run once through the given command with the zoo's clean data; a rerun
    skips the models already written."""
    monkeypatch.syspath_prepend(str(BENCH))
    fzd = load_benchmark("foreign_zoo_detect")
    zoo, out = _zoo(tmp_path), tmp_path / "d.jsonl"
    calls = tmp_path / "calls"
    fake = tmp_path / "trojanscope"
    fake.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"open({str(calls)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
        "print(json.dumps({'probability': 0.75, 'verdict': 'backdoored', "
        "'suspected_target': 4, 'features': {'frame_share_gap': 0.1, 'other': 1}}))\n"
        "sys.exit(1)\n"
    )
    fake.chmod(0o755)
    _detections(out, {"relu_mlp-00": 0.1}, {})
    fzd.run(zoo, out, str(fake), ["-p", "frame=false"])
    lines = calls.read_text().splitlines()
    assert len(lines) == 4 and "relu_mlp-00" not in calls.read_text()
    assert lines[0] == (
        f"detect {zoo}/relu_mlp-01.pt --data {zoo}/clean.npz --format json -p frame=false"
    )
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows[1]["probability"] == 0.75 and rows[1]["exit"] == 1
    assert rows[1]["features"] == {"frame_share_gap": 0.1} and rows[1]["target"] == 3
    fzd.run(zoo, out, str(fake), [])
    assert len(calls.read_text().splitlines()) == 4


def test_a_folder_that_is_not_a_foreign_zoo_is_one_error_line(tmp_path):
    proc = run_script("foreign_zoo_detect.py", str(tmp_path), "--out", str(tmp_path / "d.jsonl"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: {tmp_path} is not a foreign_zoo.py folder (no truth.json or clean.npz)"
    ]
    assert not (tmp_path / "d.jsonl").exists()


class _Net(nn.Module):
    def __init__(self, body: nn.Module) -> None:
        super().__init__()
        self.body = body

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


# benchmark machinery (stop 60): a script of benchmarks/ or its stored readings, not the product
@pytest.mark.slow
def test_kind_conv_reads_only_the_models_with_a_convolution(tmp_path, monkeypatch, load_benchmark):
    """``--kind conv`` keeps the CNN and skips the MLP (``--kind dense`` the other way)."""
    monkeypatch.syspath_prepend(str(BENCH))
    draws = load_benchmark("raise_gap_draws")
    zoo = _zoo(tmp_path)
    truth = json.loads((zoo / "truth.json").read_text())
    cnn = {**truth["models"][0], "name": "relu_cnn-00", "arch_family": "relu_cnn"}
    truth["models"] = [truth["models"][0], cnn]
    (zoo / "truth.json").write_text(json.dumps(truth))
    torch.manual_seed(0)
    nets = {
        "relu_mlp-00": _Net(nn.Sequential(nn.Flatten(), nn.Linear(784, 10))),
        "relu_cnn-00": _Net(
            nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 26 * 26, 10))
        ),
    }
    for name, net in nets.items():
        torch.jit.trace(net.eval(), torch.rand(2, 1, 28, 28)).save(str(zoo / f"{name}.pt"))
    for kind in ("conv", "dense"):
        out = tmp_path / f"{kind}.jsonl"
        monkeypatch.setattr(
            sys,
            "argv",
            [
                "raise_gap_draws.py",
                str(zoo),
                "--probe",
                "frame",
                "--kind",
                kind,
                "--models",
                "all",
                "--first",
                "0",
                "--draws",
                "1",
                "--out",
                str(out),
            ],
        )
        draws.main()
        names = [json.loads(x)["name"] for x in out.read_text().splitlines()]
        assert names == (["relu_cnn-00"] if kind == "conv" else ["relu_mlp-00"])


def test_the_cnn_frame_check_reads_groups_and_the_term_it_would_add(
    tmp_path, monkeypatch, load_benchmark, capsys
):
    """Draw-0 ranges per group, the frame-vs-clean ROC-AUC and the models the shipped frame
    term would take across 0.5 if it read CNNs."""
    monkeypatch.syspath_prepend(str(BENCH))
    import generalise_lofo

    check = load_benchmark("frame_cnn_check")
    draws = tmp_path / "d.jsonl"
    lines = [
        ("c0", False, None, 0, 0.10),
        ("c0", False, None, 1, 0.50),
        ("f1", True, "frame", 0, 0.60),
        ("s2", True, "sparse", 0, 0.05),
        ("x3", True, "frame", 1, 0.90),
    ]  # x3: no draw 0, left out
    draws.write_text(
        "".join(
            json.dumps(
                {
                    "zoo": "zoo-a",
                    "name": n,
                    "backdoored": b,
                    "attack": a,
                    "probe": "frame",
                    "seed": s,
                    "gap": g,
                    "cpu_s": 0.2,
                }
            )
            + "\n"
            for n, b, a, s, g in lines
        )
    )
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps([{"zoo": "/x/zoo-a", "name": n} for n in ("c0", "f1", "s2")]))
    monkeypatch.setattr(
        generalise_lofo, "predict", lambda train, test, name: np.array([0.2, 0.3, 0.9])
    )
    monkeypatch.setattr(
        sys, "argv", ["frame_cnn_check.py", "--draws", str(draws), "--rows", str(rows)]
    )
    check.main()
    out = capsys.readouterr().out
    assert "3 models with a convolution and a frame draw 0 (2 backdoored)" in out
    assert "| clean | 1 | 0.100–0.100 | 0.100–0.500 |" in out
    assert "| trigger: frame | 1 | 0.600–0.600 | 0.600–0.600 |" in out
    assert "frame-triggered against clean: 1.000" in out
    assert "crosses 0.5: zoo-a/f1 0.300 -> " in out and "zoo-a/c0" not in out.split("crosses")[-1]


def test_the_per_model_table_names_each_model_beside_its_truth(
    tmp_path, monkeypatch, load_benchmark, capsys
):
    """Stop 43: ``--score --per-model`` prints one line per model; a backdoored model is right
    only when flagged with its true target, a clean one only when not flagged."""
    monkeypatch.syspath_prepend(str(BENCH))
    fzd = load_benchmark("foreign_zoo_detect")
    zoo, out = _zoo(tmp_path), tmp_path / "d.jsonl"
    probs = {
        "relu_mlp-00": 0.1,
        "relu_mlp-01": 0.9,
        "relu_mlp-02": 0.6,
        "relu_mlp-03": 0.9,
        "relu_mlp-04": 0.2,
    }
    _detections(out, probs, {"relu_mlp-01": 3, "relu_mlp-03": 2, "relu_mlp-04": 1})
    rows = {r["name"]: r for r in fzd.score(zoo, out)["model_rows"]}
    assert rows["relu_mlp-01"]["attack"] == "frame" and rows["relu_mlp-01"]["target"] == 3
    assert rows["relu_mlp-00"]["target"] is None and rows["relu_mlp-00"]["traits"] == []
    fzd.print_model_rows(list(rows.values()))
    lines = {ln.split(" | ")[0][2:]: ln for ln in capsys.readouterr().out.splitlines()[2:]}
    assert lines["relu_mlp-00"].endswith("| yes |")  # clean, not flagged
    assert lines["relu_mlp-01"].endswith("| yes |") and "frame → 3" in lines["relu_mlp-01"]
    assert lines["relu_mlp-02"].endswith("| **no** |")  # clean, flagged
    assert lines["relu_mlp-03"].endswith("| **no** |")  # flagged, wrong target
    assert lines["relu_mlp-04"].endswith("| **no** |")  # right target, not flagged
