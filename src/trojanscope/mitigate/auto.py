"""Which method ``--method auto`` runs: the best measured for each kind of model
(docs/benchmarks.md, "Mitigation (issue 12)" and "Mitigation of models we did not make").

- a trojanscope run folder (our training recipe): FT-SAM with distillation towards the original
  model's clean outputs (its default), which met the goal on the most models of our own MNIST
  zoos (4 of 8 backdoored on the tuning zoo and on a fresh one; plain FT-SAM 4 and 2);
- a model we did not make (TorchScript, ONNX: another recipe, other architectures): adaptive
  unlearning, whose settings come from the model and its data (FT-SAM's constants left a median
  79% ASR there);
- no clean data: CLP.
"""

from __future__ import annotations

AUTO_WITH_DATA = "ftsam"
AUTO_FOREIGN = "adaptive"
AUTO_DATA_FREE = "clp"

# What each default achieved, for the audit's recommendation (docs/benchmarks.md).
MEASURED = {
    AUTO_WITH_DATA: ("it removed Blended and WaNet backdoors on our zoos, not patch or SIG ones, "
                     "and costs clean models 1-2 points."),
    AUTO_FOREIGN: ("on foreign MNIST models it left a median 25% ASR (noise-blend backdoors "
                   "removed, patch-like ones often not) and returned clean models the "
                   "detectors passed unchanged."),
}


def resolve(method: str, data_free: bool, foreign: bool = False) -> str:
    """The concrete method name for ``method`` (``auto`` or a registered name); ``foreign``:
    the model is not a trojanscope run folder."""
    if method != "auto":
        return method
    if data_free:
        return AUTO_DATA_FREE
    return AUTO_FOREIGN if foreign else AUTO_WITH_DATA
