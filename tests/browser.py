"""A real headless Chromium for the UI checks: the Dagster UI is a JavaScript app, and only a browser shows what a
person sees of it. `.ci/run` installs Debian's `chromium` and `chromium-driver`; elsewhere the checks are skipped
with the command that installs them."""

import contextlib
import shutil
import time
from pathlib import Path

import pytest

INSTALL_HINT = "apt-get install chromium chromium-driver"


@contextlib.contextmanager
def headless_chromium():
    """A Selenium driver for the Chromium on PATH, closed afterwards; the test is skipped where there is none."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_binary = shutil.which("chromedriver")
    if browser is None or driver_binary is None:
        pytest.skip(f"no Chromium and chromedriver on PATH ({INSTALL_HINT})")
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1600,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=webdriver.ChromeService(driver_binary), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def page_text(driver, url: str, *expected: str, timeout: float = 90.0, screenshot: Path | None = None) -> str:
    """Open `url` and wait until the page's visible text holds every `expected` string; return that text.

    A screenshot of the page as it was is saved either way, so a failure can be looked at; the Dagster UI's
    first-visit invitation to its community is skipped first, as a person would, so that it hides nothing."""
    from selenium.webdriver.common.by import By

    driver.get(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            text = driver.find_element(By.TAG_NAME, "body").text
            if all(part in text for part in expected):
                return text
            if time.monotonic() > deadline:
                missing = [part for part in expected if part not in text]
                raise AssertionError(f"{url} never showed {missing}; it showed:\n{text[:2000]}")
            time.sleep(1.0)
    finally:
        if screenshot is not None:
            for button in driver.find_elements(By.XPATH, "//button[normalize-space()='Skip']"):
                if button.is_displayed():
                    button.click()
            driver.save_screenshot(str(screenshot))
