"""Fault injection: make the next calls of a Bot API method fail, hang or drop the connection."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

from loopback.methods import ApiError
from loopback.model import _Fault
from loopback.state import _DEFAULT_DESCRIPTIONS, ServerState


class _Dropped(Exception):
    """Internal: close the connection without answering."""


class FaultsMixin(ServerState):
    """``fail_next``, ``delay_next``, ``release_delays``, ``drop_next``, ``drop_after_next``,
    ``clear_faults``."""

    def _take_fault(self, method: str, params: Mapping[str, Any]) -> _Fault | None:
        chat_id = params.get("chat_id")
        for fault in self._faults:
            if fault.method != method.lower():
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            return fault
        return None

    async def _apply_fault(self, fault: _Fault) -> None:
        if fault.action == "drop_after":
            return  # handled after the call took effect (`_after_fault`)
        if fault.action == "drop":
            raise _Dropped
        if fault.action == "fail":
            raise ApiError(fault.error_code, fault.description, fault.retry_after)
        # delay: hang, then handle the call normally (as a slow Telegram would).
        loop = asyncio.get_running_loop()
        deadline = loop.time() + fault.seconds
        releases = self._delay_releases
        while not self._closing and loop.time() < deadline and releases == self._delay_releases:
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), max(deadline - loop.time(), 0))
        if self._closing:
            raise _Dropped

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (optionally to one chat) fail.

        429 defaults to ``retry_after=1`` and Telegram's "Too Many Requests: retry after N".
        """
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
        self._faults.append(
            _Fault(
                method=method.lower(),
                action="fail",
                remaining=times,
                chat_id=chat_id,
                error_code=error_code,
                description=description,
                retry_after=retry_after,
            )
        )

    def delay_next(
        self, method: str, seconds: float, times: int = 1, chat_id: int | str | None = None
    ) -> None:
        """Make the next ``times`` calls of ``method`` hang for ``seconds`` before running.

        The call still takes effect afterwards (like a slow Telegram), even if the client
        has given up by then; on ``stop()`` a still-hanging call is dropped instead.
        """
        self._faults.append(
            _Fault(
                method=method.lower(),
                action="delay",
                remaining=times,
                chat_id=chat_id,
                seconds=seconds,
            )
        )

    def release_delays(self) -> None:
        """End the hang of every call `delay_next` is holding now: each is then handled
        normally. Lets a test hold a call "on the wire" for as long as it needs, however
        loaded the machine, and then let Telegram deliver it."""
        self._delay_releases += 1
        self._notify()

    def drop_next(self, method: str, times: int = 1, chat_id: int | str | None = None) -> None:
        """Close the connection of the next ``times`` calls without answering (no effect)."""
        self._faults.append(
            _Fault(method=method.lower(), action="drop", remaining=times, chat_id=chat_id)
        )

    def drop_after_next(
        self, method: str, times: int = 1, chat_id: int | str | None = None
    ) -> None:
        """Carry out the next ``times`` calls, then close the connection without answering.

        The message is delivered but the client never learns it: the ambiguous failure a
        bot must not answer with a second copy.
        """
        self._faults.append(
            _Fault(method=method.lower(), action="drop_after", remaining=times, chat_id=chat_id)
        )

    def _after_fault(self, fault: _Fault | None) -> None:
        if fault is not None and fault.action == "drop_after":
            raise _Dropped

    def clear_faults(self) -> None:
        """Forget every fault that has not fired yet."""
        self._faults.clear()
