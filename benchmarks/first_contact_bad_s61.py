"""The bad-input table of a first-contact run (stop 61): for each line ``first_contact_own.
run_lines`` logged from a bad-input list, its exit, seconds, the error lines it printed (``error:``
first, then ``hint:``), whether a traceback showed, and whether anything the line names as its
output (``--out``, ``--output``, ``--report``, ``--write-clean``) exists in WORK afterwards (a
half-written output). A line passes when it exits 2 with one ``error:`` line, no traceback and
nothing written.

    python benchmarks/first_contact_bad_s61.py BAD.jsonl KEEP_DIR WORK
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from _common import fail, run_main

OUTPUTS = ("--out", "--output", "--report", "--write-clean")


def outputs(cmd: str) -> list[str]:
    """The output paths a line names, relative to its working folder (``cd X &&`` followed)."""
    found, base = [], ""
    for part in cmd.split("&&"):
        words = shlex.split(part)
        if words[:1] == ["cd"]:
            base = words[1].rstrip("/") + "/"
            continue
        found += [base + words[i + 1] for i, w in enumerate(words[:-1]) if w in OUTPUTS]
    return found


def errors(kept: str) -> list[str]:
    """The ``error:`` / ``hint:`` lines of a kept output's stderr."""
    err = kept.split("\n--- stderr (last 30,000 characters)\n", 1)[-1]
    return [e for e in err.splitlines() if e.startswith(("error:", "hint:"))]


def rows(log: Path, keep: Path, work: Path) -> list[dict]:
    """Each logged bad line with its error lines, what it left written in ``work`` and whether
    it is as asked (exit 2, one ``error:`` line, no traceback, nothing written)."""
    out = []
    for n, line in enumerate(log.read_text().splitlines(), 1):
        row = json.loads(line)
        kept = (keep / f"{n:02}.txt").read_text() if (keep / f"{n:02}.txt").is_file() else ""
        errs = errors(kept)
        written = [p for p in outputs(row["cmd"]) if (work / p).exists()]
        n_err = sum(e.startswith("error:") for e in errs)
        ok = row["rc"] == 2 and n_err == 1 and not row["traceback"] and not written
        out.append({**row, "errors": errs, "written": written, "ok": ok})
    return out


def main() -> None:
    if len(sys.argv) != 4:
        fail("usage: first_contact_bad_s61.py BAD.jsonl KEEP_DIR WORK")
    got = rows(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
    print("| bad line (as run) | exit | s | the error line | traceback | written | as asked |")
    print("|---|---|---|---|---|---|---|")
    for r in got:
        cmd = r["cmd"].replace("trojanscope ", "").replace("|", "\\|")
        first = next((e for e in r["errors"] if e.startswith("error:")), "")
        first = (first or " / ".join(r["stderr_tail"][-1:]))[:220].replace("|", "\\|")
        print(f"| `{cmd}` | {r['rc']} | {r['wall_s']} | {first} | "
              f"{'yes' if r['traceback'] else 'no'} | {', '.join(r['written']) or '–'} | "
              f"{'yes' if r['ok'] else '**no**'} |")
    print(f"\n{sum(r['ok'] for r in got)} of {len(got)} as asked", file=sys.stderr)


if __name__ == "__main__":
    run_main(main)  # a missing or unreadable file: one error line, exit 2
