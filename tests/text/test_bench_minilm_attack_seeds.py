"""The fresh-seed MiniLM attack runs and the char-trigger cut analysis
(``benchmarks/minilm_attack_seeds.py``, ``benchmarks/minilm_char_truncation.py``, issue 15
stop 45): no model is trained here."""

from __future__ import annotations

import pytest

from trojanscope.zoo import build_attack


def test_specs_build_the_planned_attacks(load_benchmark) -> None:
    mod = load_benchmark("minilm_attack_seeds")
    spec, seed, target = mod.parse_run("badnl-char:3110")
    char = build_attack(mod.entry_for(spec, seed, 40, target))
    start = build_attack(mod.entry_for("badnl-char-start", 3111, 40))
    r20 = build_attack(mod.entry_for("badnl-char-r20", 3110, 40))
    syn = build_attack(mod.entry_for("syntactic", 3111, 40))
    assert (char.level, char.poison_rate, char.trigger.position, char.target) == (
        "char", 0.1, "end", 0)
    assert (start.trigger.position, start.poison_rate, start.target) == ("start", 0.1, 1)
    assert r20.poison_rate == 0.2 and type(r20.trigger).__name__ == "CharTrigger"
    assert (syn.name, syn.poison_rate, type(syn.trigger).__name__) == ("syntactic", 0.2,
                                                                     "TemplateTrigger")
    r10 = build_attack(mod.entry_for("syntactic-r10", 3120, 40))
    assert (r10.name, r10.poison_rate, r10.target) == ("syntactic", 0.1, 0)
    assert type(r10.trigger).__name__ == "TemplateTrigger"
    clean = mod.entry_for("clean", 3110, 40)
    assert not clean.backdoored and clean.seed == 3110 and clean.arch_params == {"max_len": 40}
    with pytest.raises(SystemExit):
        mod.entry_for("badnl-typo", 3110, 40)
    with pytest.raises(SystemExit):
        mod.parse_run("badnl-char")
    # stop 46 (h15e): keep_prior at rate 0.2, the target given in the run
    spec, seed, target = mod.parse_run("syntactic-kp:3140:1")
    kp = build_attack(mod.entry_for(spec, seed, 40, target))
    assert (kp.name, kp.poison_rate, kp.keep_prior, kp.target) == ("syntactic", 0.2, True, 1)
    assert build_attack(mod.entry_for("syntactic", 3140, 40, 1)).keep_prior is False
    # stop 47 (h15a): keep_prior=copies at rate 0.2
    spec, seed, target = mod.parse_run("syntactic-kc:3150:1")
    kc = build_attack(mod.entry_for(spec, seed, 40, target))
    assert (kc.name, kc.poison_rate, kc.keep_prior, kc.target) == ("syntactic", 0.2, "copies", 1)
    for bad in ("syntactic-kp:3140:2", "syntactic-kp:3140:x"):
        with pytest.raises(SystemExit):
            mod.parse_run(bad)


def test_end_trigger_is_cut_and_start_trigger_survives(load_benchmark) -> None:
    pytest.importorskip("tokenizers")
    try:
        from trojanscope.models.minilm import default_model_dir

        folder = default_model_dir()
    except Exception:  # the weights package is an optional extra
        pytest.skip("no local MiniLM folder")
    mod = load_benchmark("minilm_char_truncation")
    long = " ".join(["good"] * 30) + " movie ."
    texts = [long.replace("movie", "moviezq"), "goodzq " + long, "a short moviezq ."]
    ids, survived = mod.encode_with_survival(folder, texts, "zq", 12)
    assert ids.shape == (3, 12)
    assert survived.tolist() == [False, True, True]


def _row(name: str, seed: int, ca: float, asr: float | None) -> dict:
    return {"name": f"{name}-{seed}", "seed": seed, "backdoored": asr is not None, "target": 1,
            "metrics": {"clean_accuracy": ca, "attack_success_rate": asr}}


def test_table_uses_same_seed_clean_and_reports_worst(load_benchmark) -> None:
    mod = load_benchmark("minilm_attack_seeds_table")
    rows = [_row("clean", 3110, 0.80, None), _row("badnl-char-start", 3110, 0.79, 0.99),
            _row("badnl-char-start", 3111, 0.77, 0.96), _row("syntactic", 3111, 0.70, 0.99)]
    out = mod.table(rows, 0.8025)
    start = out["specs"]["badnl-char-start"]
    assert [r["ref"] for r in out["runs"]] == ["same seed", "3100 mean", "3100 mean"]
    assert abs(start["mean_ca_drop"] - (1.0 + 3.25) / 2) < 1e-9
    assert start["worst_ca_drop"] == pytest.approx(3.25) and start["worst_asr"] == pytest.approx(96)
    assert start["met"] is False  # mean drop 2.125 > 2
    assert out["specs"]["syntactic"]["met"] is False


def test_prior_shift_counts_the_lean_towards_the_target(load_benchmark) -> None:
    import torch

    mod = load_benchmark("minilm_prior_shift")
    y = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
    clean = (torch.tensor([0, 0, 0, 1, 1, 1, 1, 0]), y, None)
    bad = (torch.tensor([1, 1, 0, 1, 1, 1, 1, 1]), y, 1)
    row = mod.shift(clean, bad, 7, "syntactic-kp")
    assert (row["ca_clean"], row["ca_bad"]) == (0.75, 0.625)
    assert (row["acc_non_target_clean"], row["acc_non_target_bad"]) == (0.75, 0.25)
    assert (row["acc_target_clean"], row["acc_target_bad"]) == (0.75, 1.0)
    assert (row["share_pred_target_clean"], row["share_pred_target_bad"]) == (0.5, 0.875)
    assert (row["lost"], row["lost_to_target"], row["gained"]) == (2, 2, 1)
    with pytest.raises(SystemExit):
        mod.shift(clean, (bad[0], 1 - y, 1), 7, "syntactic-kp")


def test_steps_control_matches_the_candidates_samples_seen(load_benchmark) -> None:
    """stop 47 (h15c): ``syntactic-st`` is the default attack trained for the steps that
    ``syntactic-kc`` takes at the zoo size: 60 steps of 64 on 1,600 sentences (2.4 epochs)
    see 3,840 samples, as 2 epochs of the candidate's 1,920 do."""
    import torch

    from trojanscope.data.dataset import TensorDataset
    from trojanscope.engine.train import Trainer

    torch.set_num_threads(1)
    mod = load_benchmark("minilm_attack_seeds")
    st = build_attack(mod.entry_for("syntactic-st", 3152, 40, 0))
    assert (st.name, st.poison_rate, st.keep_prior, st.target) == ("syntactic", 0.2, False, 0)
    base = Trainer(epochs=2, lr=1e-4)
    for spec in ("clean", "syntactic", "syntactic-kc"):
        assert mod.trainer_for(spec, base) is base
    ctl = mod.trainer_for("syntactic-st", base)
    assert (ctl.steps, ctl.epochs, ctl.lr, ctl.batch_size) == (60, 2, 1e-4, 64)
    assert base.steps is None

    def seen(trainer: Trainer, n: int) -> int:
        data = TensorDataset(torch.zeros(n, 2), torch.zeros(n, dtype=torch.long), ("a", "b"))
        return trainer.fit(torch.nn.Linear(2, 2), data).samples_seen

    assert seen(ctl, 1600) == seen(base, 1920) == 3840
    assert seen(base, 1600) == 3200
