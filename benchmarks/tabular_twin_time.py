"""The twins' time with and without the model's kept rises (issue 16 stop 42).

``tabular-search`` reads a network in the 150-300-row band twice: the excess search against
the linear reference, then against two clean twins. The second search sets the same single
values and screened pairs on the same rows, so the inspected model's half of those passes is
kept (:class:`trojanscope.detect.tabular_excess.RiseCache`). Here each zoo network is read
with one small clean file (``tabular_small_clean.draw``) both ways, in alternating order, on
the same machine: seconds per reading, and whether the verdicts are the same (every feature,
p and the target order, bitwise).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_twin_time.py --zoo ZOO... \
        [--size 200] [--seed 3320] [--archs mlp] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from tabular_small_clean import draw  # noqa: E402
from trojanscope import registry  # noqa: E402
from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.detect import tabular_excess, tabular_search  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402
from trojanscope.zoo import effective, read_truth  # noqa: E402


class _NoKeep(tabular_excess.RiseCache):
    """Every rise computed afresh: the reading before stop 42."""

    def rise(self, x, combos, c, before):
        return tabular_excess._rise(self.model, x, combos, c, before)


def _read(loaded, part, seed: int, keep: bool):
    tabular_search.RiseCache = tabular_excess.RiseCache if keep else _NoKeep
    t0 = time.perf_counter()
    verdict = registry.create("detector", "tabular-search").inspect(
        loaded.module, part, input_shape=loaded.input_shape, num_classes=loaded.num_classes,
        seed=seed)
    return verdict, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", type=Path, nargs="+", required=True)
    ap.add_argument("--size", type=int, default=200)
    ap.add_argument("--seed", type=int, default=3320)
    ap.add_argument("--archs", default="mlp")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    rows = []
    for zoo in args.zoo:
        dataset, listed = read_truth(zoo)
        test = load_dataset(dataset, "test")
        part = test.subset(torch.as_tensor(draw(len(test), test.y.numpy(), args.size,
                                                args.seed, 0)))
        for k, e in enumerate(x for x in listed
                              if effective(x) and x.arch in args.archs.split(",")):
            loaded = load_model(zoo / e.name)
            order = (True, False) if k % 2 else (False, True)
            out = {keep: _read(loaded, part, args.seed, keep) for keep in order}
            (kept, t_kept), (plain, t_plain) = out[True], out[False]
            same = (kept.features == plain.features and kept.target_classes
                    == plain.target_classes and kept.statistic == plain.statistic)
            rows.append({"zoo": zoo.name, "name": e.name, "table": Path(dataset).name,
                         "before_s": t_plain, "kept_s": t_kept, "same": same})
            print(f"{zoo.name} {e.name:28s} before {t_plain:6.1f} s kept {t_kept:6.1f} s "
                  f"same {same}", flush=True)
    for table in sorted({r["table"] for r in rows}):
        part = [r for r in rows if r["table"] == table]
        print(f"{table} ({len(part)} networks): median before "
              f"{np.median([r['before_s'] for r in part]):.1f} s, kept "
              f"{np.median([r['kept_s'] for r in part]):.1f} s; same verdicts "
              f"{sum(r['same'] for r in part)}/{len(part)}")
    if args.json:
        args.json.write_text(json.dumps({"params": vars(args) | {"zoo": [str(z) for z in
                                                                      args.zoo],
                                                              "json": str(args.json)},
                                         "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
