"""How evenly ``pytest -n 2 --dist loadfile`` shares the default suite between its two workers.

``.ci/run`` hands whole files to the workers (``--dist loadfile``). pytest-xdist queues the
files by their number of tests, most first (``--loadscope-reorder``, its default; ties keep
the collection order), gives each worker one file and then a second, and gives a worker its
next file whenever it has at most two tests left to run. So the files with the fewest tests
go last, and a heavy one among them can keep one worker busy while the other has finished.

This script replays that schedule, test by test, from the collection order (``pytest
--collect-only -q``) and per-test seconds (a ``--durations=0`` log or ``suite_times.py``'s
TSVs, read as ``suite_where.py`` reads them; a test without a reading counts ``--missing``
seconds), and prints each worker's busy seconds, when each stops, the seconds one waits for
the other, and the last files handed out. It runs nothing; it is as good as its readings.

    python benchmarks/suite_balance.py COLLECT.txt (--log DUR.log | --tsv A.tsv [B.tsv ...])
        [--override C.tsv ...] [--workers 2] [--tail 12] [--top N] [--json OUT]

(``--override``: TSVs whose tests replace the readings of the first source, e.g. newer
measurements of some files, later ones winning; ``--top N``: also the N collected tests with
the most seconds in those readings, stop 62.)
"""

from __future__ import annotations

import argparse
import heapq
import random
import sys
from collections import OrderedDict
from pathlib import Path

from suite_where import print_json, read_durations, read_text, read_timer_tsvs


def read_collection(path: Path) -> list[str]:
    """The node ids of ``pytest --collect-only -q`` (or a ``.gz`` of it), in order."""
    return [line.strip() for line in read_text(path).splitlines()
            if "::" in line and not line.startswith(("SKIPPED", "ERROR", " "))]


def file_queue(nodes: list[str], reorder: bool = True) -> OrderedDict[str, list[str]]:
    """xdist's loadfile work queue: tests grouped by file, files with more tests first
    (a stable sort: ties keep the collection order) unless ``reorder`` is off."""
    groups: dict[str, list[str]] = {}
    for node in nodes:
        groups.setdefault(node.split("::", 1)[0], []).append(node)
    items = list(groups.items())
    if reorder:
        items.sort(key=lambda kv: -len(kv[1]))
    return OrderedDict(items)


def simulate(queue: OrderedDict[str, list[str]], seconds: dict[str, float],
             workers: int = 2, missing: float = 0.0) -> dict:
    """Replay xdist's ``LoadScopeScheduling`` on ``workers`` workers: one file each, then a
    second while a worker has at most two tests pending, then one more file each time a
    finished test leaves a worker with at most two pending. Returns per worker its busy
    seconds, the time it stopped and the files it ran in order."""
    queue = OrderedDict(queue)
    pending: list[list[str]] = [[] for _ in range(workers)]
    files: list[list[str]] = [[] for _ in range(workers)]

    def assign(w: int) -> None:
        path, tests = queue.popitem(last=False)
        files[w].append(path)
        pending[w].extend(tests)

    for w in range(workers):
        if queue:
            assign(w)
    for w in range(workers):
        if queue and len(pending[w]) <= 2:
            assign(w)
    clock = [0.0] * workers
    events = [(0.0, w) for w in range(workers) if pending[w]]
    heapq.heapify(events)
    started = [False] * workers
    while events:
        now, w = heapq.heappop(events)
        clock[w] = now
        if started[w] and queue and len(pending[w]) <= 2:  # a test just finished on w
            assign(w)
        started[w] = True
        if pending[w]:
            test = pending[w].pop(0)
            heapq.heappush(events, (now + seconds.get(test, missing), w))
    return {"busy": clock, "files": files}


def summary(result: dict, seconds: dict[str, float], queue: OrderedDict[str, list[str]],
            missing: float, tail: int) -> dict:
    """Per worker: busy seconds and file count; the wait (latest stop − earliest stop); the
    ideal (worker-seconds / workers); the last ``tail`` files handed out with their seconds."""
    busy = result["busy"]
    per_file = {f: sum(seconds.get(t, missing) for t in tests) for f, tests in queue.items()}
    order = list(queue)
    return {
        "tests": sum(len(t) for t in queue.values()),
        "files": len(queue),
        "worker_s": round(sum(per_file.values()), 1),
        "ideal_s": round(sum(per_file.values()) / len(busy), 1),
        "workers": [{"busy_s": round(b, 1), "files": len(f)}
                    for b, f in zip(busy, result["files"], strict=True)],
        "wall_s": round(max(busy), 1),
        "wait_s": round(max(busy) - min(busy), 1),
        "last_files": [[f, len(queue[f]), round(per_file[f], 1)] for f in order[-tail:]],
        "heaviest_files": [[f, len(queue[f]), round(s, 1)] for f, s in
                           sorted(per_file.items(), key=lambda kv: -kv[1])[:tail]],
    }


def top_tests(nodes: list[str], seconds: dict[str, float], n: int) -> list[list]:
    """The ``n`` collected tests with the most seconds, most first, as [node id, seconds]."""
    read = sorted((n_ for n_ in nodes if n_ in seconds), key=lambda t: -seconds[t])
    return [[t, round(seconds[t], 2)] for t in read[:n]]


def jittered_waits(queue: OrderedDict[str, list[str]], seconds: dict[str, float], workers: int,
                   missing: float, spread: float, rounds: int, seed: int) -> list[float]:
    """The wait (latest stop − earliest) in ``rounds`` replays, each file's seconds scaled by
    its own factor drawn uniformly from [1 − spread, 1 + spread] (seeded): how much the
    balance depends on readings that are off by that much."""
    rng = random.Random(seed)
    waits = []
    for _ in range(rounds):
        scaled = {}
        for tests in queue.values():
            factor = rng.uniform(1 - spread, 1 + spread)
            scaled.update({t: seconds.get(t, missing) * factor for t in tests})
        busy = simulate(queue, scaled, workers, missing)["busy"]
        waits.append(round(max(busy) - min(busy), 1))
    return sorted(waits)


def main() -> None:
    """Print the replay's summary as JSON (and ``--json``); bad input is one ``error:`` line
    and exit 2."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("collection", type=Path, help="`pytest --collect-only -q` output")
    parser.add_argument("--log", type=Path, help="a pytest log with --durations=0")
    parser.add_argument("--tsv", type=Path, nargs="+", default=[], help="suite_times.py TSVs")
    parser.add_argument("--override", type=Path, nargs="+", default=[],
                        help="TSVs whose tests replace the first source's readings")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--missing", type=float, default=0.0,
                        help="seconds for a collected test without a reading")
    parser.add_argument("--no-reorder", action="store_true",
                        help="files in collection order (xdist's --no-loadscope-reorder)")
    parser.add_argument("--tail", type=int, default=12)
    parser.add_argument("--top", type=int, default=0,
                        help="also list the N collected tests with the most seconds")
    parser.add_argument("--jitter", type=float, default=0.0,
                        help="also replay with each file's seconds off by up to this fraction")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if (args.log is None) == (not args.tsv):
        parser.exit(2, "error: give --log or --tsv, not both\n")
    if not 0 <= args.jitter < 1:
        parser.exit(2, f"error: --jitter {args.jitter}: a fraction in [0, 1)\n")
    if args.workers < 1:
        parser.exit(2, f"error: --workers {args.workers}: at least 1\n")
    if args.top < 0:
        parser.exit(2, f"error: --top {args.top}: at least 0\n")
    for path in [args.collection, *([args.log] if args.log else args.tsv), *args.override]:
        if not path.is_file():
            parser.exit(2, f"error: {path}: no such file\n")
    try:
        nodes = read_collection(args.collection)
    except ValueError as exc:
        parser.exit(2, f"error: {exc}\n")
    if not nodes:
        parser.exit(2, f"error: {args.collection}: no test ids (`pytest --collect-only -q`)\n")
    try:
        rows = read_durations(args.log) if args.log else read_timer_tsvs(args.tsv)
        extra = read_timer_tsvs(args.override) if args.override else []
    except (OSError, ValueError) as exc:
        parser.exit(2, f"error: {exc}\n")
    seconds: dict[str, float] = {}
    for sec, _phase, node in rows:
        seconds[node] = seconds.get(node, 0.0) + sec
    for sec, _phase, node in extra:
        seconds[node] = sec
    queue = file_queue(nodes, reorder=not args.no_reorder)
    result = summary(simulate(queue, seconds, args.workers, args.missing), seconds, queue,
                     args.missing, args.tail)
    if args.jitter:
        waits = jittered_waits(queue, seconds, args.workers, args.missing, args.jitter,
                               args.rounds, args.seed)
        result["jitter"] = {"spread": args.jitter, "rounds": args.rounds, "seed": args.seed,
                            "wait_median_s": waits[len(waits) // 2],
                            "wait_p90_s": waits[int(len(waits) * 0.9)], "wait_max_s": waits[-1]}
    if args.top:
        result["top_tests"] = top_tests(nodes, seconds, args.top)
    print_json(result, args.json)


if __name__ == "__main__":
    sys.exit(main())
