"""The HTML report in a real browser (headless Chromium): the key elements are visible.

CI installs Debian's ``chromium`` and ``chromium-driver`` (see ``.ci/run``); without them the
test is skipped with that reason.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from trojanscope.audit import AuditOptions, run_audit
from trojanscope.report.audit_text import render_audit

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
    reason="needs Debian's chromium and chromium-driver (installed by .ci/run)",
)


def chromium_options(width: int = 1200, height: int = 2000):
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 f"--window-size={width},{height}"):
        options.add_argument(flag)
    return options


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    driver = webdriver.Chrome(service=Service(DRIVER), options=chromium_options())
    yield driver
    driver.quit()


def test_key_elements_are_visible(browser, run_dirs, tmp_path):
    from selenium.webdriver.common.by import By

    result = run_audit(run_dirs["backdoored"], AuditOptions(seed=0))
    page = tmp_path / "report.html"
    page.write_text(render_audit(result, "html"))
    browser.get(page.as_uri())
    assert "trojanscope audit" in browser.title
    verdict = browser.find_element(By.ID, "verdict")
    assert verdict.is_displayed() and verdict.text == "FAIL"
    rating = browser.find_element(By.ID, "rating")
    assert rating.is_displayed() and rating.text.lower() == result.rating.label
    for element_id in ("reasons", "steps", "findings", "detection-chart", "trigger-images",
                       "hashes", "reproduce"):
        element = browser.find_element(By.ID, element_id)
        browser.execute_script("arguments[0].scrollIntoView();", element)
        assert element.is_displayed() and element.size["height"] > 0, element_id
    images = browser.find_elements(By.CSS_SELECTOR, "#trigger-images img")
    assert len(images) == 4
    # Every image decoded (naturalWidth > 0): the data URIs are valid PNGs.
    assert all(browser.execute_script("return arguments[0].naturalWidth", i) > 0 for i in images)
    bars = browser.find_elements(By.CSS_SELECTOR, "#detection-chart svg")
    assert bars and bars[0].size["width"] > 200
    assert browser.find_element(By.ID, "target").text == str(result.detection["suspected_target"])
    assert browser.get_screenshot_as_png()[:8] == b"\x89PNG\r\n\x1a\n"
