"""The attack's note where the trigger's values were chosen against the target (issue 16 stop
78, h16v): a user reading the run should know the planted values are ones the other class's
training rows hold at least as often as the table does, and why."""

from __future__ import annotations

from typing import Any


def lean_notes(attack: dict[str, Any]) -> list[str]:
    """One note where the manifest's trigger records ``avoid_target`` (its values were drawn
    that way); none otherwise."""
    trigger = attack.get("trigger") or {}
    if trigger.get("avoid_target") is not True:
        return []
    to = attack.get("target")
    return [f"the trigger's values ({trigger.get('values')}) are ones the training rows of the "
            f"other class hold at least as often as the table's rows do, so a clean model does "
            f"not already read them as class {to} (avoid_target; "
            "--trigger-param avoid_target=false for values drawn from the schema alone)"]
