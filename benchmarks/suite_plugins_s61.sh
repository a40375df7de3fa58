#!/usr/bin/env bash
# Stop 61 (hfc): what the autoloaded plugins' rewriting costs one pytest process. A one-test file
# collected with and without assertion rewriting (user CPU), twice each; the modules pytest
# rewrote in a process that also imports hypothesis; a one-file collection with and without
# anyio's plugin.   bash benchmarks/suite_plugins_s61.sh SCRATCH_DIR
set -uo pipefail
dir=$1
py=${PYTHON:-/work/main/.venv/bin/python}
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir"
printf 'def test_a():\n    assert 1\n' > "$dir/test_plain.py"
printf 'import collections\nimport sys\n\nimport hypothesis.strategies  # noqa: F401\n\n\ndef test_a():\n    from _pytest.assertion.rewrite import AssertionRewritingHook\n    names = [n for n, m in list(sys.modules.items())\n             if isinstance(getattr(m, "__loader__", None), AssertionRewritingHook)]\n    print(len(names), collections.Counter(n.split(".")[0] for n in names))\n' > "$dir/test_probe.py"
cd "$dir"
for mode in rewrite plain rewrite plain; do
    /usr/bin/time -f "one-test file, --assert=$mode: %U s user" "$py" -m pytest -q --collect-only \
        -p no:cacheprovider --assert=$mode test_plain.py -c /dev/null 2>&1 | tail -1
done
"$py" -m pytest -q -s -p no:cacheprovider test_probe.py -c /dev/null 2>&1 | head -1
cd "$repo"
for opt in "" "-p no:anyio" "" "-p no:anyio"; do
    /usr/bin/time -f "tests/test_conftest_imports.py --co [$opt]: %U s user" "$py" -m pytest --co -q \
        -p no:cacheprovider $opt tests/test_conftest_imports.py 2>&1 | tail -1
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
