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
    os.environ.setdefault("RAY_TQDM_PATCH_PRINT", "0")  # keep builtins.print (tests pickle it)
    ray = pytest.importorskip("ray")
    home_ray = Path.home() / ".ray"
    existed = home_ray.exists()
    from trojanscope.executor.ray_backend import end_started_ray

    tmp = Path(tempfile.mkdtemp(prefix="tsray-", dir="/tmp"))  # short: Ray's socket paths
    for attempt in range(3):  # Ray gives up after 30 s when a busy machine starts it slowly
        try:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
                     logging_level="ERROR", _temp_dir=str(tmp), address="local")
            break
        except Exception:
            ray.shutdown()
            end_started_ray()
            if attempt == 2:
                raise
    yield ray
    ray.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)
    if not existed:
        shutil.rmtree(home_ray, ignore_errors=True)


@pytest.fixture
def no_ray_address(monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    return os.environ


def _audit_browser_module():
    """The audit report's browser test module (its Chromium settings are reused, not copied)."""
    import importlib.util

    path = Path(__file__).parents[1] / "audit" / "test_html_browser.py"
    spec = importlib.util.spec_from_file_location("_audit_html_browser", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium as the audit report's test drives it; skipped without it."""
    html = _audit_browser_module()
    if not (Path(html.CHROMIUM).exists() and Path(html.DRIVER).exists()):
        pytest.skip("needs Debian's chromium and chromium-driver (installed by .ci/run)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    driver = webdriver.Chrome(service=Service(html.DRIVER), options=html.chromium_options())
    yield driver
    driver.quit()
