"""One local Ray for every Ray test of the session (starting one takes seconds), in a temp
folder, shut down and cleaned at the end; tests without Ray installed are skipped."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def local_ray():
    """A running local Ray with 2 CPUs and no dashboard; what it writes is removed after."""
    ray = pytest.importorskip("ray")
    home_ray = Path.home() / ".ray"
    existed = home_ray.exists()
    tmp = Path(tempfile.mkdtemp(prefix="tsray-", dir="/tmp"))  # short: Ray's socket paths
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             _temp_dir=str(tmp), address="local")
    yield ray
    ray.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)
    if not existed:
        shutil.rmtree(home_ray, ignore_errors=True)


@pytest.fixture
def no_ray_address(monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    return os.environ
