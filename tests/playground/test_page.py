"""The page's rendering contract in headless Chromium, with the bot's side driven directly.

The playground runs in-process (in a thread) so the test can also speak the Bot API to the
loopback server as the bot would: formatted and hostile HTML, an edit, a deletion, inline
buttons whose presses the real bot answers (an alert), plus the page's own controls:
location (typed and picked), the command menu by keyboard, a second user and the clock.
"""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from PIL import Image

from bot.playground.core import Playground, PlaygroundOptions
from tests.playground.test_browser import DESKTOP, PHONE, Page, browser, downloads  # noqa: F401
from tests.playground.test_browser import pytestmark as browser_mark

pytestmark = browser_mark
T = TypeVar("T")


class ThreadedPlayground:
    """A Playground on its own event loop in a thread, so Selenium can block in the test."""

    def __init__(self, data_dir: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.playground = Playground(PlaygroundOptions(port=0, data_dir=data_dir))
        self.run(self.playground.start())

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(60)

    def stop(self) -> None:
        self.run(self.playground.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def bot_api(self, method: str, **params: Any) -> Any:
        """Call the loopback Bot API as the bot does; returns ``result``."""
        loopback = self.playground.loopback
        url = f"{loopback.api_base_url}{loopback.token}/{method}"
        reply = httpx.post(url, json=params, timeout=10).json()
        assert reply["ok"], reply
        return reply["result"]


@pytest.fixture
def threaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadedPlayground]:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    running = ThreadedPlayground(tmp_path / "data")
    try:
        yield running
    finally:
        running.stop()


HOSTILE = (
    '<b>bold</b> <i>italic</i> <u>under</u> <s>gone</s> <a href="https://example.org/x">link</a> '
    "<code>code</code> <tg-spoiler>secret</tg-spoiler>\n<blockquote>quoted</blockquote>\n"
    '&lt;img src=x onerror="window.hacked=1"&gt; &lt;script&gt;window.hacked=2&lt;/script&gt;'
)


def test_the_page_renders_what_the_bot_sends_and_its_controls_work(
    threaded: ThreadedPlayground,
    browser: Any,  # noqa: F811
) -> None:
    page = Page(browser)
    by = page.by
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    url = f"http://127.0.0.1:{threaded.playground.port}/"
    browser.get(url)
    page.wait("the empty chat", lambda: browser.find_element(by.ID, "start-button").is_displayed())
    user = threaded.playground.loopback.users[0].id

    # Telegram HTML is rendered; HTML-looking text stays text and runs nothing.
    sent = threaded.bot_api(
        "sendMessage",
        chat_id=user,
        text=HOSTILE,
        parse_mode="HTML",
        reply_markup={
            "inline_keyboard": [
                [{"text": "Ping", "callback_data": "forged:1"}],
                [{"text": "Docs", "url": "https://example.org/docs"}],
            ]
        },
    )
    bubble = page.bot_message("bold")
    for selector in ("b", "i", "u", "s", "code", "blockquote", "span.tg-spoiler"):
        assert bubble.find_elements(by.CSS_SELECTOR, f".text {selector}"), selector
    link = bubble.find_element(by.CSS_SELECTOR, ".text a")
    assert link.get_attribute("href") == "https://example.org/x"
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in link.get_attribute("rel")
    assert '<img src=x onerror="window.hacked=1">' in bubble.text
    assert not browser.find_elements(by.CSS_SELECTOR, "#messages img, #messages script")
    assert browser.execute_script("return window.hacked === undefined")
    spoiler = bubble.find_element(by.CSS_SELECTOR, "span.tg-spoiler")
    spoiler.click()
    assert "revealed" in spoiler.get_attribute("class")
    url_button = bubble.find_element(by.CSS_SELECTOR, "a.kb-button")
    assert url_button.get_attribute("href") == "https://example.org/docs"

    # An animation (a GIF) plays inline, with its caption as alt text.
    frames = [Image.new("RGB", (120, 80), color) for color in ("#3a8fd6", "#e2fdd0")]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0)
    loopback = threaded.playground.loopback
    reply = httpx.post(
        f"{loopback.api_base_url}{loopback.token}/sendAnimation",
        data={"chat_id": str(user), "caption": "Breathe out slowly"},
        files={"animation": ("breathe.gif", gif.getvalue(), "image/gif")},
        timeout=10,
    ).json()
    assert reply["ok"], reply
    animated = page.wait(
        "the animation",
        lambda: next(
            (
                img
                for img in browser.find_elements(by.CSS_SELECTOR, ".msg.in img.photo")
                if browser.execute_script("return arguments[0].naturalWidth", img) == 120
            ),
            None,
        ),
    )
    assert animated.get_attribute("alt") == "Breathe out slowly"

    # A javascript: link never becomes clickable.
    threaded.bot_api(
        "sendMessage",
        chat_id=user,
        text='<a href="javascript:window.hacked=3">sneaky</a>',
        parse_mode="HTML",
    )
    sneaky = page.bot_message("sneaky")
    for anchor in sneaky.find_elements(by.CSS_SELECTOR, ".text a"):
        assert not (anchor.get_attribute("href") or "").startswith("javascript")

    # An edit updates the same bubble in place.
    browser.execute_script(
        "window.edited = document.querySelector(`li[data-id='${arguments[0]}']`)",
        sent["message_id"],
    )
    threaded.bot_api(
        "editMessageText",
        chat_id=user,
        message_id=sent["message_id"],
        text="<b>Changed</b> text",
        parse_mode="HTML",
        reply_markup={"inline_keyboard": [[{"text": "Ping", "callback_data": "forged:1"}]]},
    )
    page.wait(
        "the edit",
        lambda: browser.execute_script(
            "return window.edited.isConnected && window.edited.textContent.includes('Changed')"
        ),
    )
    assert "edited" in browser.execute_script("return window.edited.textContent")

    # The real bot answers a button it never made with an alert: a dialog, OK closes it.
    next(
        b for b in browser.find_elements(by.CSS_SELECTOR, ".kb-button") if b.text == "Ping"
    ).click()
    dialog = page.wait(
        "the alert dialog",
        lambda: browser.execute_script("return document.getElementById('alert-dialog').open"),
    )
    assert dialog
    assert browser.find_element(by.ID, "alert-text").text
    page.screenshot("page-alert", PHONE)
    browser.find_element(by.ID, "alert-ok").click()
    assert not browser.execute_script("return document.getElementById('alert-dialog').open")

    # A deletion removes the bubble.
    threaded.bot_api("deleteMessage", chat_id=user, message_id=sent["message_id"])
    page.wait(
        "the deletion",
        lambda: not browser.find_elements(by.CSS_SELECTOR, f"li[data-id='{sent['message_id']}']"),
    )

    # Share a location: a wrong latitude is explained, typed coordinates and a city are sent.
    page.click("location-button")
    browser.find_element(by.ID, "latitude").send_keys("100")
    browser.find_element(by.ID, "longitude").send_keys("13.405")
    browser.find_element(by.CSS_SELECTOR, "#coords-form button[type=submit]").click()
    assert "Latitude" in browser.find_element(by.ID, "coords-error").text
    latitude = browser.find_element(by.ID, "latitude")
    latitude.clear()
    latitude.send_keys("52.52")
    browser.find_element(by.CSS_SELECTOR, "#coords-form button[type=submit]").click()
    page.wait(
        "the typed location",
        lambda: any("52.5200, 13.4050" in m.text for m in page.bubbles("out")),
    )
    page.click("location-button")
    next(b for b in browser.find_elements(by.CSS_SELECTOR, ".city") if b.text == "Tokyo").click()
    page.wait("Tokyo", lambda: any("35.6762, 139.6503" in m.text for m in page.bubbles("out")))

    # The command menu works from the keyboard: Enter opens it, arrows move, Escape closes.
    from selenium.webdriver.common.keys import Keys

    menu_button = browser.find_element(by.ID, "menu-button")
    page.wait("the command menu", lambda: menu_button.is_enabled())
    menu_button.send_keys(Keys.ENTER)
    active = browser.switch_to.active_element
    assert active.get_attribute("role") == "menuitem"
    active.send_keys(Keys.ARROW_DOWN)
    second = browser.switch_to.active_element
    assert second.text != active.text
    second.send_keys(Keys.ESCAPE)
    assert not browser.find_element(by.ID, "command-menu").is_displayed()
    assert browser.switch_to.active_element == menu_button
    menu_button.send_keys(Keys.ENTER)
    help_item = next(
        i
        for i in browser.find_elements(by.CSS_SELECTOR, ".menu-item")
        if i.text.startswith("/help")
    )
    help_item.send_keys(Keys.ENTER)
    page.wait("/help sent", lambda: any(m.text.startswith("/help") for m in page.bubbles("out")))

    # A /command in the bot's text is tappable, like in Telegram.
    help_text = page.bot_message("/privacy")
    link = next(
        b
        for b in help_text.find_elements(by.CSS_SELECTOR, "button.command-link")
        if b.text == "/privacy"
    )
    link.click()
    page.wait(
        "/privacy sent", lambda: any(m.text.startswith("/privacy") for m in page.bubbles("out"))
    )

    # A second person: a fresh chat; switching back shows the first one's again.
    page.click("new-user")
    page.wait("the new user's empty chat", lambda: not page.bubbles("out"))
    select = browser.find_element(by.ID, "user-select")
    options = [o.text for o in select.find_elements(by.TAG_NAME, "option")]
    assert options == ["Ana", "Ben"]
    assert browser.find_element(by.ID, "start-button").is_displayed()
    from selenium.webdriver.support.ui import Select

    Select(select).select_by_visible_text("Ana")
    page.wait(
        "Ana's chat again",
        lambda: any("Tokyo" in m.text or "35.6762" in m.text for m in page.bubbles("out")),
    )

    # +1 day moves the bot's clock a day forward.
    before = threaded.playground.clock.now()
    page.click("plus-day")
    page.wait("the clock to move", lambda: threaded.playground.clock.offset.days >= 1)
    assert (threaded.playground.clock.now() - before).days == 1
    time.sleep(1.2)  # one clock event
    page.screenshot("page-desktop", DESKTOP)
    page.screenshot("page-phone", PHONE)
    assert page.errors() == []
