"""trojanscope: neural-network backdoor security toolkit.

Red-team (plant backdoors with exact ground truth), audit model files, detect, mitigate and
report. The library never prints and never reads ``sys.argv``; the CLI lives in
:mod:`trojanscope.cli`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trojanscope")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
