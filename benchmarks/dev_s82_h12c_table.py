"""Print ``dev_s82_h12c_trace.py``'s rows (issue 12, stop 82: h12c), one block per run: the
detector, ``dense_teacher``'s reading, the first stage's and each round's CA change (points) and
ASR on the scoring split beside the method's own readings, each after-step's figures, and the
run's final figures; with ``--interp`` the output moved back towards the input model instead.
Diagnostic only::

    python benchmarks/dev_s82_h12c_table.py ROWS.jsonl ... [--interp]
"""

from __future__ import annotations

import json
from pathlib import Path

from _common import LineParser


def block(r: dict) -> list[str]:
    """One run's lines."""
    st, rep, b = r["stages"], r["report"], r["before"]["ca"]
    out = [f"== {r['name']} {rep.get('detector')} original accuracy "
           f"{(rep.get('dense_teacher') or {}).get('original_accuracy')} unlearn "
           f"{(rep.get('unlearn') or {}).get('action')} {(rep.get('unlearn') or {}).get('rounds')}"]
    first = st.get("first") or {}
    if first:
        out.append(f"   first stage  {100 * (first['ca'] - b):+.2f} {first.get('asr', 0):.3f}")
    for i, x in enumerate(st.get("rounds", [])):
        out.append(f"   round {i + 1}  {100 * (x['ca'] - b):+.2f} {x.get('asr', 0):.3f}  val "
                   f"{x['val']:.3f} trig {x['trig']:.3f} all {x.get('trig_all', 0):.3f} p "
                   f"{x.get('trig_p', 0):.4f} pert {x['pert']:.3f}")
    for x in st.get("after_steps", []):
        out.append(f"   {x['step']:12} {100 * (x['ca'] - b):+.2f} {x.get('asr', 0):.3f}")
    a = r["after"]
    out.append(f"   after        {100 * (a['ca'] - b):+.2f} {a.get('asr', 0):.3f}")
    return out


def interp_block(r: dict) -> list[str]:
    """One run's ``--interp`` lines."""
    b = r["before"]["ca"]
    return [f"== {r['name']}"] + [
        f"   alpha {x['alpha']:.1f}  {100 * (x['ca'] - b):+.2f}  ASR {x.get('asr', 0):.3f}  "
        f"flip {x['flip']:.3f}  reach {x['reach']:.3f}" for x in r["stages"].get("interp", [])]


def main() -> None:
    parser = LineParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=Path, nargs="+")
    parser.add_argument("--interp", action="store_true")
    args = parser.parse_args()
    missing = [str(p) for p in args.rows if not p.is_file()]
    if missing:
        parser.error(f"no such rows file: {', '.join(missing)}")
    for path in args.rows:
        for text in path.read_text().splitlines():
            if text.strip():
                r = json.loads(text)
                print("\n".join(interp_block(r) if args.interp else block(r)))


if __name__ == "__main__":
    main()
