"""``detect-inputs``: a note where the flags are no more than the chosen false-positive rate lets
through on that many clean inputs by chance (stop 76's first contact: 1 flag of 50 clean inputs
at FPR 1% exited 1 with ``"notes": []``, no word that a flag in 50 is what the rate allows)."""

from __future__ import annotations

# A count of flags is "that few" when a batch of clean inputs alone reaches it at least this
# often (1 of 50 at 1%: 39% of clean batches; 2 of 50: 9%; 3 of 50: 1.4%, no note)
CHANCE_TAIL = 0.05


def chance_rate(fpr: float, n_calibration: int) -> float:
    """The rate at which the guard flags a new clean input: ``fpr``, or about ``1/(n+1)`` where
    the ``n`` clean scores are too few for the conformal rank to reach it (fewer than
    ``1/fpr - 1``: the largest is the threshold, docs/detect-inputs.md)."""
    return max(fpr, 1.0 / (n_calibration + 1)) if n_calibration > 0 else fpr


def chance_note(flagged: int, inputs: int, fpr: float, n_calibration: int) -> str | None:
    """The note for ``flagged`` of ``inputs`` flagged by a guard fitted at ``fpr`` on
    ``n_calibration`` clean scores, or None where nothing is flagged or chance reaches that
    many flags in under :data:`CHANCE_TAIL` of clean batches."""
    if flagged <= 0 or inputs <= 0:
        return None
    from scipy.stats import binom

    rate = chance_rate(fpr, n_calibration)
    tail = float(binom.sf(flagged - 1, inputs, rate))  # P(at least `flagged` of clean inputs)
    if tail < CHANCE_TAIL:
        return None
    some = "1 flag" if flagged == 1 else f"{flagged} flags"
    how = (f"FPR {fpr:.1%}" if rate <= fpr else
           f"the guard's rate of about {rate:.1%} (FPR {fpr:.1%} asked; {n_calibration} clean "
           "inputs are too few to reach it)")
    return (f"{some} of {inputs} inputs: as many as {how} lets through on {inputs} clean inputs "
            f"by chance ({rate * inputs:.2g} expected; {flagged} or more in {tail:.0%} of clean "
            "batches); look at the flagged input(s), but they are no evidence of a trigger by "
            "themselves (exit 1 still means some input was flagged)")
