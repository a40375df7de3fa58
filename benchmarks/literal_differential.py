"""Differential of ``trojanscope.scan.literal.literal`` against ``ast.literal_eval`` (what
numpy's ``.npy`` reader calls) on random mutations of ``.npy`` headers (review hR1, stop 41).

    PYTHONPATH=src .venv/bin/python benchmarks/literal_differential.py --n 60000 \
        --seeds 4101 4102 4103

Prints, per seed, how many mutated headers the two read differently (one an error, the other a
value, or two values), and the first few."""

from __future__ import annotations

import argparse
import ast
import random
import warnings

from trojanscope.scan.literal import literal

BASE = ["{'descr': '|O', 'fortran_order': False, 'shape': (1,), 'x': 'ab'}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
        "{'descr': b'|O', 'shape': (1, 2), 'fortran_order': 0x1, 'y': '''q'''}"]
ALPHA = ["\\", "\r", "\n", "\r\n", "'", '"', "0", "7", "8", "1", "e", "j", "L", "x", "u", "N{",
         "}", "#", " ", "\t", "\x0c", "b", "r", "f", "U", "or", "_", ".", "\\\r\n", "\\\r",
         "\x85", "\u2028", "é"]


def _read(fn, text: str) -> tuple:
    try:
        return ("ok", fn(text))
    except Exception:  # any error counts as "unreadable", as the .npy readers treat it
        return ("error",)


def differences(n: int, seed: int) -> list[tuple[str, tuple, tuple]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        text = rng.choice(BASE)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text) + 1)
            text = text[:at] + "".join(rng.choice(ALPHA) for _ in range(rng.randint(1, 3))) \
                + text[at:]
        want, got = _read(ast.literal_eval, text), _read(literal, text)
        if want != got:
            out.append((text, want, got))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=60000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[4103])
    args = ap.parse_args()
    warnings.simplefilter("ignore")  # the reference reader warns; literal() must not need it
    for seed in args.seeds:
        found = differences(args.n, seed)
        print(f"seed {seed}: {len(found)} of {args.n} headers read differently")
        for text, want, got in found[:3]:
            print(f"  {text!r}: literal_eval {want[0]}, literal {got[0]}")


if __name__ == "__main__":
    main()
