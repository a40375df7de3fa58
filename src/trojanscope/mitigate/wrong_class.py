"""The note where a mitigation treated one class and the ASR it left counts another.

Why (issue 12, stop 77 hwc; hcmd's first contact, "Named, not mended" (1)): ``mitigate
runs/my-data --data clean.npz`` on a user's weak MLP run planted at class 0 printed
``gated decided: detector=auto p=1.000 …, suspect=6`` and "the backdoor is still there: ASR
42.22% before, 22.22% after", with no word that the class it treated was not the class the
ASR counts. ``gated`` runs the same detector reading as ``detect`` (``calibrate`` on the
shipped file), but on the method's share of the clean data only (100 of the 200 images): there
the few-pixel probe's pointer at class 0 lifted 1.57 logits, under the naming floor (1.95), so
MM-BD's top class (6) stood; ``detect`` on all 200 images read class 0. Which class the
detector names is a detection default (it moves only by a rule); this note makes the output
honest where it happened: it names both classes, where the ASR's class stood in the
detector's ranking, and the levers a user has (``detect`` on all the data; a smaller
``--holdout``, which gives the method more of it; ``gated``'s ``suspect=C``, which treats the
class the ASR counts).
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

__all__ = ["other_class_words"]


def other_class_words(method: str, decided: dict[str, Any] | None, target: Tensor, source: str,
                      ranked: list[int] | None, fit: int | None,
                      clean: int | None) -> str | None:
    """The note where ``decided["suspect"]`` (the class ``method`` treated) is not the one
    class every triggered input of ``target`` is aimed at (``source`` says whose target);
    None where no suspect was recorded, the targets are not one class (all-to-all) or they
    are the suspect. ``ranked``: the detector's classes, most suspicious first (where the
    ASR's class stood); ``fit`` and ``clean``: the method's share and all the clean samples
    (``fit`` None: a data-free method, no share said)."""
    suspect = (decided or {}).get("suspect")
    if not isinstance(suspect, int) or isinstance(suspect, bool) or target.numel() == 0:
        return None
    aimed = target.unique()
    if aimed.numel() != 1 or int(aimed[0]) == suspect:
        return None
    aimed_class = int(aimed[0])
    ranked = list(ranked or [])
    stood = (f"class {aimed_class} was its {_ordinal(ranked.index(aimed_class) + 1)}"
             if aimed_class in ranked[1:] else
             f"class {aimed_class} was not among its suspects")
    counts = f"the ASR above counts class {aimed_class} (the target of {source})"
    if "suspect_given" in decided:  # gated's suspect=C: the user chose the class
        return f"{method} treated class {suspect} (asked for: suspect={suspect}), but {counts}"
    share = (f"the {fit} clean samples it was given" if fit is not None else "the model alone")
    words = (f"{method} treated class {suspect}, its detector's first class on {share} "
             f"({stood}), but {counts}: the class it treated may be the wrong one")
    if fit is not None and clean is not None and clean > fit:
        words += (f"; `trojanscope detect` reads the model on all {clean} clean samples, and "
                  "a smaller --holdout gives the method more of them")
    if method == "gated":
        words += f"; --method-param suspect={aimed_class} treats class {aimed_class}"
    return words


def _ordinal(n: int) -> str:
    """2 -> "second"; past ten, "11th", "21st", "22nd", "23rd" (the stop-77 read-through, hrev:
    "21th" on a model of more than twenty classes)."""
    names = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth")
    if n <= len(names):
        return names[n - 1]
    last = n % 10 if n % 100 not in (11, 12, 13) else 0
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(last, "th")
    return f"{n}{suffix}"
