"""The playground in headless Chromium (Debian's chromium + chromium-driver, via Selenium).

A new person opens the page, sets up by clicking and typing, jumps the clock to the next
reminder and gets it from the real dispatcher, does a whole routine (watching a hold timer
count down), logs pain, opens /progress (the chart image loads) and downloads /export;
no JavaScript error is logged.  Screenshots at phone and desktop width go to
``test-output/browser/`` (``STRETCHBOT_TEST_OUTPUT`` moves it); with
``STRETCHBOT_UPDATE_SCREENSHOT=1`` a phone-width one of the timer step, tall enough for its
clip, caption and buttons, replaces ``docs/playground.png``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.playground.process import PlaygroundProcess

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_BROWSER = Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()
REPO = Path(__file__).resolve().parents[2]
OUTPUT = Path(os.environ.get("STRETCHBOT_TEST_OUTPUT", REPO / "test-output")) / "browser"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
PHONE = {"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": True}
#: docs/playground.png: phone width, tall enough for a whole step (clip, timer and buttons).
PHONE_DOCS = {"width": 375, "height": 1180, "deviceScaleFactor": 2, "mobile": True}
DESKTOP = {"width": 1280, "height": 860, "deviceScaleFactor": 1, "mobile": False}
REMINDER_WAIT = 120.0
"""'Next reminder' stops one real minute before; the dispatcher runs every 2 s."""

pytestmark = [
    pytest.mark.skipif(
        not HAVE_BROWSER and not os.environ.get("STRETCHBOT_REQUIRE_BROWSER"),
        reason="Debian's chromium and chromium-driver are not installed (.ci/run installs them)",
    ),
    # Its data folder holds its own SQLite file (DATABASE_URL is not passed on): on
    # PostgreSQL this would repeat the SQLite run.
    pytest.mark.only_db("sqlite", reason="the playground keeps its own SQLite file"),
]

T = TypeVar("T")


@pytest.fixture
def playground(tmp_path: Path) -> Iterator[PlaygroundProcess]:
    process = PlaygroundProcess(tmp_path)
    try:
        process.wait_for_url()
        yield process
        process.stop()
    finally:
        process.kill()


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(downloads: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="playground-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size=1280,860")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Page:
    """The playground page as a person uses it."""

    def __init__(self, driver: Any) -> None:
        from selenium.webdriver.common.by import By

        self.driver = driver
        self.by = By

    # --- waiting -------------------------------------------------------------------------
    def wait(self, what: str, check: Callable[[], T | None], timeout: float = 20.0) -> T:
        from selenium.common.exceptions import StaleElementReferenceException

        deadline = time.monotonic() + timeout
        while True:
            try:
                result = check()
            except StaleElementReferenceException:
                result = None
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; chat:\n{self.transcript()}")
            time.sleep(0.15)

    # --- reading -------------------------------------------------------------------------
    def bubbles(self, side: str = "in") -> list[Any]:
        return list(self.driver.find_elements(self.by.CSS_SELECTOR, f".msg.{side}"))

    def transcript(self) -> str:
        lines = []
        for message in self.driver.find_elements(self.by.CSS_SELECTOR, ".msg"):
            who = "bot" if "in" in message.get_attribute("class").split() else "you"
            lines.append(f"{who}: {message.text[:300]!r}")
        return "\n".join(lines[-14:])

    def bot_message(self, pattern: str, timeout: float = 20.0) -> Any:
        """The newest bot message whose text matches ``pattern`` (a regex)."""
        regex = re.compile(pattern, re.IGNORECASE | re.DOTALL)

        def find() -> Any:
            return next((m for m in reversed(self.bubbles()) if regex.search(m.text)), None)

        return self.wait(f"a bot message matching {pattern!r}", find, timeout)

    # --- acting --------------------------------------------------------------------------
    def tap(self, label: str, timeout: float = 20.0) -> None:
        """Click the newest inline button whose label contains ``label``."""

        def find() -> Any:
            buttons = self.driver.find_elements(self.by.CSS_SELECTOR, ".msg .kb-button")
            return next((b for b in reversed(buttons) if label.lower() in b.text.lower()), None)

        from selenium.common.exceptions import StaleElementReferenceException

        # A button found can be redrawn before the click reaches it (its message edited by
        # a reply that arrives meanwhile): then the click didn't happen, so find it again.
        for attempt in range(3):
            try:
                press_and_wait(self, self.wait(f"a button {label!r}", find, timeout))
                return
            except StaleElementReferenceException:
                if attempt == 2:
                    raise

    def tap_if_present(self, label: str, timeout: float = 3.0) -> bool:
        try:
            self.tap(label, timeout)
        except AssertionError:
            return False
        return True

    def type(self, text: str) -> None:
        from selenium.webdriver.common.keys import Keys

        box = self.driver.find_element(self.by.ID, "text")
        box.click()
        box.send_keys(text)
        box.send_keys(Keys.ENTER)
        self.wait("the text box to clear", lambda: box.get_attribute("value") == "")

    def click(self, element_id: str) -> None:
        self.driver.find_element(self.by.ID, element_id).click()

    def command(self, name: str) -> None:
        """Send a command from the "/" menu (setMyCommands), like Telegram's menu button."""
        self.click("menu-button")
        items = self.driver.find_elements(self.by.CSS_SELECTOR, "#command-menu .menu-item")
        item = next(i for i in items if i.text.split()[0] == f"/{name}")
        item.click()

    def errors(self) -> list[dict[str, Any]]:
        return [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def screenshot(self, name: str, metrics: dict[str, Any]) -> Path:
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        time.sleep(0.4)
        self.driver.execute_script(
            "const c = document.getElementById('chat'); c.scrollTop = c.scrollHeight;"
        )
        time.sleep(0.2)
        OUTPUT.mkdir(parents=True, exist_ok=True)
        path = OUTPUT / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path


def newest_keyboard(page: Page) -> tuple[Any, list[Any]]:
    """The newest bot message with inline buttons, and its buttons."""
    for message in reversed(page.bubbles()):
        buttons = message.find_elements(page.by.CSS_SELECTOR, ".kb-button")
        if buttons:
            return message, buttons
    raise AssertionError(f"no message with buttons:\n{page.transcript()}")


def press_and_wait(page: Page, button: Any, *, double: bool = False) -> None:
    """Click (or double-click), then wait for the bot to react (the keyboard is rebuilt or a
    message arrives)."""
    from selenium.common.exceptions import StaleElementReferenceException

    count = len(page.bubbles())
    if double:
        # Both clicks reach the same button before the page can redraw it (a fast answer
        # replaces the keyboard between the two clicks of a driver's double-click, so the
        # second would land on whatever is drawn there by then): a phone's double tap.
        page.driver.execute_script("arguments[0].click(); arguments[0].click();", button)
    else:
        button.click()

    def reacted() -> bool:
        try:
            button.is_enabled()
        except StaleElementReferenceException:
            return True
        return len(page.bubbles()) > count

    page.wait("the bot to react to a tap", reacted, timeout=10)


def next_action(page: Page) -> tuple[str, Any] | None:
    """What a person does next in a routine, judged from the newest message with buttons."""
    _message, buttons = newest_keyboard(page)
    labels = [b.text.strip() for b in buttons]
    by_label = dict(zip(labels, buttons, strict=True))
    if "3" in by_label and "10" in by_label:  # a pain keypad (before or after)
        return "pain", by_label["3"]
    timer = next((b for b, label in by_label.items() if b.startswith("⏱")), None)
    if timer is not None:
        return "timer", by_label[timer]
    for wanted in ("✅ Done", "✅ Yes, keep track", "Skip"):
        if wanted in by_label:
            return "tap", by_label[wanted]
    return None


def watch_countdown(page: Page) -> tuple[int, int]:
    """Two readings of the running hold timer, the second lower than the first."""
    ticking = page.bot_message(r"\d+ s left")
    seconds = re.compile(r"(\d+) s left")
    first = int(seconds.search(ticking.text).group(1))  # type: ignore[union-attr]

    def lower() -> int | None:
        found = seconds.search(ticking.text)
        return int(found.group(1)) if found and int(found.group(1)) < first else None

    return first, page.wait("the countdown to tick", lower, timeout=8)


def toasts_shown(page: Page) -> str:
    """Every toast the page has shown, newest last (its data-shown note): on a slow machine
    a 3.5 s toast can come and go before the test looks."""
    toast = page.driver.find_element(page.by.ID, "toast")
    return toast.get_attribute("data-shown") or ""


def wait_for_toast(page: Page, text: str, *, since: int) -> None:
    """Wait until a toast showing ``text`` (the bot's answer to a button press) has been
    shown after the first ``since`` characters of :func:`toasts_shown`."""
    try:
        page.wait(f"a toast {text!r}", lambda: text in toasts_shown(page)[since:], 10)
    except AssertionError as error:
        raise AssertionError(f"toasts shown since: {toasts_shown(page)[since:]!r}") from error


def do_routine(page: Page) -> tuple[int, int]:
    """Tap through a whole routine; start one hold timer and return two of its readings.

    The first ✅ Done is a double tap: the step advances once and the second tap gets the
    bot's answer as a toast."""
    readings: tuple[int, int] | None = None
    pain_logged = 0
    double_tapped = False
    for _ in range(80):
        try:
            kind, button = page.wait("a routine button", lambda: next_action(page), timeout=6)
        except AssertionError:
            break  # nothing left to tap: the routine is over
        if kind == "timer" and readings is not None:
            kind, button = (
                "tap",
                next(b for b in newest_keyboard(page)[1] if b.text.strip() == "✅ Done"),
            )
        double = not double_tapped and button.text.strip() == "✅ Done"
        shown = len(toasts_shown(page))
        press_and_wait(page, button, double=double)
        if double:
            double_tapped = True
            wait_for_toast(page, "already behind you", since=shown)
        if kind == "pain":
            pain_logged += 1
        elif kind == "timer":
            readings = watch_countdown(page)
            page.screenshot("phone-timer", PHONE)
            page.screenshot("phone-timer-docs", PHONE_DOCS)
    assert readings is not None, f"no hold timer in the routine:\n{page.transcript()}"
    assert pain_logged, f"the routine never asked about pain:\n{page.transcript()}"
    assert double_tapped, f"no ✅ Done to double-tap:\n{page.transcript()}"
    return readings


def test_a_new_person_uses_the_playground_end_to_end(
    playground: PlaygroundProcess, browser: Any, downloads: Path
) -> None:
    page = Page(browser)
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    browser.get(playground.url)

    # Onboarding: "Start", a typed time, a typed city, then the buttons it offers.
    page.wait(
        "the Start button", lambda: browser.find_element(page.by.ID, "start-button").is_displayed()
    )
    page.click("start-button")
    page.bot_message(r"when should i remind you")
    page.type("7:30")
    page.bot_message(r"time zone|where|city")
    page.type("Berlin")
    page.tap("Yes")
    for extra in ("Continue", "I understand", "OK"):
        page.tap_if_present(extra, timeout=2.0)
    page.wait(
        "a planned reminder",
        lambda: "07:30" in browser.find_element(page.by.ID, "clock-next").text,
    )
    assert "Europe/Berlin" in browser.find_element(page.by.ID, "clock-zone").text

    # The clock jumps to one minute before the reminder; the dispatcher sends it for real.
    before = len(page.bubbles())
    page.click("next-reminder")
    page.wait(
        "the clock at 07:29",
        lambda: "07:29" in browser.find_element(page.by.ID, "clock-local").text,
        timeout=10,
    )
    reminder = page.wait(
        "the reminder",
        lambda: next((m for m in page.bubbles()[before:] if "Time for your back" in m.text), None),
        timeout=REMINDER_WAIT,
    )
    assert reminder.find_elements(page.by.CSS_SELECTOR, ".kb-button")
    page.screenshot("phone-reminder", PHONE)

    # A whole routine from the reminder: a hold timer visibly counts down; pain is logged.
    page.tap("Start routine")
    first, later = do_routine(page)
    assert later < first
    page.bot_message(r"routine|well done|great|🎉")

    # /progress from the command menu: the chart image loads.
    page.command("progress")
    chart = page.wait(
        "the chart image",
        lambda: next(
            (
                img
                for img in browser.find_elements(page.by.CSS_SELECTOR, ".msg.in img.photo")
                if browser.execute_script(
                    "return arguments[0].complete && arguments[0].naturalWidth", img
                )
            ),
            None,
        ),
    )
    assert chart.get_attribute("alt")
    page.screenshot("phone-progress", PHONE)

    # /export: both files arrive as documents and download.
    page.command("export")
    page.wait(
        "two export documents",
        lambda: len(browser.find_elements(page.by.CSS_SELECTOR, ".msg.in a.document")) >= 2,
    )
    links = browser.find_elements(page.by.CSS_SELECTOR, ".msg.in a.document")
    names = [link.get_attribute("download") for link in links[-2:]]
    for link in links[-2:]:
        link.click()
    page.wait(
        "the downloads",
        lambda: all((downloads / n).exists() and (downloads / n).stat().st_size for n in names),
    )
    # A ZIP a person reads (README.txt and one CSV per kind of data) and the complete JSON.
    by_suffix = {Path(n).suffix: downloads / n for n in names}
    assert sorted(by_suffix) == [".json", ".zip"], names
    with zipfile.ZipFile(by_suffix[".zip"]) as archive:
        inside = archive.namelist()
    assert "README.txt" in inside and any(n.endswith(".csv") for n in inside), inside
    assert by_suffix[".json"].read_text().lstrip().startswith(("{", "["))

    page.screenshot("desktop", DESKTOP)
    page.screenshot("phone", PHONE)
    if os.environ.get("STRETCHBOT_UPDATE_SCREENSHOT"):
        shutil.copyfile(OUTPUT / "phone-timer-docs.png", REPO / "docs" / "playground.png")
    assert page.errors() == []


def test_a_share_link_in_the_chat_opens_like_a_telegram_deep_link(
    playground: PlaygroundProcess, browser: Any
) -> None:
    """The bot's https://t.me/<bot>?start=<code> is a link: clicking it asks whether to open
    it as the current user or a new one, then sends "/start <code>" as that user, as
    Telegram's START button would; the bot answers with the shared routine."""
    page = Page(browser)
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    browser.get(playground.url)
    page.wait(
        "the Start button", lambda: browser.find_element(page.by.ID, "start-button").is_displayed()
    )
    page.click("start-button")
    page.bot_message(r"when should i remind you")
    page.type("/routines")
    # The list itself ("Ready-made"), not the setup question before it, whose buttons go
    # (it is edited to say the question was put aside) as the list arrives.
    routines = page.bot_message(r"ready-made")
    buttons = routines.find_elements(page.by.CSS_SELECTOR, ".kb-button")
    press_and_wait(page, buttons[0])  # a routine's card
    page.tap("Share")
    shared = page.bot_message(r"t\.me/")
    [link] = shared.find_elements(page.by.CSS_SELECTOR, "a.deep-link")
    href = link.get_attribute("href")
    found = re.search(r"^https://t\.me/stretch_playground_bot\?start=([A-Za-z0-9_-]+)$", href)
    assert found, href
    code = found.group(1)
    page.screenshot("phone-share-link", PHONE)

    def sent(text: str) -> Any:
        return page.wait(
            f"an outgoing {text!r}",
            lambda: next((m for m in page.bubbles("out") if m.text.startswith(text)), None),
        )

    # As the current user (Ana): the dialog, then "/start <code>" from her.
    ana = browser.find_element(page.by.ID, "user-select").get_attribute("value")
    link.click()
    dialog = browser.find_element(page.by.ID, "deeplink-dialog")
    page.wait("the deep link dialog", dialog.is_displayed)
    assert code in dialog.text and "Ana" in dialog.text, dialog.text
    page.click("deeplink-current")
    sent(f"/start {code}")
    assert browser.current_url.endswith(f"user={ana}") or "user=" not in browser.current_url

    # As a new user: a new person (Ben) is selected and starts with the code.
    count = len(page.bubbles())
    links = browser.find_elements(page.by.CSS_SELECTOR, ".msg.in a.deep-link")
    links[-1].click()
    page.wait("the deep link dialog", dialog.is_displayed)
    page.click("deeplink-new")
    select = browser.find_element(page.by.ID, "user-select")
    page.wait("the new user", lambda: select.get_attribute("value") != ana)
    assert "Ben" in select.text
    sent(f"/start {code}")
    page.wait("the bot's answer to the new user", lambda: len(page.bubbles("in")) >= 1)
    assert len(page.bubbles()) < count  # Ben's own chat, not Ana's
    page.screenshot("phone-deep-link-new-user", PHONE)
    assert page.errors() == []
