"""Issue 12, stop 70 (h12; stored rows only, nothing read or trained): today's default `gated`
on the models whose rows under it are already stored, in ``mitigate_misses_s70_read.py``'s line
format, so the pooled misses are read again without rebuilding what is stored.

- Zoos 2465 and 2467-2472 (stop 66's 70 development models): stop 67's rows
  (``mitigate_s67/dev-read-rows.jsonl``): ``today`` is the output before ``blend_last`` (the
  default of stops 65-67), ``cap10`` the same output after ``blend_last``'s fit (the same
  computation: stop 68's ``check_blend_last.py`` read them to the image). Today's default is
  ``cap10`` where ``mixed_last`` fitted (stop 65/66's kept notes, ``mitigate_s67/dev_gate.py``)
  and today's gate opens (the input model's rise from ``RISE_LOW`` to ``RISE_HIGH`` at least
  ``RISE_BAR``, stop 69's ``gate-rows.jsonl``), ``today`` elsewhere.
- Zoos 2477/2478: stop 68's fresh rows under ``gated:blend_last=10`` (today's default: the two
  gates agreed on every model of both zoos, stop 69).
- Zoos 2479/2487: stop 69's fresh rows (``gated``; the two gates agreed on every model).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_misses_s70_stored.py OUT.jsonl KEEP_DIR...

``KEEP_DIR``: stop 65/66's development folders with ``keep.jsonl`` (which outputs ``mixed_last``
fitted), as stop 68's tables read them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from _common import read_jsonl, run_main
from trojanscope.mitigate.blend_last import RISE_BAR, RISE_HIGH, RISE_LOW

DATA = Path(__file__).resolve().parent / "data"
sys.path.insert(0, str(DATA / "mitigate_s67"))


def dev_rows(keep_dirs: list[str]) -> list[dict]:
    """Stop 67's development rows as today's default gives them (see the module's docstring)."""
    from dev_gate import fitted_models  # stop 67's reader of stop 65/66's kept notes

    fitted = fitted_models(keep_dirs)
    gate = {r["model"]: r["reach"] for r in read_jsonl(DATA / "mitigate_s69/gate-rows.jsonl")}
    out = []
    for r in read_jsonl(DATA / "mitigate_s67/dev-read-rows.jsonl"):
        reach = gate.get(r["model"])
        opens = (r["model"] in fitted and reach is not None
                 and reach[str(RISE_HIGH)] - reach[str(RISE_LOW)] >= RISE_BAR - 1e-9)
        after = r["cap10"] if opens else r["today"]
        out.append({"model": r["model"], "attack": r["attack"], "backdoored": True,
                    "ca_before": r["came"]["ca"], "asr_before": r["came"]["asr"],
                    "ca_after": after["ca"], "asr_after": after["asr"], "wall_s": None,
                    "cpu_s": None, "source": "mitigate_s67/dev-read-rows.jsonl "
                                          + ("cap10 (blend_last fitted)" if opens else "today")})
    return out


def fresh_rows(path: Path, zoo: str, key: str) -> list[dict]:
    """A stop's fresh rows under ``key`` (today's default on that zoo)."""
    rows = json.loads(path.read_text())[key]["rows"]
    return [{"model": f"{zoo}/{r['name']}", "attack": r["attack"],
             "backdoored": r["backdoored"], "ca_before": r["ca_before"],
             "asr_before": r["asr_before"], "ca_after": r["ca_after"],
             "asr_after": r["asr_after"], "wall_s": r["elapsed_s"], "cpu_s": r.get("cpu_s"),
             "source": f"{path.parent.name}/{path.name} {key}"} for r in rows]


def main() -> None:
    if len(sys.argv) < 3:
        raise ValueError("usage: mitigate_misses_s70_stored.py OUT.jsonl KEEP_DIR...")
    rows = dev_rows(sys.argv[2:])
    for zoo in ("2477", "2478"):
        rows += fresh_rows(DATA / f"mitigate_s68/fresh-{zoo}.json", zoo, "gated:blend_last=10")
    for zoo in ("2479", "2487"):
        rows += fresh_rows(DATA / f"mitigate_s69/fresh-{zoo}.json", zoo, "gated")
    Path(sys.argv[1]).write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"{len(rows)} stored rows under today's default")


if __name__ == "__main__":
    run_main(main)
