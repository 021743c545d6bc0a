"""Step illustrations: a stretch's looping clip (sendAnimation) or still (sendPhoto).

Each file is uploaded once; Telegram's ``file_id`` for it is cached in ``media_files``
(and in memory) under a key made from the file's bytes, hashed once per file while the bot
runs, so a redrawn picture is uploaded again and an unchanged one never is; users starting
at the same moment wait for one upload and then reuse its file_id. When a card switches
between the standard and the easier version and their pictures differ, the picture is
swapped in place with ``editMessageMedia``.
Every call goes through `bot.botapi.errors`, which classifies the Bot API's failures.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, InlineKeyboardMarkup, InputFile, InputMediaAnimation, InputMediaPhoto
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.botapi import errors as botapi
from bot.content import Illustration
from bot.services.container import Services

logger = logging.getLogger(__name__)


async def _upload(illustration: Illustration, *, attach: bool = False) -> InputFile:
    """The file's bytes to upload; ``attach`` for an InputMedia (sent as attach://)."""
    data = await asyncio.to_thread(illustration.path.read_bytes)
    return InputFile(data, filename=illustration.path.name, attach=attach)


async def send_illustrated(
    bot: Bot,
    svc: Services,
    chat_id: int,
    illustration: Illustration,
    caption: str,
    markup: InlineKeyboardMarkup,
) -> botapi.Sent:
    """Send the picture with an HTML caption and buttons; reuse the cached file_id if any."""
    key = await svc.routines.media_key(illustration)
    send = botapi.send_animation if illustration.kind == "animation" else botapi.send_photo

    async def upload() -> botapi.Sent:
        sent = await send(
            bot, chat_id, await _upload(illustration), caption=caption, reply_markup=markup
        )
        if sent.file_id is not None:
            await svc.routines.remember_media(key, sent.file_id)
        return sent

    cached = await svc.routines.media_file_id(key)
    if cached is None:
        async with svc.routines.upload_lock(key):
            cached = await svc.routines.media_file_id(key)
            if cached is None:
                return await upload()
    try:
        return await send(bot, chat_id, cached, caption=caption, reply_markup=markup)
    except BadRequest as exc:  # an unknown file_id: not a flow failure, upload again
        logger.warning("Cached illustration rejected (%s); uploading again", exc.message)
        svc.routines.forget_media(key)
    return await upload()


async def swap_illustration(
    bot: Bot,
    svc: Services,
    chat_id: int,
    message_id: int,
    illustration: Illustration,
    caption: str,
    markup: InlineKeyboardMarkup,
) -> botapi.Sent:
    """Replace a card's picture, caption and buttons in one ``editMessageMedia`` call."""
    key = await svc.routines.media_key(illustration)
    cached = await svc.routines.media_file_id(key)
    source: str | InputFile = (
        cached if cached is not None else await _upload(illustration, attach=True)
    )
    media_type = InputMediaAnimation if illustration.kind == "animation" else InputMediaPhoto
    media = media_type(source, caption=caption, parse_mode=ParseMode.HTML)
    sent = await botapi.edit_media(bot, chat_id, message_id, media, reply_markup=markup)
    if cached is None and sent.file_id is not None:
        await svc.routines.remember_media(key, sent.file_id)
    return sent
