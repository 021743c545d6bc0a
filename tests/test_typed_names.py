"""A typed routine name with several problems hears about all of them at once, through the
real bot on the loopback Bot API; the fixed name is then taken."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import MyRoutine
from tests.harness.bot import BotHarness, ask_routine_name, onboard


async def test_a_name_with_markup_and_too_long_gets_both_problems_in_one_answer(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await ask_routine_name(harness, user)
    typed = "<b>" + "My long evening routine for the back " * 3  # 3 + 111 characters
    await harness.send(user, typed)
    answer = harness.last_text(user)
    assert "< and >" in answer and "40 characters" in answer, answer
    assert f"has {len(' '.join(typed.split()))}" in answer, answer
    await harness.send(user, "Evening back")  # one retry fixes both
    await harness.tap(user, "Save")
    async with harness.services.sessions() as session:
        names = list(
            await session.scalars(select(MyRoutine.name).where(MyRoutine.user_id == user.id))
        )
    assert names == ["Evening back"]
