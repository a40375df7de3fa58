"""`gated:teach_last=0` (stop 63's default) on every model of a zoo, run on its own (issue 12,
stop 65: h12c): beside ``check_teach_last.py``'s one run of today's default, a separate run with
the step off, to check on CNNs that the two are one result (``teach_last`` runs only where
``free_reach``'s step read the model, and that step reads only a model without a convolution).
Rows in ``bench_mitigate.py``'s format under ``gated:teach_last=0`` (the file's ``gated`` entry
is the same run), each with its wall and CPU seconds, written after each model.

    PYTHONPATH=src:benchmarks python benchmarks/check_s65_cnn_off.py ZOO OUT.json

Importing it runs nothing; a bad argument (no zoo, no output folder) ends in one ``error:`` line
and exit 2 before any model is read (a third argument too).
"""

import sys
from pathlib import Path

from _common import last_step_args, run_main
from last_step_rows import rows_from_one_run
from trojanscope.mitigate.gated import Gated


def main(argv: list[str] | None = None) -> None:
    """``gated:teach_last=0``'s rows for every model of ZOO, written to OUT.json after each."""
    args = last_step_args(__doc__, "NOTHING", Path, None, argv)
    if args.value is not None:
        print(f"error: unexpected argument {str(args.value)!r} (ZOO OUT.json only)",
              file=sys.stderr)
        raise SystemExit(2)
    rows_from_one_run(args.zoo, args.out, lambda: Gated(teach_last=0), "gated:teach_last=0",
                      "teach_last", "teach_last=0", {})


if __name__ == "__main__":
    run_main(main)
