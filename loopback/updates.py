"""Updates: the pending queue, getUpdates long polling with offsets, and confirmation waits."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import Mapping
from typing import Any

from loopback.methods import ApiError
from loopback.state import _DEFAULT_DESCRIPTIONS, ServerState

_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def _update_type(update: Mapping[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


class UpdatesMixin(ServerState):
    """The update queue the bot drains with getUpdates (or deleteWebhook drops)."""

    def _m_delete_webhook(self, params: dict[str, Any]) -> Any:
        if params.get("drop_pending_updates"):
            self._pending.clear()
            self._confirmed_offset = max(self._confirmed_offset, self._next_update_id)
            self._notify()
        return True

    def _confirm(self, offset: int | None) -> None:
        """Forget updates the bot has acknowledged by asking for a higher offset."""
        if offset is None or offset == 0:
            return
        before = len(self._pending)
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
            self._confirmed_offset = max(self._confirmed_offset, offset)
        else:
            self._pending = self._pending[offset:]
            first = self._pending[0]["update_id"] if self._pending else self._next_update_id
            self._confirmed_offset = max(self._confirmed_offset, first)
        if len(self._pending) != before or offset > 0:
            self._notify()

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        allowed = self._allowed_updates
        kept: list[dict[str, Any]] = []
        for update in self._pending:
            kind = _update_type(update)
            if (kind in allowed) if allowed is not None else kind not in _DEFAULT_EXCLUDED_UPDATES:
                kept.append(update)
        if len(kept) != len(self._pending):
            self._pending = kept  # Telegram never delivers updates of unwanted types.
            self._notify()
        return copy.deepcopy(kept[:limit])

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(int(params.get("timeout") or 0), 0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(str(a) for a in allowed) if allowed else None
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # terminates an older long poll (409, like Telegram)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            ready = self._deliverable(limit)
            if ready or self._closing or loop.time() >= deadline:
                return ready
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), deadline - loop.time())
            if self._poll_generation != generation and not self._closing:
                raise ApiError(409, _DEFAULT_DESCRIPTIONS[409])

    def _enqueue(self, payload: dict[str, Any]) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._pending.append({"update_id": update_id, **payload})
        self._notify()
        return update_id

    def is_confirmed(self, update_id: int) -> bool:
        """Whether the bot acknowledged (or Telegram dropped) this update."""
        return update_id < self._confirmed_offset or (
            update_id < self._next_update_id
            and all(u["update_id"] != update_id for u in self._pending)
        )

    async def wait_until_confirmed(
        self,
        update_id: int,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented API
    ) -> None:
        """Return once getUpdates was called with an offset above ``update_id``.

        PTB puts fetched updates into ``application.update_queue`` before polling again, so
        afterwards ``await application.update_queue.join()`` waits for their handling.
        """
        if update_id >= self._next_update_id:
            raise ValueError(f"update {update_id} was never created")
        await self._wait_until(
            lambda: self.is_confirmed(update_id),
            timeout,
            lambda: (
                f"update {update_id} was not confirmed within {timeout}s (highest offset "
                f"seen {self._confirmed_offset}; pending "
                f"{[u['update_id'] for u in self._pending]}); is the bot polling?"
            ),
        )

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        return copy.deepcopy(self._pending)
