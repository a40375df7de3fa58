"""Say when a BACKDOORED verdict rests on MM-BD's margin statistics alone (issue 9, stop 72).

``auto``'s probability is MM-BD's calibrated reading of the per-class margins, corrected by
terms that read the same margins (lower, excess, centre, twins, named check), plus raise terms
fed by input-space probes (empty pixels, a few pixels, the outer ring; the unknown word on text
models). Where no raise term lifted the probability, the flag came from the margins alone —
and a briefly trained clean ReLU CNN can read that way (stop 71 h9u: 4 of 12 clean two-epoch
models flagged, none of 16 backdoored ones of that maker flagged without a probe's raise) —
and so can a backdoor the probes do not reach (stored WaNet, SIG and GAP-head runs: stop 72
hnote's counts in docs/benchmarks.md). The note says so in plain words; it reads only the
verdict's recorded features and changes no probability, class, rating or exit code.

Without clean data (``--data-free``) no probe runs, so every BACKDOORED verdict is MM-BD's
margins alone; the note then says which reading carried it (the named class's largest margin
against the median class's) and that data-free readings of models made by other code are less
sure (issue 9, stop 74 h9d: the first-contact makers' clean CNNs and MLPs were flagged
data-free far more often than with clean data; figures in docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Mapping

# what each input-space probe is called in the note, keyed by the gap feature it records
# (``calibration.RAISE_EVIDENCE``'s gap features)
PROBES = {
    "empty_share_gap": "the empty-pixel probe",
    "pixel_share_gap": "the few-pixel probe",
    "frame_share_gap": "the outer-ring probe",
    "tu_flip_1": "the unknown-word probe",
}
MARGIN_FEATURE = "mmbd_ratio"  # present when MM-BD's margin statistics were read


def margin_only(features: Mapping[str, float], verdict: str) -> bool:
    """Whether a ``backdoored`` verdict rests on MM-BD's margin statistics alone: MM-BD's
    features were read, at least one input-space probe ran (its gap is recorded), and no
    raise term lifted the probability (no ``raise_logit``). ``verdict`` is the verdict's word
    (``ModelVerdict.verdict``): a ``review`` flag already says it is not calibrated."""
    return (verdict == "backdoored" and MARGIN_FEATURE in features
            and "raise_logit" not in features and any(g in features for g in PROBES))


def margin_only_note(features: Mapping[str, float], verdict: str,
                     target: int | None, data_free: bool = False) -> str | None:
    """The sentence a user reads where :func:`margin_only` holds (None elsewhere), naming the
    probes that ran and the class the verdict names (``target``); for a data-free
    ``backdoored`` verdict, :func:`data_free_note`."""
    if data_free:
        return data_free_note(features, verdict, target)
    if not margin_only(features, verdict):
        return None
    ran = [name for gap, name in PROBES.items() if gap in features]
    which = "the named class" if target is None else f"class {target}"
    return (f"flagged on MM-BD's margin statistics alone: none of the input-space probes "
            f"({', '.join(ran)}) sent the clean inputs to {which} often enough to raise the "
            "probability — a briefly trained clean model can read like this, and so can a "
            "backdoor whose trigger covers the whole image; check with more clean data or a "
            "second method (e.g. --method neural_cleanse)")


def data_free_note(features: Mapping[str, float], verdict: str,
                   target: int | None) -> str | None:
    """The sentence for a data-free ``backdoored`` verdict read from MM-BD's margins (None
    elsewhere): the reading that carried it and what would make it surer."""
    if verdict != "backdoored" or MARGIN_FEATURE not in features:
        return None
    which = "the named class" if target is None else f"class {target}"
    return (f"flagged data-free on MM-BD's margin statistics alone: {which}'s largest margin "
            f"is {float(features[MARGIN_FEATURE]):.2f} times the median class's, and no "
            "input-space probe ran without clean data. Data-free readings of models made by "
            "other code are less sure: a briefly trained clean CNN or MLP can read like this "
            "at a naturally wide class; give --data with clean images to run the probes, or "
            "check with a second method")
