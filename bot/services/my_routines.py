"""Use cases of user routines: the builder (a draft row), saving, editing, deleting, and
share codes (make one, read one, add the routine it holds).

Every change of a draft is a compare-and-set on its version, so a double tap or a button
of an older builder message changes nothing. Rules live in `bot.domain.my_routines` and
`bot.domain.share_codes`; this module only stores and loads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.content import Content, Routine, RoutineItem, Stretch
from bot.db import my_routines as store
from bot.db.models import MyRoutine, User
from bot.domain.my_routines import (
    MAX_NAME_CHARS,
    MAX_ROUTINES,
    Rule,
    UserRoutine,
    items_from_json,
    items_to_json,
    ref_of,
    row_id_of,
    rule_broken,
)
from bot.domain.share_codes import (
    ShareCodec,
    SharedRoutine,
    ShareError,
    code_tag,
    routine_problem,
)

#: What a user routine says about itself in lists.
OWN_DESCRIPTION = "Your own routine."
LINK_DESCRIPTION = "Added from a shared link."
SHARED_NAME = "Shared routine"


class Outcome(StrEnum):
    DONE = "done"
    ALREADY = "already"  # the user already has this routine (`saved` says which)
    STALE = "stale"  # an older builder message's button, or the second of a double tap
    GONE = "gone"  # no such draft or routine (deleted, saved, or someone else's)
    FULL = "full"  # 10 routines already, or a routine with the most stretches
    BROKEN = "broken"  # the change would break a rule (`rule` says which)
    NO_NAME = "no_name"  # saving before a name was given


@dataclass(frozen=True)
class Draft:
    """A routine being built or edited, as the builder shows it."""

    id: int
    version: int
    name: str | None
    items: tuple[RoutineItem, ...]
    chair_only: bool
    gentle: bool
    edits: int | None  # the routine it will replace when saved, if editing


@dataclass(frozen=True)
class Change:
    outcome: Outcome
    draft: Draft | None = None
    rule: Rule | None = None
    saved: UserRoutine | None = None


def _items(row: MyRoutine, stretches: Mapping[str, Stretch]) -> tuple[RoutineItem, ...]:
    """A row's stretches, leaving out any the content no longer has (a stretch file removed
    since the routine was saved), so an old routine still opens and runs."""
    return tuple(item for item in items_from_json(row.items) if item.stretch in stretches)


def _draft(row: MyRoutine, stretches: Mapping[str, Stretch]) -> Draft:
    return Draft(
        id=row.id,
        version=row.version,
        name=row.name,
        items=_items(row, stretches),
        chair_only=row.no_floor,
        gentle=row.gentle,
        edits=row.edits,
    )


def to_routine(row: MyRoutine, stretches: Mapping[str, Stretch]) -> UserRoutine | None:
    """A saved row as a `Routine` (same steps, durations and checks as a shipped one);
    None when none of its stretches exists any more."""
    items = _items(row, stretches)
    if not items:
        return None
    return UserRoutine(
        id=ref_of(row.id),
        title=row.name or SHARED_NAME,
        description=LINK_DESCRIPTION if row.from_link else OWN_DESCRIPTION,
        items=items,
        no_floor=row.no_floor,
        gentle=row.gentle,
        progress=row.progress,
        from_link=row.from_link,
        order=1000,
    )


def _shared(routine: Routine, name: str | None = None) -> SharedRoutine:
    return SharedRoutine(routine.items, no_floor=routine.no_floor, gentle=routine.gentle, name=name)


def free_name(name: str, taken: set[str]) -> str:
    """`name`, or `name 2`, `name 3` ... (shortened to stay within `MAX_NAME_CHARS`), the
    first the user doesn't already use."""
    candidate, number = name, 2
    while candidate in taken:
        suffix = f" {number}"
        candidate = name[: MAX_NAME_CHARS - len(suffix)].rstrip() + suffix
        number += 1
    return candidate


DraftEdit = Callable[[Draft], Draft]


class MyRoutines:
    """A user's own routines and share links."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, content: Content
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._content = content
        self.codec = ShareCodec(content.stretches)

    # --- reading ------------------------------------------------------------------------

    async def saved(self, user_id: int, session: AsyncSession | None = None) -> list[UserRoutine]:
        """The user's routines (not drafts), oldest first; ``session``: the caller's."""
        if session is None:
            async with self._sessions() as own:
                return await self.saved(user_id, own)
        rows = await store.saved(session, user_id)
        stretches = self._content.stretches
        return [r for r in (to_routine(row, stretches) for row in rows) if r is not None]

    async def routine(self, user_id: int, ref: str) -> UserRoutine | None:
        """The user's saved routine with this id (``u-12``), or None."""
        row_id = row_id_of(ref)
        if row_id is None:
            return None
        async with self._sessions() as session:
            row = await store.get(session, user_id, row_id)
        return None if row is None or row.draft else to_routine(row, self._content.stretches)

    async def find(self, user_id: int, routine_id: str) -> Routine | None:
        """A shipped routine by id, or the user's own by ``u-<id>``."""
        shipped = self._content.routines.get(routine_id)
        if shipped is not None:
            return shipped
        return await self.routine(user_id, routine_id)

    async def draft(self, user_id: int, draft_id: int) -> Draft | None:
        async with self._sessions() as session:
            row = await store.get(session, user_id, draft_id)
        return None if row is None or not row.draft else _draft(row, self._content.stretches)

    # --- the builder --------------------------------------------------------------------

    async def new_draft(self, user_id: int, *, edits: int | None = None) -> Change:
        """Start building (or editing routine `edits`): one draft per user at a time."""
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            source = None
            if edits is not None:
                source = await store.get(session, user_id, edits)
                if source is None or source.draft:
                    return Change(Outcome.GONE)
            elif await store.count_saved(session, user_id) >= MAX_ROUTINES:
                return Change(Outcome.FULL)
            await store.drop_drafts(session, user_id)
            row = MyRoutine(
                user_id=user_id,
                name=source.name if source else None,
                items=source.items if source else "[]",
                no_floor=source.no_floor if source else False,
                gentle=source.gentle if source else False,
                progress=source.progress if source else True,
                from_link=source.from_link if source else False,
                draft=True,
                edits=edits,
                version=0,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            await session.flush()
            return Change(Outcome.DONE, _draft(row, self._content.stretches))

    async def change(self, user_id: int, draft_id: int, version: int, edit: DraftEdit) -> Change:
        """Apply one builder button to the draft, once; refuse what breaks a rule."""
        async with self._sessions() as session, session.begin():
            row = await store.get(session, user_id, draft_id)
            if row is None or not row.draft:
                return Change(Outcome.GONE)
            draft = _draft(row, self._content.stretches)
            if row.version != version:
                return Change(Outcome.STALE, draft)
            try:
                new = edit(draft)
            except (ValueError, IndexError):
                return Change(Outcome.FULL if len(draft.items) else Outcome.STALE, draft)
            if new.items:
                problem = routine_problem(
                    SharedRoutine(new.items, no_floor=new.chair_only, gentle=new.gentle),
                    self._content.stretches,
                )
                if problem is not None:
                    return Change(Outcome.BROKEN, draft, rule_broken(problem))
            values = {
                "name": new.name,
                "items": items_to_json(new.items),
                "no_floor": new.chair_only,
                "gentle": new.gentle,
                "updated_at": self._clock.now(),
            }
            if not await store.update_if_version(session, user_id, draft_id, version, values):
                return Change(Outcome.STALE, draft)
        return Change(Outcome.DONE, replace(new, version=version + 1))

    async def rename(self, user_id: int, draft_id: int, name: str) -> Change:
        """The typed name (already cleaned by `clean_name`); whatever version is current."""
        async with self._sessions() as session, session.begin():
            row = await store.get(session, user_id, draft_id)
            if row is None or not row.draft:
                return Change(Outcome.GONE)
            values = {"name": name, "updated_at": self._clock.now()}
            if not await store.update_if_version(session, user_id, draft_id, row.version, values):
                return Change(Outcome.STALE, _draft(row, self._content.stretches))
            row_version = row.version + 1
        return Change(
            Outcome.DONE,
            replace(_draft(row, self._content.stretches), name=name, version=row_version),
        )

    async def save(self, user_id: int, draft_id: int, version: int) -> Change:
        """Save the draft as a routine (or over the routine it edits)."""
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            row = await store.get(session, user_id, draft_id)
            if row is None or not row.draft:
                return Change(Outcome.GONE)
            draft = _draft(row, self._content.stretches)
            if row.version != version:
                return Change(Outcome.STALE, draft)
            if not draft.name:  # and, if also empty, say that too (everything missing)
                return Change(Outcome.NO_NAME, draft, None if draft.items else Rule.NO_STRETCH)
            problem = routine_problem(
                SharedRoutine(draft.items, no_floor=draft.chair_only, gentle=draft.gentle),
                self._content.stretches,
            )
            if problem is not None:
                return Change(Outcome.BROKEN, draft, rule_broken(problem))
            target = row
            if draft.edits is not None:
                original = await store.get(session, user_id, draft.edits)
                if original is None or original.draft:  # deleted while being edited
                    if await store.count_saved(session, user_id) >= MAX_ROUTINES:
                        return Change(Outcome.FULL, draft)
                else:
                    for field in ("name", "items", "no_floor", "gentle"):
                        setattr(original, field, getattr(row, field))
                    original.updated_at = now
                    original.version += 1
                    await session.delete(row)
                    target = original
            elif await store.count_saved(session, user_id) >= MAX_ROUTINES:
                return Change(Outcome.FULL, draft)
            if target is row:
                row.draft = False
                row.edits = None
                row.version += 1
                row.updated_at = now
            await session.flush()
            return Change(Outcome.DONE, saved=to_routine(target, self._content.stretches))

    async def discard(self, user_id: int, draft_id: int, version: int) -> Change:
        async with self._sessions() as session, session.begin():
            row = await store.get(session, user_id, draft_id)
            if row is None or not row.draft:
                return Change(Outcome.GONE)
            if row.version != version:
                return Change(Outcome.STALE, _draft(row, self._content.stretches))
            await store.delete_one(session, user_id, draft_id)
        return Change(Outcome.DONE)

    async def delete(self, user_id: int, ref: str) -> bool:
        """Delete a saved routine; it stops being the reminder's routine. A run following
        it goes on (the run keeps its own copy). False if it was already gone."""
        row_id = row_id_of(ref)
        if row_id is None:
            return False
        async with self._sessions() as session, session.begin():
            row = await store.get(session, user_id, row_id)
            if row is None or row.draft:
                return False
            await store.delete_one(session, user_id, row_id)
            await store.forget_default(session, user_id, ref)
        return True

    # --- share links --------------------------------------------------------------------

    def code_for(self, routine: Routine) -> str:
        """The share code of any routine, with its doses and, when it fits, its name.
        Raises `ShareError`."""
        return self.codec.encode(_shared(routine, name=routine.title))

    def read(self, code: str) -> SharedRoutine:
        """The routine in a code, checked against the content. Raises `ShareError`."""
        return self.codec.decode(code)

    def tag_of(self, code: str) -> str:
        """The 8 hex digits a link's preview buttons carry: of what the routine does (its
        name left out), so every link to one routine has the same tag."""
        try:
            return code_tag(self.codec.content_code(self.read(code)))
        except ShareError:
            return code_tag(code)

    async def same_as_link(
        self, user_id: int, *, shared: SharedRoutine | None = None, tag: str | None = None
    ) -> UserRoutine | None:
        """The user's saved routine that does what a link's does (same stretches, versions,
        doses and filters; names aside), found by the link's routine or by its `tag_of`;
        None if they have none."""
        wanted = None if shared is None else self.codec.content_code(shared)
        for routine in await self.saved(user_id):
            own = self._content_code(routine)
            if own is not None and (own == wanted or (tag is not None and code_tag(own) == tag)):
                return routine
        return None

    def _content_code(self, routine: Routine) -> str | None:
        try:
            return self.codec.content_code(_shared(routine))
        except ShareError:
            return None

    def preview(self, shared: SharedRoutine) -> UserRoutine:
        """A shared routine as a `Routine` for showing its steps (not stored)."""
        return UserRoutine(
            id="u-1",
            title=shared.name or SHARED_NAME,
            description=LINK_DESCRIPTION,
            items=shared.items,
            no_floor=shared.no_floor,
            gentle=shared.gentle,
        )

    async def hold_code(self, user_id: int, code: str | None) -> None:
        """Remember a link's code until it is added or declined (onboarding, restarts)."""
        async with self._sessions() as session, session.begin():
            await store.set_pending_share(session, user_id, code)

    async def pending_code(self, user_id: int) -> str | None:
        async with self._sessions() as session:
            user = await session.get(User, user_id)
        return None if user is None else user.pending_share

    async def add_shared(
        self, user_id: int, code: str, *, progress: bool, remind: bool = False
    ) -> Change:
        """Add the pending link's routine to the user's routines, once (and, with
        `remind`, make it the reminders' routine in the same transaction)."""
        try:
            shared = self.read(code)
        except ShareError:
            return Change(Outcome.GONE)
        now = self._clock.now()
        wanted = self.codec.content_code(shared)
        async with self._sessions() as session, session.begin():
            for saved in await store.saved(session, user_id):  # the same routine: never twice
                have = to_routine(saved, self._content.stretches)
                if have is not None and self._content_code(have) == wanted:
                    await store.take_pending_share(session, user_id, code)
                    return Change(Outcome.ALREADY, saved=have)
            if await store.count_saved(session, user_id) >= MAX_ROUTINES:
                return Change(Outcome.FULL)
            if not await store.take_pending_share(session, user_id, code):
                return Change(Outcome.GONE)
            name = free_name(shared.name or SHARED_NAME, await store.names(session, user_id))
            row = MyRoutine(
                user_id=user_id,
                name=name,
                items=items_to_json(shared.items),
                no_floor=shared.no_floor,
                gentle=shared.gentle,
                progress=progress,
                from_link=True,
                draft=False,
                edits=None,
                version=0,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            await session.flush()
            if remind:
                await store.set_default(session, user_id, ref_of(row.id))
            return Change(Outcome.DONE, saved=to_routine(row, self._content.stretches))
