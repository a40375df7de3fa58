"""``benchmarks/ship_rule_mitigate.py``'s refusals (hR4 item 10): a misspelt method, or a
candidate run that covers only some of the zoo's models, is one error line (exit 2), not a
traceback; a full pair still reads (committed zoo-2401 rows)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRESH = ROOT / "benchmarks/data/mitigation/fresh-2401.json"


def ship(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/ship_rule_mitigate.py"), *args],
        capture_output=True, text=True, env=env, check=False,
    )


def ship_here(load_benchmark, capsys, *args: str) -> subprocess.CompletedProcess:
    """:func:`ship` in this process (a subprocess spends ~2 CPU s importing torch; the exit code
    and the one-line error of a real process are checked by test_a_misspelt_method_is_one_line)."""
    module = load_benchmark("ship_rule_mitigate")
    argv = sys.argv
    sys.argv = ["ship_rule_mitigate.py", *args]
    try:
        module.main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = argv
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


def test_a_full_pair_reads(load_benchmark, capsys) -> None:
    done = ship_here(load_benchmark, capsys, str(FRESH), "--today", "gated", "--candidate",
                     "gated:kept_p=0.7")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] in ("ship", "do not ship")


# benchmark machinery (stop 60): a script of benchmarks/ or its stored readings, not the product
@pytest.mark.slow
def test_a_misspelt_method_is_one_line() -> None:
    done = ship(str(FRESH), "--today", "gated", "--candidate", "gated:kept_p=0.07")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == f"error: no rows for gated:kept_p=0.07 in {FRESH}"


def test_a_candidate_covering_some_models_is_one_line(tmp_path: Path, load_benchmark,
                                                      capsys) -> None:
    data = json.loads(FRESH.read_text())
    part = tmp_path / "part.json"
    rows = data["gated:kept_p=0.7"]["rows"]
    part.write_text(json.dumps({"gated:c": {"rows": rows[:3]}}))
    full = tmp_path / "today.json"
    full.write_text(json.dumps({"gated": data["gated"]}))
    done = ship_here(load_benchmark, capsys, str(full), str(part), "--today", "gated",
                     "--candidate", "gated:c")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    line = done.stderr.strip()
    assert line.startswith("error: the two sides list different models (only gated: ")
    assert rows[5]["name"] in line and line.endswith("only gated:c: none)")
    # the same models in another order are read in today's order
    part.write_text(json.dumps({"gated:c": {"rows": rows[::-1]}}))
    done = ship_here(load_benchmark, capsys, str(full), str(part), "--today", "gated",
                     "--candidate", "gated:c")
    assert done.returncode == 0, done.stderr
    same = ship_here(load_benchmark, capsys, str(FRESH), "--today", "gated", "--candidate",
                     "gated:kept_p=0.7")
    assert done.stdout.splitlines()[-12:] == same.stdout.splitlines()[-12:]


def test_both_scripts_round_a_ca_change_alike() -> None:
    # hR4 item 7: zoo-2401's sig-002 read +0.7 in one table and +0.8 in the other
    import importlib.util

    for name in ("sig_stages_table", "ship_rule_mitigate"):
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        got = [module.points(d) for d in (0.0074999999999, 0.0075000001, -0.0275000001, 0.0025)]
        assert got == ["+0.8", "+0.8", "-2.8", "+0.2"], name


def test_strict_adds_the_zoo_2405_conditions(tmp_path: Path, load_benchmark, capsys) -> None:
    # issue 12 stop 39b: the zoo-2405 rule's (1b), (5) and (6) were read by hand before
    data = json.loads(FRESH.read_text())
    rows = data["gated"]["rows"]
    same = tmp_path / "same.json"
    same.write_text(json.dumps({"gated": data["gated"], "gated:c": {"rows": rows}}))
    args = (str(same), "--today", "gated", "--candidate", "gated:c")
    plain = ship_here(load_benchmark, capsys, *args)
    assert plain.returncode == 0 and plain.stdout.strip().endswith("\nship")  # (1)-(3) alone
    done = ship_here(load_benchmark, capsys, *args, "--strict")
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "do not ship"  # identical rows: nothing differs, no more at the goal
    assert lines[-3].startswith("(5) models whose CA or ASR after differ: 0 (none): not met")
    assert lines[-2].endswith("not met") and lines[-4].endswith(": none: met")
    # one model at the goal today that misses it under the candidate
    module = load_benchmark("ship_rule_mitigate")
    from trojanscope.mitigate.zoo_eval import MitigationRow

    first = next(i for i, r in enumerate(rows) if MitigationRow(**r).meets_goal)
    worse = [dict(r) for r in rows]
    worse[first]["ca_after"] = worse[first]["ca_before"] - 0.05
    got = module.strict_conditions(rows, worse)
    name = rows[first]["name"]
    assert got[0] == f"(1b) at the goal today, not under the candidate: {name}: not met"
    assert got[1].startswith(f"(5) models whose CA or ASR after differ: 1 ({name}): ")
    assert got[1].endswith(" met") and not got[1].endswith("not met")
    assert got[2].endswith("not met")
