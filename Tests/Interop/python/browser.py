"""Headless Chromium, driven with Selenium through chromedriver: the system's browser, never a downloaded one.

The browser test (browser_sign_in.py) and the tutorial's screenshot of the sign-in page
(tutorial/tools/tutorialkit/screenshots.py) open pages with it, so that both see the page as a
person's browser shows it. It needs Debian's `chromium` and `chromium-driver` (or the programs
that $CHROMIUM and $CHROMEDRIVER name) and the `selenium` package of requirements.txt.

    python browser.py check                  say what is missing, exit 1; or exit 0 when usable
    python browser.py screenshot URL PNG     open URL and save the whole page as PNG

The browser runs headless with a fresh profile, without the sandbox (which cannot start as root
or in most containers; it opens only the test's own pages on 127.0.0.1), at a fixed width, in
English, so that pages look the same on every machine that has the same fonts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

WIDTH = 900  # CSS pixels: the issuer's page is at most 36rem wide, with room around it
HEIGHT = 900  # the first height; a screenshot grows the window to the whole page
INSTALL_HINT = "apt-get install chromium chromium-driver (Debian), and pip install -r Tests/Interop/python/requirements.txt"


class BrowserMissing(Exception):
    """No usable headless Chromium here: what is missing, and how to install it."""


def programs() -> tuple[str, str]:
    """The browser and its driver: $CHROMIUM and $CHROMEDRIVER, or the first found on PATH."""
    browser = os.environ.get("CHROMIUM") or next(
        (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None
    )
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    missing = [name for name, path in (("chromium", browser), ("chromedriver", driver))
               if not path or not os.access(path, os.X_OK)]
    if missing:
        raise BrowserMissing(f"{' and '.join(missing)} not found ({INSTALL_HINT})")
    return browser, driver  # type: ignore[return-value]


def open_browser(width: int = WIDTH, height: int = HEIGHT):
    """A new headless Chromium; the caller quits it (driver.quit())."""
    browser, driver_path = programs()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError as error:
        raise BrowserMissing(f"the selenium package is missing: {error} ({INSTALL_HINT})") from None
    options = Options()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=en-US",
                     f"--window-size={width},{height}"):
        options.add_argument(argument)
    try:
        return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    except Exception as error:  # WebDriverException and its kin: the browser would not start
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise BrowserMissing(f"{browser} did not start under {driver_path}: {first}") from None


def save_page(driver, path: Path) -> None:
    """The whole page as a PNG: the window is made as tall as the page first (plus what the window
    itself takes, which even a headless window has)."""
    height, frame = driver.execute_script(
        "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]")
    driver.set_window_size(WIDTH, max(int(height), 200) + max(int(frame), 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    if not driver.save_screenshot(str(path)):
        raise RuntimeError(f"the browser could not save a screenshot to {path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="exit 0 if headless Chromium can run here; else say what is missing")
    shot = commands.add_parser("screenshot", help="open URL and save the whole page as PNG")
    shot.add_argument("url")
    shot.add_argument("png", type=Path)
    args = parser.parse_args()
    try:
        driver = open_browser()
    except BrowserMissing as missing:
        print(f"no headless Chromium: {missing}", file=sys.stderr)
        return 1
    try:
        if args.command == "screenshot":
            driver.get(args.url)
            save_page(driver, args.png)
    finally:
        driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
