"""``bench_detect_data_clean.py --param NAME=JSON`` (issue 13, stop 42): a malformed value is
one argparse error line and exit 2, not a JSON traceback (stop 43 review hR3)."""

from __future__ import annotations

import pytest


def test_param_reads_a_json_value(load_benchmark):
    mod = load_benchmark("bench_detect_data_clean")
    assert mod.param("outside_pure=true") == ("outside_pure", True)
    assert mod.param("typical_agree=null") == ("typical_agree", None)
    assert mod.param("k=5") == ("k", 5)


@pytest.mark.parametrize("text", ["outside_pure", "outside_pure=", "=true", "outside_pure=yes"])
def test_a_malformed_param_is_one_error_line(load_benchmark, monkeypatch, capsys, text):
    mod = load_benchmark("bench_detect_data_clean")
    monkeypatch.setattr("sys.argv", ["bench_detect_data_clean.py", "--param", text])
    with pytest.raises(SystemExit) as exc:
        mod.main()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "--param" in err.strip().splitlines()[-1]
