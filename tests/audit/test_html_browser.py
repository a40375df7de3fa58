"""The HTML report in a real browser (headless Chromium): the key elements are visible.

CI installs Debian's ``chromium`` and ``chromium-driver`` (see ``.ci/run``); without them the
test is skipped with that reason.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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


@pytest.fixture(scope="module")
def report_page(run_dirs, audited, tmp_path_factory):
    """The backdoored model's default audit (``audited``: its detection is the worker's shared
    one, stop 62) as an HTML page."""
    command = f"trojanscope audit {run_dirs['backdoored']} --seed 0 --report rep"
    result = audited("backdoored", seed=0, command=command)
    page = tmp_path_factory.mktemp("html") / "report.html"
    page.write_text(render_audit(result, "html"))
    return result, page


@pytest.mark.parametrize("width", [1280, 420])
def test_key_elements_are_visible(browser, report_page, width):
    from selenium.webdriver.common.by import By

    result, page = report_page
    browser.set_window_size(width, 2000)
    browser.get(page.as_uri())
    assert "trojanscope audit" in browser.title
    verdict = browser.find_element(By.ID, "verdict")
    assert verdict.is_displayed() and verdict.text == "FAIL"
    rating = browser.find_element(By.ID, "rating")
    assert rating.is_displayed() and rating.text.lower() == result.rating.label
    for element_id in ("reasons", "next-steps", "steps", "steps-total", "findings",
                       "findings-count", "probability-gauge", "chart-legend", "detection-chart",
                       "chart-explained", "trigger-images", "hashes", "reproduce",
                       "reproduce-command"):
        element = browser.find_element(By.ID, element_id)
        browser.execute_script("arguments[0].scrollIntoView();", element)
        assert element.is_displayed() and element.size["height"] > 0, element_id
    assert len(browser.find_elements(By.CSS_SELECTOR, "#next-steps ol > li")) >= 4
    assert "flag line" in browser.find_element(By.ID, "chart-legend").text
    total = browser.find_element(By.ID, "steps-total").text
    assert total.removeprefix("In all: ") in browser.find_element(By.ID, "findings-count").text
    signature = browser.find_element(By.XPATH, "//td[text()='Signature verification']/..")
    assert "not signed" in signature.text and " ok " not in f" {signature.text} "
    images = browser.find_elements(By.CSS_SELECTOR, "#trigger-images img")
    assert len(images) == 4
    # Every image decoded (naturalWidth > 0): the data URIs are valid PNGs.
    assert all(browser.execute_script("return arguments[0].naturalWidth", i) > 0 for i in images)
    bars = browser.find_elements(By.CSS_SELECTOR, "#detection-chart svg")
    assert bars and bars[0].size["width"] > 200
    assert browser.find_element(By.ID, "target").text == str(result.detection["suspected_target"])

    # The informational list opens into a table with a header; rule ids are not squeezed.
    browser.find_element(By.CSS_SELECTOR, "#informational > summary").click()
    for summary in browser.find_elements(By.CSS_SELECTOR, "#findings td details > summary"):
        browser.execute_script("arguments[0].click();", summary)  # every grouped place open
    rule = browser.find_element(By.CSS_SELECTOR, "#informational td.rule")
    assert rule.is_displayed() and rule.size["width"] >= 60, rule.size
    header = browser.find_elements(By.CSS_SELECTOR, "#informational thead th")
    if width > 640:
        assert [h.text for h in header] == ["rule", "where", "what"]
    else:  # phone layout: each row is a card whose cells carry their column's name
        label = browser.execute_script(
            "return getComputedStyle(arguments[0], '::before').content", rule)
        assert "rule" in label

    # Nothing wider than the window: no sideways scrolling of the page, all sections open.
    widths = browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    assert browser.get_screenshot_as_png()[:8] == b"\x89PNG\r\n\x1a\n"
