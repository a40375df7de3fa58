"""The audit's Steps table says where the excess term or the data-free mask gate lowered the
detection's probability (stop 77 first contact: ``audit torch-clean.onnx --data-free`` read
PASS, LOW at 0.01 with the notes cell "auto, data-free, as asked"; MM-BD's 0.897 and the two
lowerings were in audit.json alone; a GAP head's blend-sink lowering 0.990 -> 0.269 likewise).
Rating and findings are unchanged."""

from __future__ import annotations

from trojanscope.report.audit_summary import step_status

EXCESS = ("probability lowered from 0.897 to 0.586 by the calibration's excess term: MM-BD's "
          "top class 7 is one clean models of this kind lean to, so …")
MASK = ("probability lowered from 0.586 to 0.009 by the data-free mask gate: a mask search on "
        "MM-BD's own maximising inputs reaches class 7 no faster than …")


def step(**details: object) -> dict:
    return {"name": "detect", "status": "ok", "reason": "",
            "details": {"method": "auto", "data": "data-free, as asked", **details}}


def test_the_notes_cell_names_each_lowering_up_to_its_colon() -> None:
    _, _, note = step_status(step(lowered_excess=EXCESS, lowered_mask=MASK))
    assert note == ("auto, data-free, as asked; probability lowered from 0.897 to 0.586 by "
                    "the calibration's excess term; probability lowered from 0.586 to 0.009 "
                    "by the data-free mask gate")


def test_a_step_nothing_lowered_reads_as_before() -> None:
    assert step_status(step())[2] == "auto, data-free, as asked"
    assert step_status(step(lowered_mask=MASK))[2].endswith("by the data-free mask gate")


def test_a_term_note_that_lowered_is_named_too() -> None:
    sink = ("probability lowered from 0.990 to 0.269 by the calibration's blend-sink term: the "
            "blends reach class 0, …")
    named = "class 0 named first: a whole-image pattern blended at opacity 0.1 sends …"
    _, _, note = step_status(step(term_notes=[named, sink]))
    assert note == ("auto, data-free, as asked; probability lowered from 0.990 to 0.269 by the "
                    "calibration's blend-sink term")


def test_the_lower_terms_lowering_is_named_too() -> None:
    """``auto:lower:dense`` (shipped) lowers a data-free MLP's probability and the audit keeps
    its note as ``lowered``; the Steps table left it out (stop 77 read-through, hrev)."""
    dense = ("probability lowered by 2.10 logits (MM-BD found nothing significant on a model "
             "without a convolution; the calibration's lower term)")
    _, _, note = step_status(step(lowered=dense, lowered_excess=EXCESS))
    assert note == (f"auto, data-free, as asked; {dense}; probability lowered from 0.897 to "
                    "0.586 by the calibration's excess term")
