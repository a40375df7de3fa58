"""The table of a first-contact run (stop 57): one row per line that ``first_contact_own.run_lines``
logged: the line as written, its exit, its wall time, and what it gave — for JSON output the
verdict, probability and suspected target, for a console verdict its first line, for a metrics
table its CA and ASR, else the last two lines printed (stdout, or stderr when stdout is empty),
from the line's whole output in ``--keep`` where it was kept.

    python benchmarks/first_contact_table.py [--where] RUN.jsonl KEEP_DIR [RUN.jsonl KEEP_DIR ...]

A line run under bash's ``time`` (stop 61), or logged with ``cpu_s`` (stop 62), also gets its
CPU seconds (user + sys) in the ``s`` cell, after its wall seconds; ``--where`` adds the
``file:line`` places of README.md and docs/ that show the line (``–``: a line with a file name
substituted, or a measurement).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

FIELDS = ("verdict", "probability", "suspected_target", "rating")
# The first line of a console verdict: an audit's, a detector's, or a count of flagged items.
HEADLINE = re.compile(r"^(PASS|FAIL|INCOMPLETE|BACKDOORED|CLEAN|NEEDS REVIEW|\d+ of \d+ )")
# A metrics table's rows worth a cell (attack, train, mitigate, purify): label -> short name.
METRICS = {"clean accuracy (CA)": "CA", "attack success rate (ASR)": "ASR"}


def metrics(stdout: str) -> str:
    """``CA 66.67%, ASR 72.22%`` (``before → after`` where the table has both) or ''."""
    out = []
    for label, short in METRICS.items():
        for line in stdout.splitlines():
            cells = [c.strip() for c in line.strip("│ ").split("│")]
            if cells and cells[0] == label:
                out.append(f"{short} {' → '.join(c for c in cells[1:] if c)}")
                break
    return ", ".join(out)


TIME_LINE = re.compile(r"^(user|sys)\t(\d+)m([\d.]+)s$", re.M)  # bash's `time` output


def cpu_seconds(kept: str | None) -> float | None:
    """user + sys seconds of bash's ``time`` lines in a kept output's stderr, or None."""
    found = {k: 60 * int(m) + float(sec) for k, m, sec in TIME_LINE.findall(kept or "")}
    return round(found["user"] + found["sys"], 1) if len(found) == 2 else None


def short(value: str) -> str:
    """A probability to 4 decimals (stop 63: cutting the text at 6 characters turned
    ``2.8946332207754497e-05`` into ``2.8946``)."""
    try:
        return f"{float(value):.4f}"
    except ValueError:
        return value


def gave(row: dict, kept: str | None) -> str:
    """What a line gave, in a table cell."""
    text = kept.split("--- stdout (last 30,000 characters)\n", 1)[-1] if kept else ""
    stdout = text.split("\n--- stderr (last 30,000 characters)\n", 1)[0]
    found = []
    for field in FIELDS:  # a JSON document's first value of each field
        m = re.search(rf'^\s*"{field}": ("?[^",\n]*"?)', stdout, re.M)
        if m:
            value = m.group(1).strip('"')
            found.append(f"{field} {short(value) if field == 'probability' else value}")
    head = [t.strip() for t in stdout.splitlines()[:3] if t.strip()]
    if found:
        what = ", ".join(found)
    elif head and HEADLINE.match(head[0]):  # a console verdict, wrapped over two lines at most
        what = " ".join(head[:2])
    elif metrics(stdout):
        what = metrics(stdout)
    else:
        stderr = kept.split("\n--- stderr (last 30,000 characters)\n", 1)[-1] if kept else ""
        errs = [t for t in (stderr.splitlines() if kept else row["stderr_tail"])
                if t.strip() and not re.match(r"(real|user|sys)\t", t)][-3:]
        tail = row["stdout_tail"] or errs or [""]
        what = " / ".join(t.strip() for t in tail[-2:] if t.strip())
    what = what[:200].replace("|", "\\|")
    if row["rc"] == "timeout":
        return f"stopped at the limit; last line: {what}" if what else "stopped at the limit"
    return what


def where_shown() -> dict[str, str]:
    """Each documented command (its comment dropped) -> the ``file:line`` places showing it
    (``first_contact.extract``: README.md and docs/*.md but benchmarks.md)."""
    from first_contact import extract

    places: dict[str, list[str]] = {}
    for item in extract():
        command = re.sub(r"\s+#.*$", "", item["command"]).strip()
        places.setdefault(command, []).append(f"{item['doc']}:{item['line']}")
    return {k: ", ".join(dict.fromkeys(v)) for k, v in places.items()}


def main() -> None:
    args = sys.argv[1:]
    shown = where_shown() if args[:1] == ["--where"] else None
    args = args[1:] if shown is not None else args
    if not args or len(args) % 2:
        print("usage: first_contact_table.py [--where] RUN.jsonl KEEP_DIR [...]", file=sys.stderr)
        raise SystemExit(2)
    print("| line (as written) |" + (" where shown |" if shown is not None else "")
          + " exit | s | stderr lines | what it gave |")
    print("|---|---|---|---|---|" + ("---|" if shown is not None else ""))
    for log, keep in zip(args[::2], args[1::2], strict=True):
        for n, line in enumerate(Path(log).read_text().splitlines(), 1):
            row = json.loads(line)
            if "wall_s" not in row:  # a line the deadline kept from starting
                print(f"| `{row['cmd'].replace('trojanscope ', '')}` |"
                      + (" – |" if shown is not None else "") + f" {row['rc']} | – | – | – |")
                continue
            kept_file = Path(keep) / f"{n:02}.txt"
            kept = kept_file.read_text() if kept_file.is_file() else None
            bare = row["cmd"].removeprefix("time ")
            cmd = bare.replace("trojanscope ", "").replace("|", "\\|")
            cpu = row.get("cpu_s", cpu_seconds(kept))  # run_lines' own count since stop 62
            wall = f"{row['wall_s']} (CPU {cpu})" if cpu is not None else row["wall_s"]
            at = ""
            if shown is not None:
                key = bare if bare in shown else re.sub(r"^cd \S+ && ", "", bare)
                at = f" {shown.get(key, '–')} |"
            print(f"| `{cmd}` |{at} {row['rc']} | {wall} | {row['stderr_lines']} | "
                  f"{gave(row, kept)} |")


if __name__ == "__main__":
    main()
