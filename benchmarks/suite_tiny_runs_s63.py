"""What the default suite's session runs cost a worker, and what sharing them could save.

Stop 62 (hfc) named a next step for the suite's time: train the tiny runs (``backdoored_run``,
``clean_run`` of ``tests/conftest.py``) once per suite instead of once per xdist worker, the
other worker loading the weights from a shared file. This reads the bound on that saving in
one process (one torch thread): torch is warmed first by one tiny forward and backward pass (a
worker has run other tests before), then each run is made ``--repeat`` times with
``train_tiny`` exactly as the fixtures call it, and its weights are saved and loaded back once
(``torch.save`` / ``torch.load(weights_only=True)``: what a worker that did not train would pay
instead). A second worker's saving is at most the training less that load.

    python benchmarks/suite_tiny_runs_s63.py [--repeat 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def _conftest():
    """``tests/conftest.py`` as a module: the fixtures' own ``train_tiny``."""
    spec = importlib.util.spec_from_file_location("tests_conftest", ROOT / "tests" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cpu() -> float:
    return time.process_time()


def warm_up() -> float:
    """CPU-s of one forward and backward pass of a small CNN (torch's first-use costs)."""
    t = _cpu()
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.Flatten(),
                              torch.nn.LazyLinear(2))
    net(torch.zeros(2, 1, 16, 16)).sum().backward()
    return _cpu() - t


def save_load(model: torch.nn.Module) -> float:
    """CPU-s of writing the model's weights and reading them back (``weights_only``)."""
    t = _cpu()
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    model.load_state_dict(torch.load(buf, weights_only=True))
    return _cpu() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="times each run is made (>= 1)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if args.repeat < 1:
        print("error: --repeat must be at least 1", file=sys.stderr)
        sys.exit(2)
    torch.set_num_threads(1)
    from trojanscope.attacks import BadNets
    from trojanscope.data import load_dataset
    from trojanscope.triggers import PatchTrigger

    train_tiny = _conftest().train_tiny
    train, test = load_dataset("synthetic", "train"), load_dataset("synthetic", "test")
    out: dict = {"warm_up_cpu_s": round(warm_up(), 3), "runs": {}}
    attacks = {"clean_run": lambda: None,
               "backdoored_run": lambda: BadNets(target=2, poison_rate=0.2,
                                                 trigger=PatchTrigger(size=4, pattern="solid"))}
    for name, attack in attacks.items():
        made, wall, digests = [], [], set()
        for _ in range(args.repeat):
            t, w = _cpu(), time.perf_counter()
            run = train_tiny(attack(), train, test)
            made.append(_cpu() - t)
            wall.append(time.perf_counter() - w)
            digests.add(tuple(float(p.sum()) for p in run.model.state_dict().values()))
        load = save_load(run.model)
        out["runs"][name] = {"made_cpu_s": [round(v, 3) for v in made],
                             "made_median_cpu_s": round(statistics.median(made), 3),
                             "made_wall_s": [round(v, 3) for v in wall],
                             "save_load_cpu_s": round(load, 3),
                             "same_weights_each_time": len(digests) == 1,
                             "saving_bound_cpu_s": round(statistics.median(made) - load, 3)}
        print(f"{name}: made in {', '.join(f'{v:.2f}' for v in made)} CPU-s (median "
              f"{statistics.median(made):.2f}); save+load {load:.3f} CPU-s; the same weights "
              f"each time: {len(digests) == 1}")
    bound = sum(r["saving_bound_cpu_s"] for r in out["runs"].values())
    out["saving_bound_per_extra_worker_cpu_s"] = round(bound, 3)
    print(f"warm-up {out['warm_up_cpu_s']:.2f} CPU-s; a worker that loads both runs instead of "
          f"training them saves at most {bound:.2f} CPU-s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
