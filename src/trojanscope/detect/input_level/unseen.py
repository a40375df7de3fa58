"""``detect-inputs --triggered``: one line where the method separates the triggered inputs from
clean ones no better than chance (stop 74's first contact: ``--method scale-up`` read ROC-AUC
0.4486 against ``runs/badnets``' trigger and no sentence said the method does not see it)."""

from __future__ import annotations

from trojanscope.detect.input_level.auto import AUTO, AUTO_TEXT

# At or below this ROC-AUC on the fired inputs (triggered inputs the backdoor gives the target
# class) the method is read as blind to the trigger: 0.5 is chance; 0.6 leaves room for the
# noise of a few hundred inputs (hcmd's scale-up read 0.4486 on 500 clean, 448 fired)
CHANCE_AUC = 0.6

# where the default itself is blind: the other methods of docs/detect-inputs.md's table that
# read the model's own behaviour on every input (image / text models)
OTHERS = {False: ("strip", "ensemble"), True: ("span-text",)}


def unseen_words(triggered: dict, *, text: bool) -> str | None:
    """The line for ``--triggered``'s figures (``evaluate_triggered``'s dict), or None where
    the fired inputs' ROC-AUC is above :data:`CHANCE_AUC` or was not measured."""
    auc = triggered.get("roc_auc")
    if auc is None or auc != auc or auc > CHANCE_AUC:
        return None
    method, default = triggered["method"], AUTO_TEXT if text else AUTO
    if method != default:
        other = f"try the default, --method auto ({default}), or another method"
    else:
        other = "try " + " or ".join(f"--method {m}" for m in OTHERS[text])
    return (f"{method} does not see this trigger: ROC-AUC {auc:.4f} on the fired inputs, no "
            f"better than chance (at or below {CHANCE_AUC}); {other} of docs/detect-inputs.md's "
            "table")
