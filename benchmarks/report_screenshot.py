"""Screenshots of an audit's HTML report in headless Chromium at desktop and phone width, for
docs/audit-report.png (1280 px) and docs/audit-report-mobile.png (420 px).

    .venv/bin/trojanscope demo --out /tmp/trojanscope-demo --force --no-history
    .venv/bin/python benchmarks/report_screenshot.py \
        /tmp/trojanscope-demo/reports/backdoored/report.html

Prints, for each width, the page's scroll width against the window's inner width (a page wider
than its window scrolls sideways) and exits 1 when a page overflows.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parents[1]
SHOTS = {1280: ROOT / "docs" / "audit-report.png", 420: ROOT / "docs" / "audit-report-mobile.png"}


def screenshot(driver: webdriver.Chrome, report: Path, width: int, out: Path) -> bool:
    """Save the whole page at ``width`` to ``out``; True when it fits the window's width."""
    driver.set_window_size(width, 1000)
    driver.get(report.resolve().as_uri())
    scroll, inner = driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, height + 100)
    out.write_bytes(driver.get_screenshot_as_png())
    print(f"wrote {out} ({width} px: page scroll width {scroll}, window {inner})")
    return scroll <= inner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--out-dir", type=Path, default=None,
                        help="Write the PNGs here instead of docs/ (same names).")
    args = parser.parse_args()
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--hide-scrollbars"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        fits = [screenshot(driver, args.report, width,
                           out if args.out_dir is None else args.out_dir / out.name)
                for width, out in SHOTS.items()]
    finally:
        driver.quit()
    sys.exit(0 if all(fits) else 1)


if __name__ == "__main__":
    main()
