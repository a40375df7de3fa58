"""Stop 76 (hcmd): `knn-filter`'s default k=20 dropped 122 of a user's 160 clean images (seed
226; 104-131 on the spent first-contact files of stops 71-75) and the console said only the
count. Where over half the set is flagged, its line now says why (the smallest class cannot
fill the neighbours) and that a smaller k flags fewer."""

from __future__ import annotations

import numpy as np

from trojanscope.cli.main import run
from trojanscope.defences import create_defence


def test_over_half_flagged_says_why_and_names_a_smaller_k() -> None:
    knn = create_defence("knn-filter")
    most = knn.said({"drop": 122, "smallest_class": 11}, 160)
    assert most.startswith("122 of 160 training samples dropped: fewer than 50% of their 20 ")
    assert "over half the set: with 11 samples in its smallest class" in most
    assert most.endswith("a smaller k flags fewer clean samples and less poison "
                         "(--defence-param k=5)")
    few = knn.said({"drop": 7, "smallest_class": 11}, 160)
    assert few == ("7 of 160 training samples dropped: fewer than 50% of their 20 nearest "
                   "neighbours share their label")  # a minority flagged: as before
    half = knn.said({"drop": 80}, 160)  # exactly half, no class count: as before
    assert "over half" not in half


def test_a_small_set_run_says_it_in_the_console(tmp_path, capsys) -> None:
    rng = np.random.default_rng(0)
    # class 0: 24 near-copies of one image (kept); classes 1-4: 8 random images each (dropped)
    x0 = np.clip(rng.random((1, 1, 8, 8)) + rng.normal(0, 0.02, (24, 1, 8, 8)), 0, 1)
    x = np.concatenate([x0, rng.random((32, 1, 8, 8))]).astype(np.float32)
    y = np.concatenate([np.zeros(24), np.repeat(np.arange(1, 5), 8)]).astype(np.int64)
    path = tmp_path / "small.npz"
    np.savez(path, x=x, y=y)
    capsys.readouterr()
    code = run(["train", "--dataset", str(path), "--arch", "mlp", "--epochs", "1",
                "--no-export", "--out", str(tmp_path / "run"), "--defence", "knn-filter"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 0, err
    assert "training samples dropped" in err, err
    assert "that is over half the set: with 6 samples in its smallest class" in err, err


def test_where_k_is_already_small_the_note_proposes_no_k() -> None:
    # stop 76 read-through (hrev): `--defence-param k=5` that flagged 85 of 96 was told to
    # give --defence-param k=5
    small = create_defence("knn-filter", k=5).said({"drop": 85, "smallest_class": 21}, 96)
    assert "over half the set" in small and "--defence-param" not in small
    assert small.endswith("k=5 is already at or under the 5 proposed for a small set, so on "
                          "this set the filter cannot tell poison from the classes' own spread")
    assert create_defence("knn-filter", k=10).said({"drop": 85}, 96).endswith(
        "(--defence-param k=5)")
