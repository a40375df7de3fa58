"""``detect`` on a WordPiece TextCNN's run folder and on its exports (review of issue 15 stop
46): the run folder's verdict carries the subword note; the TorchScript and ONNX files are
refused (exit 2, one line), so no verdict goes out without the note.

    PYTHONPATH=src python benchmarks/textcnn_wordpiece_exports.py
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile

import torch

from trojanscope.cli.main import run
from trojanscope.detect.text_inversion import SUBWORD_NOTE
from trojanscope.engine import Trainer
from trojanscope.experiment import run_experiment, save_experiment


def main() -> None:
    torch.set_num_threads(1)
    res = run_experiment("synthetic-text", arch="textcnn",
                         arch_params={"max_len": 16, "tokenizer": "wordpiece", "embed_dim": 16,
                                      "filters": 16}, trainer=Trainer(epochs=1), seed=0)
    folder = tempfile.mkdtemp()
    save_experiment(res, f"{folder}/run")
    for name in ("run", "run/model.torchscript.pt", "run/model.onnx"):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(["detect", f"{folder}/{name}", "--data", "synthetic-text", "--format",
                        "json"])
        if code == 2:
            print(name, "exit", code, err.getvalue().strip().splitlines()[-1:])
            continue
        verdict = json.loads(out.getvalue())
        print(name, "exit", code, verdict["verdict"], "calibrated", verdict["calibrated"],
              "subword note", SUBWORD_NOTE in verdict["coverage_notes"])


if __name__ == "__main__":
    main()
