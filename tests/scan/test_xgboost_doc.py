"""XGBoost's recursive JSON/UBJSON reader overflows the C stack on deeply nested documents (a
segmentation fault, stop 36): refused in Python before XGBoost reads them."""

from pathlib import Path

import numpy as np
import pytest

from trojanscope.cli.main import run
from trojanscope.scan import scan_file
from trojanscope.scan.xgboost_doc import xgboost_document_problem

DEEP_JSON = b'{"learner": ' + b"[" * 1_000_000 + b"]" * 1_000_000 + b"}"
DEEP_UBJ = b"{L" + (7).to_bytes(8, "big") + b"learner" + b"[" * 1_000_000 + b"]" * 1_000_000 + b"}"


@pytest.mark.parametrize(("name", "data"), [("deep.json", DEEP_JSON), ("deep.ubj", DEEP_UBJ)])
def test_deep_documents_are_refused_before_xgboost_reads_them(
    tmp_path: Path, name: str, data: bytes, capsys: pytest.CaptureFixture
) -> None:
    pytest.importorskip("xgboost")
    path = tmp_path / name
    path.write_bytes(data)
    assert "nested" in str(xgboost_document_problem(data))
    _, ctx = scan_file(path)
    # a file that would crash XGBoost's reader blocks like one that runs code (high, not medium)
    assert [(f.rule_id, f.severity.label) for f in ctx.findings] == [("TS340", "high")]
    # before the check, XGBoost crashed the process here (exit -11)
    assert run(["detect", str(path), "--data-free"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "TS340" in err[0] and "nested" in err[0], err


def test_ordinary_models_pass(tmp_path: Path) -> None:
    xgb = pytest.importorskip("xgboost")
    rng = np.random.default_rng(0)
    x = rng.random((100, 4))
    booster = xgb.train(
        {"objective": "multi:softprob", "num_class": 3, "nthread": 1},
        xgb.DMatrix(x, label=rng.integers(0, 3, 100)),
        5,
    )
    for name in ("m.json", "m.ubj"):
        booster.save_model(str(tmp_path / name))
        data = (tmp_path / name).read_bytes()
        assert xgboost_document_problem(data) is None
        assert "past the end" in str(xgboost_document_problem(data[: len(data) - 7])) or (
            xgboost_document_problem(data[: len(data) - 7]) is not None
        )
