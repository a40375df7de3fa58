"""One check shared by `gated`'s option tests: the CLI refuses a bad ``-p`` value in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trojanscope.cli.main import run
from trojanscope.experiment import save_experiment


def refuses_in_one_line(clean_run, tmp_path: Path, capsys, param: str) -> None:
    """``trojanscope mitigate RUN --method gated -p PARAM``: exit 2, one ``error:`` line that
    names the option, and no output folder."""
    folder = tmp_path / "run"
    save_experiment(clean_run, folder)
    rng = np.random.default_rng(0)
    inputs = tmp_path / "inputs.npz"
    np.savez(inputs, x=rng.random((40, 1, 16, 16), dtype=np.float32), y=np.arange(40) % 4)
    out = tmp_path / "o"
    code = run(["mitigate", str(folder), "--data", str(inputs), "--method", "gated",
                "--method-param", param, "--out", str(out)])
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    name = param.split("=")[0]
    assert code == 2 and len(err) == 1 and err[0].startswith("error: ") and name in err[0]
    assert not out.exists()
