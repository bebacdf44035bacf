"""Headless Chromium for the benchmarks that time the explorer in a browser (``explorer_speed.py``, ``scale.py``).

The flags are the suite's (``tests/test_browser.py``): no sandbox, GPU, background networking, component
updates or sync, and a profile folder of the caller's. Debian's ``chromium`` and ``chromium-driver``
(``./run setup`` installs them).
"""

from __future__ import annotations

import shutil
from pathlib import Path

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


def chromium(profile: Path):
    """A Selenium driver of headless Chromium with its profile in ``profile``; the caller quits it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
