"""Shard indexes naming huge or odd paths (stop 41): never a look-up outside the folder, never a
scan without end, and one short finding per path that says what is wrong."""

from __future__ import annotations

import json
import time

import pytest

from trojanscope.scan import scan_paths
from trojanscope.scan.rules import load_policy
from trojanscope.testing.hf_corpus import write_benign

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _findings(folder, policy=None) -> list[tuple[str, str, str]]:
    report = scan_paths([folder], policy or load_policy())
    found = [(f.rule_id, f.location, f.message) for f in report.findings]
    assert [m for r, _, m in found if r == "TS999"] == []
    return found


def _index(folder, weight_map: dict, name: str = "model.safetensors.index.json") -> None:
    (folder / name).write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))


def test_huge_traversal_path_is_one_short_high_finding(tmp_path):
    """``../`` then 100,000 characters: TS450 printed the whole name (a 100 kB finding)."""
    folder = write_benign(tmp_path / "m")
    _index(folder, {"classifier.bias": "../" + "y" * 100_000})
    hits = [m for r, _, m in _findings(folder) if r == "TS450"]
    assert len(hits) == 1 and len(hits[0]) < 400 and "(100003 characters)" in hits[0]


@pytest.mark.parametrize(("shard", "rule"), [
    ("x/" * 3000 + "s.safetensors", "TS451"),  # over PATH_MAX: not looked up at all
    ("a" * 300 + "/s.safetensors", "TS451"),  # a component over NAME_MAX
    ("sub/../../outside.safetensors", "TS450"),
    ("a" * 300 + "/../../../etc/passwd", "TS450"),  # too long *and* leaving: leaving wins
    ("/etc/passwd", "TS450"),
    ("..\\..\\weights.safetensors", "TS451"),  # a backslash is a name character on Linux
    ("\ud800.safetensors", "TS451"),  # a lone surrogate: no file name (review hR1: TS999)
    ("../\ud800/x", "TS450"),
], ids=["path-max", "name-max", "dotdot", "long-dotdot", "absolute", "backslash", "surrogate",
        "surrogate-dotdot"])
def test_odd_shard_path_gives_its_finding(tmp_path, shard, rule):
    folder = write_benign(tmp_path / "m")
    _index(folder, {"classifier.bias": shard})
    assert [r for r, _, m in _findings(folder) if m.startswith("shard index")] == [rule]


def test_thousands_of_deep_paths_stop_at_the_time_limit(tmp_path):
    """3,000 shards, each 1,000 folders deep (under PATH_MAX, so each is resolved: 1,000 lstat
    calls): the look-ups stop at the policy's time limit with a TS182 saying how many were
    left, instead of running on (about 5 s of CPU for 300 such shards on this machine)."""
    folder = write_benign(tmp_path / "m")
    _index(folder, {f"t{i}": "d/" * 1000 + f"s{i}.safetensors" for i in range(3000)})
    policy = load_policy()
    policy.limits.max_seconds = 1
    started = time.thread_time()  # the budget is CPU time (stop 56): a busy machine's wait is not
    found = _findings(folder, policy)
    assert time.thread_time() - started < 30
    assert any(r == "TS182" and "shard paths not looked up (time limit)" in m
               for r, _, m in found)


def test_each_index_reports_its_own_shards_once(tmp_path):
    """Two indexes: the second one listed the first one's missing shards again as its own."""
    folder = write_benign(tmp_path / "m")
    _index(folder, {"a": "first-missing.safetensors"}, "model.safetensors.index.json")
    _index(folder, {"b": "second-missing.safetensors"}, "pytorch_model.bin.index.json")
    missing = [m for r, _, m in _findings(folder) if r == "TS451" and "is missing" in m]
    assert sorted(missing) == [
        "shard index model.safetensors.index.json lists 'first-missing.safetensors', which is "
        "missing",
        "shard index pytorch_model.bin.index.json lists 'second-missing.safetensors', which is "
        "missing"]


def test_traversal_listed_after_slow_look_ups_is_still_ts450(tmp_path):
    """The time limit cut the loop over sorted shard names, so ``zz/../../…`` listed after
    3,000 deep paths was never judged: a TS182, no TS450 (review hR1, stop 41). The name alone
    says "outside": that needs no look-up and is never cut."""
    folder = write_benign(tmp_path / "m")
    weight_map = {f"t{i}": "d/" * 1000 + f"s{i}.safetensors" for i in range(3000)}
    weight_map["evil"] = "zz/../../../../etc/passwd"
    _index(folder, weight_map)
    policy = load_policy()
    policy.limits.max_seconds = 1
    found = _findings(folder, policy)
    assert any(r == "TS182" and "shard paths not looked up" in m for r, _, m in found)
    assert [m for r, _, m in found if r == "TS450" and "etc/passwd" in m]
