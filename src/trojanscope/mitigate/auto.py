"""Which method ``--method auto`` runs: the best measured for each kind of model
(docs/benchmarks.md, "Mitigation (issue 12)" and "Mitigation of models we did not make").

- a trojanscope run folder (our training recipe): ``gated``: the calibrated detector first, a
  model it rates below 0.2 returned unchanged, the others FT-SAM with distillation towards the
  original model's clean outputs (FT-SAM's default), which met the goal on the most backdoored
  models of our own MNIST zoos; the gate keeps most clean models whole, which no training did
  (docs/benchmarks.md, "Gated mitigation"); its second stage (``unlearn=1``: unlearning the
  detector's reversed trigger and a striped universal perturbation) removed more on a fresh zoo
  but cost a flagged clean model 5.8 points, so it is an option, not the default
  (docs/benchmarks.md, "Recovered-trigger unlearning");
- a model we did not make (TorchScript, ONNX: another recipe, other architectures): adaptive
  unlearning, whose settings come from the model and its data (FT-SAM's constants left a median
  79% ASR there);
- no clean data: CLP.
"""

from __future__ import annotations

AUTO_WITH_DATA = "gated"
AUTO_TREATMENT = "ftsam"  # what ``gated`` runs on a flagged model
AUTO_FOREIGN = "adaptive"
AUTO_DATA_FREE = "clp"

# What each default achieved, for the audit's recommendation (docs/benchmarks.md).
MEASURED = {
    AUTO_TREATMENT: ("it removed Blended and WaNet backdoors on our zoos, not patch or SIG ones, "
                     "and costs clean models 1-2 points."),
    AUTO_FOREIGN: ("on foreign MNIST models it left a median 25% ASR (noise-blend backdoors "
                   "removed, patch-like ones often not) and returned clean models the "
                   "detectors passed unchanged."),
}


def resolve(method: str, data_free: bool, foreign: bool = False, flagged: bool = False) -> str:
    """The concrete method name for ``method`` (``auto`` or a registered name); ``foreign``:
    the model is not a trojanscope run folder; ``flagged``: a detector already rated it
    backdoored (the audit), so the gate's question is answered and the treatment runs."""
    if method != "auto":
        return method
    if data_free:
        return AUTO_DATA_FREE
    if foreign:
        return AUTO_FOREIGN
    return AUTO_TREATMENT if flagged else AUTO_WITH_DATA
