"""Fuzz the model-file scanner (issue 4): seeded, time-bounded, the same inputs for the same seed.

Every input is a mutation (``benchmarks/fuzz_mutators.py``) of a seed file
(``benchmarks/fuzz_seeds.py``: one per format the scanner reads). Each goes through
``scan_bytes`` under the scanner's own time budget; one in ``--folder-every`` is instead a
Hugging Face folder with one mutated file, and another one in as many a mutated file written to
disk, both scanned with ``scan_paths`` (the CLI's path). A bug is any TS999
finding ("scanner error"), any exception out of ``scan_bytes``/``scan_paths``, any scan over the
scanner's time limit (plus ``--grace`` seconds), a warning the scan would print, the process's
peak memory growing past ``--max-growth-mib``, or the corpus's inert marker file appearing (the
scan ran something). Each bug's input is kept under ``--out`` (the smallest one per distinct
signature, shrunk), and a JSON summary gives executions and bugs per seed.

Usage (from the checkout root)::

    PYTHONPATH=src OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/fuzz_scanner.py \\
        --seeds 1 2 3 --seconds 600 --out /tmp/fuzz \\
        --summary benchmarks/data/fuzz_scanner_s40/summary.json
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import logging
import pkgutil
import random
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import trojanscope.scan
from fuzz_coverage import Tracer, executable_lines
from fuzz_mutators import mutate
from fuzz_seeds import STREAM_ONNX, cached_seeds
from trojanscope.scan import scan_paths
from trojanscope.scan.budget import Budget
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.rules import load_policy

MARKERS = "/tmp/trojanscope-fuzz-markers"  # fixed: the path is inside the seeds' payloads
MAX_SEED_BYTES = 256 << 10  # larger seeds (a 3 MB evasion sample) make every input slow


class Hang(BaseException):  # not caught by the scanner's own `except Exception`
    """The watchdog fired: a scan ran far past the scanner's own time limit."""


@dataclass
class Bug:
    signature: str
    kind: str  # "TS999", "exception", "slow", "executed"
    detail: str
    seed: int
    index: int
    source: str
    ops: list[str]
    data: bytes
    count: int = 1
    seconds: float = 0.0
    trace: str = ""  # where a TS999 came from (its exception, innermost frames)


class _LastError(logging.Handler):
    """Keeps the traceback of the scanner's last "scanner error" (the engine logs it at
    debug level), so a TS999 that depends on the process's state can be told apart."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.trace = ""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            frames = traceback.format_exception(*record.exc_info)
            self.trace = "".join(frames[-4:])[-1500:]


LAST_ERROR = _LastError()


@dataclass
class SeedRun:
    seed: int
    execs: int = 0
    folder_execs: int = 0
    file_execs: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    slowest_source: str = ""
    rss_start_mib: int = 0
    rss_growth_mib: int = 0  # how far the process's peak RSS rose during this seed
    bugs: dict[str, int] = field(default_factory=dict)
    inputs: Any = field(default_factory=hashlib.sha256)  # of every input, in order
    edges: set[Any] = field(default_factory=set)  # coverage of the scanner's code so far
    seed_edges: int = 0  # edges the unmutated seeds reach on their own
    corpus: int = 0  # inputs kept because they reached a new edge (guided mode)
    progress: list[list[float]] = field(default_factory=list)  # [inputs, s, edges, lines]


def _rss_mib() -> int:
    """The process's peak resident memory so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _normalise(text: str) -> str:
    """A message without its numbers and quoted values, so one bug gives one signature."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    return re.sub(r"0x[0-9a-f]+|\d+", "N", text)[:160]


def _where(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "trojanscope" in f.filename]
    f = (frames or traceback.extract_tb(exc.__traceback__) or [None])[-1]
    return "?" if f is None else f"{Path(f.filename).name}:{f.name}"


def _printed(caught: list[warnings.WarningMessage]) -> list[str]:
    """Warnings a scan would print on the user's terminal (a hostile file's text reaching
    Python's compiler, say); deprecation notices of the libraries are not the file's doing."""
    return sorted({f"warning: {w.category.__name__}: {_normalise(str(w.message))}"
                   for w in caught if not issubclass(w.category, DeprecationWarning)})


def _alarm(signum: int, frame: Any) -> None:
    raise Hang("watchdog")


def _watched(scan: Callable[[], list[Any]], watchdog: float) -> tuple[list[str], float]:
    """Run ``scan`` (it returns findings) under the watchdog; (problems, seconds). A problem
    is 'TS999: …', 'warning: …', 'exception: …' or 'hang: …'."""
    started = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, watchdog)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            findings = scan()
        problems = [f"TS999: {_normalise(f.message)}" for f in findings
                    if f.rule_id == "TS999"] + _printed(caught)
    except Hang:
        problems = ["hang: watchdog"]
    except Exception as exc:
        problems = [f"exception: {type(exc).__name__} at {_where(exc)}"]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return problems, time.perf_counter() - started


def scan_one(policy: Any, data: bytes, name: str, watchdog: float) -> tuple[list[str], float]:
    """Scan ``data`` with ``scan_bytes`` under the scanner's own time budget."""
    def scan() -> list[Any]:
        ctx = Ctx(policy, "fuzz", budget=Budget.start(policy.limits.max_seconds))
        scan_bytes(ctx, data, name)
        return ctx.findings

    return _watched(scan, watchdog)


def scan_folder(policy: Any, files: dict[str, bytes], root: Path,
                watchdog: float) -> tuple[list[str], float]:
    """Write ``files`` as a folder and scan it with ``scan_paths``."""
    if root.exists():
        shutil.rmtree(root)
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return _watched(lambda: scan_paths([root], policy).findings, watchdog)


def shrink(policy: Any, data: bytes, name: str, signature: str, watchdog: float,
           budget_s: float = 20.0) -> bytes:
    """A smaller input with the same problem signature (chunks removed greedily, bounded)."""
    stop = time.monotonic() + budget_s
    chunk = max(len(data) // 2, 1)
    while chunk >= 1 and time.monotonic() < stop:
        i, changed = 0, False
        while i < len(data) and time.monotonic() < stop:
            trial = data[:i] + data[i + chunk:]
            problems, _ = scan_one(policy, trial, name, watchdog)
            if signature in problems:
                data, changed = trial, True
            else:
                i += chunk
        if not changed:
            chunk //= 2
    return data


def run_seed(seed: int, seconds: float, files: dict[str, bytes],
             folders: dict[str, dict[str, bytes]], bugs: dict[str, Bug], args: argparse.Namespace,
             markers: Path, tracer: Tracer | None = None) -> SeedRun:
    """Fuzz for ``seconds`` with ``seed``. With ``tracer`` and ``--coverage guide``, an input
    that reaches an edge of the scanner's code no earlier input of this seed reached joins the
    corpus, and half the inputs are mutations of corpus entries instead of the seed files."""
    policy = load_policy()
    stream_policy = load_policy()  # the streaming ONNX reader for the STREAM_ONNX seeds
    stream_policy.limits.max_onnx_parse = 1

    def policy_for(source: str) -> Any:
        return stream_policy if source.startswith(STREAM_ONNX) else policy

    limit = policy.limits.max_seconds
    watchdog = 3.0 * limit
    r = random.Random(seed)
    names = list(files)
    pool = list(files.values())
    run = SeedRun(seed, rss_start_mib=_rss_mib())
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="fuzz-folder-", dir=args.out))
    guided = tracer is not None and args.coverage == "guide"
    corpus: list[tuple[str, bytes]] = []  # (seed name, input) that reached new edges
    folder_corpus: list[tuple[str, dict[str, bytes]]] = []
    if tracer is not None:  # the seeds' own coverage first: a mutant is new only beyond it
        for name in names:
            tracer.start()
            scan_one(policy_for(name), files[name], name, watchdog)
            run.edges |= tracer.stop()
        for name in sorted(folders):
            tracer.start()
            scan_folder(policy, folders[name], workdir / "model", watchdog)
            run.edges |= tracer.stop()
        run.seed_edges = len(run.edges)
        started = time.monotonic()
    index = 0
    while time.monotonic() - started < seconds and (args.max_execs == 0
                                                    or index < args.max_execs):
        index += 1
        as_folder = args.folder_every > 0 and index % args.folder_every == 0
        if tracer is not None:
            tracer.start()
        if as_folder:
            if folder_corpus and r.random() < 0.5:
                source, tree = r.choice(folder_corpus)
            else:
                source = r.choice(sorted(folders))
                tree = folders[source]
            tree = dict(tree)
            target = r.choice(sorted(tree))
            tree[target], ops = mutate(r, tree[target], pool)
            problems, took = scan_folder(policy, tree, workdir / "model", watchdog)
            data, label = tree[target], f"{source}/{target}"
            run.folder_execs += 1
        else:
            if corpus and r.random() < 0.5:
                source, base = r.choice(corpus)
            else:
                source = r.choice(names)
                base = files[source]
            data, ops = mutate(r, base, pool)
            label = source
            if args.folder_every > 0 and index % args.folder_every == args.folder_every // 2:
                # as a file on disk (scan_paths): what the CLI does, with the real path
                problems, took = scan_folder(policy_for(source), {source: data},
                                             workdir / "file", watchdog)
                run.file_execs += 1
            else:
                problems, took = scan_one(policy_for(source), data, source, watchdog)
        if tracer is not None:
            edges = tracer.stop()
            if not edges <= run.edges:
                run.edges |= edges
                if guided and not problems and len(data) <= MAX_SEED_BYTES:
                    run.corpus += 1
                    if as_folder:
                        folder_corpus.append((source, tree))
                    else:
                        corpus.append((source, data))
        run.execs += 1
        run.inputs.update(len(data).to_bytes(8, "little") + data)
        grown = _rss_mib() - run.rss_start_mib
        if grown > run.rss_growth_mib:
            if grown > args.max_growth_mib >= run.rss_growth_mib:
                problems.append(f"memory: peak RSS grew past {args.max_growth_mib} MiB")
            run.rss_growth_mib = grown
        if took > run.slowest:
            run.slowest, run.slowest_source = took, label
        if took > limit + args.grace and not any(p.startswith("hang") for p in problems):
            problems.append("slow: over the time limit")
        if any(markers.iterdir()):
            problems.append("executed: a marker file appeared")
            for made in markers.iterdir():
                made.unlink()
        for problem in problems:
            kind = problem.split(":")[0]
            sig = hashlib.sha256(f"{problem}|{label if kind == 'slow' else ''}".encode()
                                 ).hexdigest()[:10]
            run.bugs[sig] = run.bugs.get(sig, 0) + 1
            if sig in bugs:
                bugs[sig].count += 1
                if len(data) < len(bugs[sig].data) and not as_folder:
                    bugs[sig].data, bugs[sig].seed, bugs[sig].index = data, seed, index
                continue
            logging.warning("seed %d input %d (%s, %s): %s", seed, index, label, ops, problem)
            kept, trace = data, LAST_ERROR.trace if kind == "TS999" else ""
            if trace:
                logging.warning("its traceback: %s", trace)
            if not as_folder and kind in ("TS999", "exception"):
                kept = shrink(policy_for(source), data, source, problem, watchdog)
            bugs[sig] = Bug(sig, kind, problem, seed, index, label, ops, kept, seconds=took,
                            trace=trace)
            (Path(args.out) / f"bug-{sig}.bin").write_bytes(kept)
        if index % 2000 == 0:
            lines = sum(map(len, tracer.lines(run.edges).values())) if tracer else 0
            run.progress.append([index, round(time.monotonic() - started, 1), len(run.edges),
                                 lines])
            logging.info("seed %d: %d inputs, %.0f s, %d distinct bugs so far, %d edges, "
                         "%d lines, corpus %d", seed, index, time.monotonic() - started,
                         len(bugs), len(run.edges), lines, run.corpus)
    run.seconds = time.monotonic() - started
    shutil.rmtree(workdir, ignore_errors=True)
    return run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--seconds", type=float, default=60.0, help="time per seed")
    ap.add_argument("--max-execs", type=int, default=0, help="inputs per seed (0: time only)")
    ap.add_argument("--folder-every", type=int, default=50,
                    help="every Nth input is a mutated HF folder scanned with scan_paths")
    ap.add_argument("--grace", type=float, default=2.0,
                    help="seconds over the scanner's limit before a scan counts as a hang")
    ap.add_argument("--max-growth-mib", type=int, default=512,
                    help="peak RSS growth over the seed's start that counts as a bug (the "
                         "scanner's per-file target is 512 MiB)")
    ap.add_argument("--address-space-gib", type=int, default=10,
                    help="RLIMIT_AS for this process, so a runaway allocation is a "
                         "MemoryError, not the shared machine's OOM killer")
    ap.add_argument("--seed-cache", default=str(Path(__file__).resolve().parent / "out"
                                                / "fuzz-seeds"),
                    help="folder the seed files are built into once and read from after")
    ap.add_argument("--out", default="/tmp/fuzz-scanner", help="folder for the bug inputs")
    ap.add_argument("--only", default=None, metavar="REGEX",
                    help="seed files whose name matches only (no HF folders), e.g. 'h5|keras' "
                         "for a campaign on the HDF5 path with h5py installed")
    ap.add_argument("--coverage", choices=("guide", "measure", "off"), default="guide",
                    help="guide: keep inputs that reach new edges of src/trojanscope/scan "
                         "and mutate them further; measure: trace only (the stop-40 fuzzer "
                         "with its coverage counted); off: no tracing (fastest)")
    ap.add_argument("--summary", default=None, help="JSON summary to write")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("trojanscope").setLevel(logging.ERROR)
    engine_log = logging.getLogger("trojanscope.scan.engine")
    engine_log.setLevel(logging.DEBUG)  # its scanner errors, kept by LAST_ERROR only
    engine_log.propagate = False
    engine_log.addHandler(LAST_ERROR)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGALRM, _alarm)
    limit = args.address_space_gib << 30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    markers = Path(MARKERS)
    markers.mkdir(parents=True, exist_ok=True)
    files, folders = cached_seeds(Path(args.seed_cache), markers)
    files = {k: v for k, v in files.items() if len(v) <= MAX_SEED_BYTES
             and (args.only is None or re.search(args.only, k))}
    if args.only is not None:  # a campaign on some formats: no folder inputs
        folders, args.folder_every = {}, 0
    digest = hashlib.sha256(b"".join(k.encode() + v for k, v in files.items())).hexdigest()
    logging.info("%d seed files (sha256 %s), %d folders", len(files), digest[:12], len(folders))
    bugs: dict[str, Bug] = {}
    scan_root = Path(trojanscope.scan.__file__).resolve().parent
    for module in pkgutil.iter_modules([str(scan_root)]):  # all code objects exist before
        importlib.import_module(f"trojanscope.scan.{module.name}")  # the tracer caches ids
    tracer = None if args.coverage == "off" else Tracer(scan_root)
    runs = [run_seed(s, args.seconds, files, folders, bugs, args, markers, tracer)
            for s in args.seeds]
    total = executable_lines(scan_root)
    union: set[Any] = set().union(*(r.edges for r in runs))
    reached = tracer.lines(union) if tracer else {}
    summary = {
        "seed_files": len(files), "seed_folders": len(folders), "seed_sha256": digest,
        "time_limit_s": load_policy().limits.max_seconds, "grace_s": args.grace,
        "seeds": [{"seed": r.seed, "execs": r.execs, "folder_execs": r.folder_execs,
                   "file_execs": r.file_execs,
                   "seconds": round(r.seconds, 1),
                   "execs_per_s": round(r.execs / max(r.seconds, 1e-9), 1),
                   "slowest_s": round(r.slowest, 2), "slowest_input": r.slowest_source,
                   "peak_rss_growth_mib": r.rss_growth_mib,
                   "inputs_sha256": r.inputs.hexdigest(),
                   "edges": len(r.edges), "seed_edges": r.seed_edges,
                   "lines": sum(map(len, tracer.lines(r.edges).values())) if tracer else None,
                   "corpus_added": r.corpus, "progress": r.progress,
                   "bug_hits": r.bugs} for r in runs],
        "coverage": None if tracer is None else {
            "mode": args.coverage, "edges": len(union),
            "lines": sum(map(len, reached.values())),
            "executable_lines": sum(map(len, total.values())),
            "per_file": {name: [len(reached.get(name, set()) & lines), len(lines)]
                         for name, lines in total.items()}},
        "bugs": [{"signature": b.signature, "kind": b.kind, "detail": b.detail,
                  "first_seed": b.seed, "first_index": b.index, "source": b.source,
                  "ops": b.ops, "hits": b.count, "kept_bytes": len(b.data),
                  "file": f"bug-{b.signature}.bin", "trace": b.trace}
                 for b in bugs.values()],
    }
    text = json.dumps(summary, indent=1)
    if args.summary:
        Path(args.summary).parent.mkdir(parents=True, exist_ok=True)
        Path(args.summary).write_text(text + "\n")
    print(text)
    return 1 if bugs else 0


if __name__ == "__main__":
    raise SystemExit(main())
