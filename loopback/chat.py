"""Chat with the bot from a terminal through the loopback server: ``python -m loopback.chat``.

Why: developers want to try the real bot by hand without Telegram.  Start the server
(``python -m loopback``), point the bot at it, then run this client; it acts as one simulated
user through the server's JSON control API (``loopback.control``).  Standard library only.

Type a line to send it as a message (``/commands`` too).  ``!1`` presses button 1 of the
latest message with buttons, ``!loc 52.52 13.40`` shares a location, ``!wait 20`` shows what
the bot says during 20 seconds, ``!quit`` (or end of input) exits.  After every action the
client waits briefly for the bot's reply, so input can be piped in from a here-doc.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, TextIO

__all__ = ["ChatSession", "ControlAPIError", "ControlClient", "main", "render_message"]

PROMPT = "you> "
HELP = """\
  text or /command   send it as a message
  !N                 press button N of the latest message with buttons
  !loc LAT LON       share a location, e.g. !loc 52.52 13.40
  !wait [SECONDS]    show what the bot says during that time (default 10)
  !block, !unblock   block or unblock the bot
  !!text             send "!text"
  !help, !quit"""


class ControlAPIError(Exception):
    """The control API refused a request (or could not be reached: status 0)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ControlClient:
    """A minimal JSON client for ``/_loopback/``."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.base = url.rstrip("/") + "/_loopback"
        self.token = token

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        http_timeout: float = 30.0,
    ) -> dict[str, Any]:
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["X-Loopback-Token"] = self.token
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=http_timeout) as response:
                result: dict[str, Any] = json.load(response)
                return result
        except urllib.error.HTTPError as error:
            try:
                message = str(json.load(error).get("error", error.reason))
            except ValueError:
                message = str(error.reason)
            raise ControlAPIError(error.code, message) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ControlAPIError(0, f"cannot reach {self.base}: {reason}") from None


def _button_label(number: int, button: dict[str, Any]) -> str:
    label = f"[{number}] {button.get('text', '')}"
    if "url" in button:
        label += f" <{button['url']}>"
    return label


def render_message(message: dict[str, Any], *, edited: bool = False) -> list[str]:
    """A bot message as terminal lines: content first, then numbered buttons."""
    parts: list[str] = []
    if message.get("photo"):
        parts.append("[photo]")
    if message.get("document"):
        parts.append(f"[document {message['document'].get('file_name') or 'file'}]")
    if message.get("location"):
        location = message["location"]
        parts.append(f"[location {location.get('latitude')}, {location.get('longitude')}]")
    content = message.get("text") or message.get("caption")
    if content:
        parts.append(content)
    if not parts:
        parts.append("(empty message)")
    prefix = "bot (edited)> " if edited else "bot> "
    text_lines = " ".join(parts).splitlines() or [""]
    lines = [prefix + text_lines[0]] + ["     " + line for line in text_lines[1:]]
    number = 1
    for row in message.get("buttons") or []:
        labels = []
        for button in row:
            labels.append(_button_label(number, button))
            number += 1
        lines.append("     " + "  ".join(labels))
    return lines


class ChatSession:
    """One simulated user's view of the chat: prints what changes, acts on request."""

    def __init__(
        self,
        api: ControlClient,
        user_id: int,
        out: TextIO,
        *,
        reply_timeout: float = 5.0,
        quiet: float = 0.8,
    ) -> None:
        self.api = api
        self.user_id = user_id
        self.out = out
        self.reply_timeout = reply_timeout
        self.quiet = quiet
        self.seen: dict[int, dict[str, Any]] = {}
        """Bot messages as last printed, by id."""
        self.version = ""
        self.keyboard: Any = None
        self.at_prompt = False
        """True while an interactive user is typing at the ``you> `` prompt."""
        self._lock = threading.Lock()

    def say(self, line: str) -> None:
        # At the prompt, first clear the half-typed line so output does not run into it.
        print(("\r\x1b[K" if self.at_prompt else "") + line, file=self.out, flush=True)

    @property
    def last_bot_id(self) -> int:
        return max(self.seen, default=0)

    def refresh(self, history: int | None = None) -> bool:
        """Fetch the chat and print new, edited and deleted bot messages.

        ``history`` limits how many already existing messages are printed (first call only).
        Returns whether anything changed.
        """
        with self._lock:
            view = self.api.call("GET", f"/chats/{self.user_id}/messages")
            current = {m["id"]: m for m in view["messages"] if m.get("from_bot")}
            new_ids = [i for i in sorted(current) if i not in self.seen]
            if history is not None:
                new_ids = new_ids[-history:] if history else []
            changed = False
            for message_id in sorted(current):
                message = current[message_id]
                old = self.seen.get(message_id)
                if message_id in new_ids:
                    lines = render_message(message)
                elif old is not None and old != message:
                    lines = render_message(message, edited=True)
                else:
                    continue
                changed = True
                for line in lines:
                    self.say(line)
            for message_id in sorted(set(self.seen) - set(current)):
                changed = True
                self.say(f"(the bot deleted message {message_id})")
            self.seen = current
            self.version = str(view.get("version", ""))
            keyboard = view.get("reply_keyboard")
            if keyboard and keyboard != self.keyboard:
                buttons = [button for row in keyboard for button in row]
                labels = "  ".join(f"[{b.get('text', '')}]" for b in buttons)
                asks_location = any(b.get("request_location") for b in buttons)
                hint = "  (!loc LAT LON shares a location)" if asks_location else ""
                self.say(f"keyboard: {labels}{hint}")
            self.keyboard = keyboard
            return changed

    def wait(self, timeout: float) -> bool:
        """Long-poll for a change in the chat; print it. Returns whether there was one."""
        query = {"after": self.last_bot_id, "version": self.version, "timeout": timeout}
        view = self.api.call(
            "GET", f"/chats/{self.user_id}/wait", query=query, http_timeout=timeout + 10
        )
        return bool(view.get("changed")) and self.refresh()

    def settle(self, timeout: float | None = None) -> None:
        """Wait for the bot's reply, then until it has been quiet for a moment."""
        if self.wait(self.reply_timeout if timeout is None else timeout):
            while self.wait(self.quiet):
                pass

    def follow(self, seconds: float) -> None:
        """Print whatever happens during ``seconds``."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            self.wait(remaining)

    def press(self, number: int) -> None:
        message = next(
            (self.seen[i] for i in sorted(self.seen, reverse=True) if self.seen[i]["buttons"]),
            None,
        )
        if message is None:
            self.say("error: no message with buttons")
            return
        buttons = [button for row in message["buttons"] for button in row]
        if not 1 <= number <= len(buttons):
            self.say(f"error: message {message['id']} has buttons 1-{len(buttons)}")
            return
        button = buttons[number - 1]
        if "callback_data" not in button:
            self.say(f"error: {button.get('text')!r} is not a callback button")
            return
        body = {"message_id": message["id"], "callback_data": button["callback_data"]}
        self.api.call("POST", f"/users/{self.user_id}/press", body)
        self.settle()

    def handle(self, line: str) -> bool:
        """Act on one input line; False means quit."""
        command, _, rest = line.partition(" ")
        if not line:
            self.refresh()
        elif command in ("!quit", "!q", "!exit"):
            return False
        elif command == "!help":
            self.say(HELP)
        elif command[1:].isdigit() and command.startswith("!"):
            self.press(int(command[1:]))
        elif command == "!loc":
            try:
                latitude, longitude = (float(x) for x in rest.replace(",", " ").split())
            except ValueError:
                self.say("usage: !loc LATITUDE LONGITUDE, e.g. !loc 52.52 13.40")
                return True
            body = {"latitude": latitude, "longitude": longitude}
            self.api.call("POST", f"/users/{self.user_id}/location", body)
            self.settle()
        elif command == "!wait":
            try:
                seconds = float(rest) if rest.strip() else 10.0
            except ValueError:
                self.say("usage: !wait SECONDS")
                return True
            self.follow(seconds)
        elif command in ("!block", "!unblock"):
            self.api.call("POST", f"/users/{self.user_id}/{command[1:]}")
            self.say(f"({command[1:]}ed the bot)")
        elif command.startswith("!") and not command.startswith("!!"):
            self.say(f"unknown command {command}; !help lists them")
        else:
            text = line[1:] if line.startswith("!!") else line
            self.api.call("POST", f"/users/{self.user_id}/text", {"text": text})
            self.settle()
        return True

    def watch_in_background(self) -> None:
        """Print messages that arrive while the user is typing (interactive use)."""

        def loop() -> None:
            last_error = ""
            while True:
                try:
                    if self.wait(25) and self.at_prompt:
                        print(PROMPT, end="", file=self.out, flush=True)  # show it again
                    last_error = ""
                except ControlAPIError as error:
                    if str(error) != last_error:  # say it once, not every retry
                        last_error = str(error)
                        self.say(f"error: {error}")
                    time.sleep(2)

        threading.Thread(target=loop, name="loopback-chat-watch", daemon=True).start()


def _pick_user(api: ControlClient, user_id: int | None, name: str | None) -> dict[str, Any]:
    """Reuse the user with this id (or first name), or create them."""
    if user_id is not None:
        try:
            return api.call("GET", f"/users/{user_id}")
        except ControlAPIError as error:
            if error.status != 404:
                raise
        return api.call("POST", "/users", {"id": user_id, "first_name": name or "Ana"})
    name = name or "Ana"
    users: list[dict[str, Any]] = api.call("GET", "/users")["users"]
    for user in users:
        if user["first_name"] == name:
            return user
    return api.call("POST", "/users", {"first_name": name})


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m loopback.chat", description="Chat with the bot as a simulated user."
    )
    parser.add_argument("--url", default="http://127.0.0.1:8081", help="the loopback server")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--user-id", type=int, help="act as this user (created if missing)")
    who.add_argument("--name", help="act as the user with this first name (default Ana)")
    parser.add_argument(
        "--control-token",
        default=os.environ.get("LOOPBACK_CONTROL_TOKEN"),
        help="the server's control token, if it has one (env LOOPBACK_CONTROL_TOKEN)",
    )
    parser.add_argument(
        "--reply-timeout", type=float, default=5.0, help="seconds to wait for a reply"
    )
    parser.add_argument(
        "--history", type=int, default=3, help="existing bot messages to show at start"
    )
    return parser.parse_args(argv)


def main(
    argv: list[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """Run the chat loop; ``stdin``/``stdout`` can be replaced (tests)."""
    args = _parse_args(argv)
    source = stdin if stdin is not None else sys.stdin
    out = stdout if stdout is not None else sys.stdout
    interactive = source is sys.stdin and source.isatty()
    api = ControlClient(args.url, args.control_token)
    try:
        bot = api.call("GET", "/")["bot"]
        user = _pick_user(api, args.user_id, args.name)
        session = ChatSession(api, int(user["id"]), out, reply_timeout=args.reply_timeout)
        print(
            f"Chatting with @{bot['username']} as {user['first_name']} (user {user['id']}). "
            "!help lists commands.",
            file=out,
            flush=True,
        )
        session.refresh(history=args.history)
    except ControlAPIError as error:
        print(f"error: {error}", file=out, flush=True)
        return 1
    if interactive:
        session.watch_in_background()
    while True:
        session.at_prompt = interactive
        try:
            line = input(PROMPT) if interactive else source.readline()
        except (EOFError, KeyboardInterrupt):
            break
        finally:
            session.at_prompt = False
        if not interactive:
            if not line:
                break
            print(f"{PROMPT}{line.rstrip()}", file=out, flush=True)
        try:
            if not session.handle(line.strip()):
                break
        except ControlAPIError as error:
            session.say(f"error: {error}")
        except KeyboardInterrupt:  # Ctrl-C stops waiting for a reply, not the chat
            session.say("(interrupted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
