"""The playground's simulated users and their chats, kept in the data folder so a restart
finds them as Telegram would: same people, same ids, same history.

``chats.json`` holds the users and messages (`loopback.snapshot`), ``files/`` the photos and
documents the bot sent (one file each, named by its file_unique_id, written once; removed
once no saved chat shows it, e.g. after /delete). Saved a moment after every change and
when the playground stops; written to a temporary file and renamed, so a kill mid-save
leaves the previous copy. Readable by the owner only (the chats hold health data). A file
that can't be read is moved aside (``chats.json.unreadable``) and said so, never
overwritten, until someone's data is erased (/delete): then nothing but the saved chats and
the files they show stays (`forget_leftovers`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path

from loopback import LoopbackBotAPI, SimUser

logger = logging.getLogger(__name__)

CHATS_FILE = "chats.json"
FILES_FOLDER = "files"
UNREADABLE_SUFFIX = ".unreadable"
TEMPORARY_SUFFIX = ".tmp"
SAVE_DELAY_SECONDS = 0.3
"""How long after a change the chats are saved (changes within it are saved together)."""


class ChatStore:
    """Loads the saved chats into a loopback server and saves them back on changes."""

    def __init__(self, loopback: LoopbackBotAPI, data_dir: Path) -> None:
        self.loopback = loopback
        self.path = data_dir / CHATS_FILE
        self.files_dir = data_dir / FILES_FOLDER
        self._loaded = False
        self._saved_text: str | None = None
        self._saved_files: set[str] = set()
        """The files of the chats last read or saved (the ones a save may remove)."""

    def load(self) -> list[SimUser]:
        """Restore the saved users and chats (none saved: nothing). A damaged file is moved
        aside with a warning; saving then starts afresh. Returns the users restored."""
        self._loaded = True
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        try:
            snapshot = json.loads(text)
            files = {
                meta["file_unique_id"]: (self.files_dir / meta["file_unique_id"]).read_bytes()
                for meta in snapshot.get("files", [])
                if (self.files_dir / str(meta["file_unique_id"])).is_file()
            }
            restored = self.loopback.restore_chats(snapshot, files)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            aside = self.path.with_name(CHATS_FILE + UNREADABLE_SUFFIX)
            os.replace(self.path, aside)
            logger.warning(
                "The playground's saved chats could not be read (%s); moved to %s",
                type(error).__name__,
                aside,
            )
            return []
        self._saved_text = text
        self._saved_files = set(files)
        return restored

    def save(self) -> None:
        """Write the chats now (new files first, then chats.json), if anything changed."""
        if not self._loaded:
            return  # never overwrite chats that were not read
        snapshot, files = self.loopback.chats_snapshot()
        text = json.dumps(snapshot, ensure_ascii=False)
        if text == self._saved_text:
            return
        self.files_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        for stored in files:
            target = self.files_dir / stored.file_unique_id
            if not target.exists():
                _write_atomically(target, stored.data)
        _write_atomically(self.path, text.encode("utf-8"))
        self._saved_text = text
        shown = {stored.file_unique_id for stored in files}
        for forgotten in self._saved_files - shown:
            (self.files_dir / forgotten).unlink(missing_ok=True)
        self._saved_files = shown

    def forget_leftovers(self) -> None:
        """After an erasure, once the chats are saved: remove what they don't hold, which
        may hold the erased person's messages or files: the chats moved aside unreadable,
        a save a kill left half done (``.tmp``), and files no saved chat shows (the ones
        the unreadable chats showed, or a save's leftovers). Nothing when the chats were
        never read (`save` keeps them then)."""
        if not self._loaded or self._saved_text is None:
            return
        aside = self.path.with_name(CHATS_FILE + UNREADABLE_SUFFIX)
        if aside.exists():
            logger.warning(
                "Removed %s after an erasure: it may hold the erased person's messages", aside
            )
        for leftover in (aside, self.path.with_name(CHATS_FILE + TEMPORARY_SUFFIX)):
            leftover.unlink(missing_ok=True)
        if self.files_dir.is_dir():
            for path in self.files_dir.iterdir():
                if path.name not in self._saved_files and path.is_file():
                    path.unlink(missing_ok=True)

    async def keep_saved(self) -> None:
        """Save shortly after each change, until cancelled (then once more)."""
        try:
            while True:
                await self.loopback.wait_for_change(3600)
                await asyncio.sleep(SAVE_DELAY_SECONDS)
                self._save_logged()
        finally:
            self._save_logged()

    def _save_logged(self) -> None:
        try:
            self.save()
        except OSError as error:
            logger.warning("Could not save the playground's chats: %s", error.strerror or error)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + TEMPORARY_SUFFIX)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)
    os.chmod(temporary, 0o600)  # an older .tmp left by a kill may have other modes
    os.replace(temporary, path)
