"""Read the records ``mitigate`` wrote (issue 12 stop 78, hmit): what ``gated``'s second stage
and its CA guard read on each draw of a user's clean images, against the ASR measured after.

Each argument is a ``manifest.json`` (or the ``mitigation`` object saved from one, or
``mitigate --format json``'s output). Prints one Markdown row per record: the ASR before and
after on the attack's own trigger, the reversed trigger of the suspect class before and after
(what the method can see of its own work), the second stage's rounds, how it ended and its
proxy ASR per round, and how coarse its CA guard is on the method's share of the images.
Nothing is trained or loaded: it reads JSON.

    python benchmarks/mitigate_residue_s78_hmit.py benchmarks/data/mitigate_s78_hmit/*.json
"""

from __future__ import annotations

import argparse
import inspect
import json
from pathlib import Path
from typing import Any


def guard_grain(method_samples: int) -> tuple[int, int, float, float]:
    """(images the guard reads, readings with their one-pixel shifts, one reading in points,
    the budget in readings) for ``method_samples`` images given to the method: the second
    stage holds back ``UNLEARN``'s ``val_fraction`` and allows ``Adaptive``'s ``ca_budget``."""
    from trojanscope.mitigate.adaptive import Adaptive
    from trojanscope.mitigate.gated_defaults import UNLEARN

    share = float(UNLEARN["val_fraction"])
    budget = float(inspect.signature(Adaptive).parameters["ca_budget"].default)
    images = round(method_samples * share)
    readings = images * 5  # the images and four one-pixel shifts (guard.shifted)
    return images, readings, 100.0 / readings, budget * readings


def record_of(path: Path) -> dict[str, Any]:
    """The ``mitigation`` object in ``path`` (a manifest, the object itself, or CLI JSON)."""
    raw = json.loads(path.read_text())
    return raw.get("mitigation", raw)


def row(name: str, m: dict[str, Any]) -> str:
    """One Markdown row for record ``m``."""
    d = m.get("decided", {})
    u = d.get("unlearn", {})
    suspect = d.get("suspect")
    flip = d.get("check", {}).get("triggers", {}).get(str(suspect), [None, None])
    images, readings, point, budget = guard_grain(int(m["clean_samples"]))
    pct = "{:.2%}".format
    return (f"| {name} | {m['data_digest'][:12]} | {pct(m['before']['ca'])} → "
            f"{pct(m['after']['ca'])} | {pct(m['before']['asr'])} → **{pct(m['after']['asr'])}**"
            f" | {flip[0]} → {flip[1]} | {u.get('rounds')} ({u.get('action')}) | "
            f"{u.get('proxy_asr')} | {images} images, {readings} readings, "
            f"{point:.2f} points each, budget {budget:.1f} readings |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", nargs="+", type=Path)
    args = parser.parse_args(argv)
    print("| record | clean data | CA | ASR (attack's trigger) | reversed trigger, suspect |"
          " second stage rounds | proxy ASR per round | CA guard |")
    print("|---|---|---|---|---|---|---|---|")
    for path in args.records:
        print(row(path.stem, record_of(path)))


if __name__ == "__main__":
    main()
