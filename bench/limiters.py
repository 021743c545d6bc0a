"""Rate limiters the dispatch benchmark compares, and the bare-send floor."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Bot
from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter, BaseRateLimiter
from telegram.request import HTTPXRequest

from bot.botapi.ratelimit import PriorityRateLimiter
from bot.reminders import IN_FLIGHT
from loopback import LoopbackBotAPI


class Unlimited(BaseRateLimiter[None]):
    """No limit at all: shows what the stack can do when Telegram's cap is not in the way."""

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | JSONDict | list[JSONDict]:
        return await callback(*args, **kwargs)


def make(variant: str) -> BaseRateLimiter:  # type: ignore[type-arg]
    """`priority` (the bot's), `ptb-bucket` (PTB's AIORateLimiter at 5 + 25/s, the previous
    setting), `none`."""
    if variant == "priority":
        return PriorityRateLimiter(max_retries=2)
    if variant == "ptb-bucket":
        return AIORateLimiter(overall_max_rate=5, overall_time_period=5 / 25, max_retries=2)
    if variant == "none":
        return Unlimited()
    raise ValueError(variant)


async def bare_send_rate(server: LoopbackBotAPI, chat_ids: list[int]) -> float:
    """The floor: PTB's plain `Bot.send_message` to each chat, as many in flight as the
    dispatcher allows (`IN_FLIGHT`), no database, no rate limiter. Messages per second."""
    bot = Bot(
        server.token,
        base_url=server.api_base_url,
        request=HTTPXRequest(connection_pool_size=64),
    )
    limit = asyncio.Semaphore(IN_FLIGHT)

    async def one(chat_id: int) -> None:
        async with limit:
            await bot.send_message(chat_id, "Time to stretch")

    async with bot:
        began = time.perf_counter()
        await asyncio.gather(*(one(c) for c in chat_ids))
        return len(chat_ids) / (time.perf_counter() - began)
