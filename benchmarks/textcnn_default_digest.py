"""A default ``textcnn`` run and its ``detect`` verdict, for the ``src`` on PYTHONPATH: the
weights' digest, the metrics and text-inversion's probability, so two trees can be compared
(review of issue 15 stop 46: the opt-in ``tokenizer`` must leave the default untouched).

    git archive a875fb53 src | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old/src python benchmarks/textcnn_default_digest.py a875fb53
    PYTHONPATH=src python benchmarks/textcnn_default_digest.py main
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sys
import tempfile

import torch

from trojanscope import registry
from trojanscope.cli.main import run
from trojanscope.engine import Trainer
from trojanscope.experiment import run_experiment, save_experiment


def main() -> None:
    torch.set_num_threads(1)
    attack = registry.create("attack", "badnl", target=1, seed=3)
    res = run_experiment("synthetic-text", attack=attack, arch="textcnn",
                         arch_params={"max_len": 24}, trainer=Trainer(epochs=2), seed=3)
    digest = hashlib.sha256()
    for name, value in res.model.state_dict().items():
        digest.update(name.encode())
        digest.update(value.numpy().tobytes())
    folder = tempfile.mkdtemp() + "/run"
    save_experiment(res, folder)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = run(["detect", folder, "--data", "synthetic-text", "--format", "json"])
    verdict = json.loads(out.getvalue())
    print(json.dumps({"src": sys.argv[1] if len(sys.argv) > 1 else "",
                      "weights_sha256": digest.hexdigest()[:16], "metrics": res.metrics,
                      "args": res.manifest.arch.args, "exit": code,
                      "probability": verdict["probability"], "verdict": verdict["verdict"],
                      "target": verdict.get("suspected_target"),
                      "notes": verdict.get("coverage_notes")}))


if __name__ == "__main__":
    main()
