"""Calibrators fitted on one kind of model only, and the verdict of a model of another kind.

``text-inversion``'s base and transformer-family calibrators were fitted on Kim TextCNNs alone
(``calibration.json``: ``fitted_on.models`` "textcnn on rt-polarity", coverage ReLU only), yet a
pretrained transformer (MiniLM, BERT, DistilBERT from a hub folder) is scored by the
transformer one. Its probability is kept, but it is not a calibrated probability: the verdict
reads ``review`` with ``"calibrated": false`` and a plain note (issue 15, stop 62: the MiniLM
verdicts said ``"calibrated": true`` and the audit rated 0.51 HIGH; stop 63 made them honest, as
the WordPiece TextCNN's already were).
"""

from __future__ import annotations

from trojanscope.detect.coverage import describe, uncovered_traits

# calibrator key -> the one kind of model it was fitted on (the words a note uses)
ONE_KIND = {
    "text-inversion": "Kim TextCNNs",
    "text-inversion:transformer": "Kim TextCNNs",
}


def one_kind_note(key: str, traits: list[str], covered: dict[str, int] | None,
                  n_models: object, begins: str) -> str | None:
    """The note saying why the probability is not calibrated (``begins`` first), when ``key``
    is a one-kind calibrator and the model has a trait fewer than ``MIN_COVERED`` of its
    models had; ``None`` otherwise (the probability stays calibrated)."""
    kind = ONE_KIND.get(key)
    if kind is None or covered is None:
        return None
    gaps = uncovered_traits(traits, covered)
    if not gaps:
        return None
    what = ", ".join(describe(t) for t in gaps)
    return (f"{begins} for this architecture: the {key!r} calibration holds {n_models} "
            f"{kind} only and no model with {what} (a transformer such as MiniLM or BERT is "
            "not calibrated): a screening hint to review, not evidence")
