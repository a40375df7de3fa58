"""Run a benchmark script in this test process, as ``subprocess.run(capture_output=True,
text=True)`` would in a new one.

Why: a new Python process imports torch and trojanscope again (4–6 s on the CI machine), and
dozens of tests only check how a script answers its command line. Running the script as
``__main__`` here gives the same exit code, stdout and stderr — an uncaught exception becomes
exit 1 with its traceback on stderr, warnings are written to stderr under the interpreter's
default filters — for a fraction of the time. Tests of behaviour that only a real process has
(environment read at import, signals, sandboxes) keep ``subprocess``.
"""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import subprocess
import sys
import traceback
import warnings
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

# The filters a fresh interpreter starts with (so a script warns here exactly where it would there).
_DEFAULT_FILTERS = (("default", DeprecationWarning, "__main__"), ("ignore", DeprecationWarning, ""),
                    ("ignore", PendingDeprecationWarning, ""), ("ignore", ImportWarning, ""),
                    ("ignore", ResourceWarning, ""))


def _exit_status(code: object, err: io.StringIO) -> int:
    """What the interpreter turns ``SystemExit(code)`` into (a message goes to stderr, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    err.write(f"{code}\n")
    return 1


def run_script(script: str | Path, *args: str | Path, cwd: str | Path | None = None,
               env: dict[str, str] | None = None,
               check: bool = False) -> subprocess.CompletedProcess:
    """Run ``benchmarks/<script>`` (or a path) with ``args`` as a user would from the shell.

    ``env`` adds variables for the run (``PYTHONPATH`` and ``PATH`` are ignored: this process
    already imports trojanscope and the benchmarks); ``cwd`` is the working folder; ``check``
    raises :class:`subprocess.CalledProcessError` on a non-zero status, as ``subprocess`` does.
    """
    path = Path(script) if Path(script).is_absolute() else BENCHMARKS / script
    argv = [str(path), *map(str, args)]
    out, err = io.StringIO(), io.StringIO()
    saved_argv, saved_path, saved_cwd = sys.argv, list(sys.path), os.getcwd()
    saved_env = dict(os.environ)
    status = 0
    try:
        sys.argv = argv
        sys.path[:0] = [str(path.parent), str(BENCHMARKS)]
        os.environ.update({k: v for k, v in (env or {}).items() if k not in ("PYTHONPATH", "PATH")})
        if cwd is not None:
            os.chdir(cwd)
        with (contextlib.redirect_stdout(out), contextlib.redirect_stderr(err),
              warnings.catch_warnings()):
            warnings.resetwarnings()
            for action, category, module in reversed(_DEFAULT_FILTERS):
                warnings.filterwarnings(action, category=category, module=module)
            warnings.showwarning = (lambda message, category, filename, lineno, file=None,
                                    line=None: err.write(warnings.formatwarning(
                                        message, category, filename, lineno, line)))
            try:
                runpy.run_path(str(path), run_name="__main__")
            except SystemExit as done:
                status = _exit_status(done.code, err)
            except Exception:
                traceback.print_exc(file=err)
                status = 1
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    result = subprocess.CompletedProcess(argv, status, out.getvalue(), err.getvalue())
    if check:
        result.check_returncode()
    return result
