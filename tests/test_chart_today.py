"""The chart's "Today" is the day the chart is sent on. The weekly summary arrives on
Monday about the week that ended on Sunday: its chart used to label that Sunday "Today"
and call the window "last 14 days" (tester 7, finding 5); /progress on the same Monday
put Sunday one day before "Today"."""

from __future__ import annotations

from datetime import UTC, date, datetime

from matplotlib.figure import Figure

from bot.charts import progress_figure, render_progress_chart
from bot.handlers.progress import WEEKLY_CHART_DAYS
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import add_entry

SUNDAY = date(2026, 3, 8)
MONDAY = date(2026, 3, 9)


def tick_labels(fig: Figure) -> list[str]:
    [ax] = fig.axes
    return [tick.get_text() for tick in ax.get_xticklabels()]


def title(fig: Figure) -> str:
    assert fig._suptitle is not None
    return fig._suptitle.get_text()


async def test_the_weekly_charts_sunday_is_not_today_but_progress_on_monday_is(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar
    await harness.send(user, "/pain")
    await harness.tap(user, "Yes, keep my log")
    await harness.tap(user, "3")  # Mon 2 Mar
    await add_entry(harness, user.id, datetime(2026, 3, 8, 17, 0, tzinfo=UTC), 4)  # Sun 18:00

    harness.clock.set(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))  # Mon 9 Mar, 07:30 in Berlin
    assert (await harness.dispatch()).summaries_sent == 1
    [summary] = [m for m in harness.server.bot_messages(user.id) if m.photo]
    assert "(Mon 2 – Sun 8 Mar)" in (summary.caption or "")
    assert summary.file_id is not None
    sent = harness.server.file_bytes(summary.file_id)

    week = await harness.services.pain.progress(user.id, today=SUNDAY)
    chart = (week.entries, week.runs, week.zone, SUNDAY, WEEKLY_CHART_DAYS)
    # What went out is the chart of the two weeks up to Sunday as seen on Monday...
    assert sent == render_progress_chart(*chart, today=MONDAY)
    # ... not the one that called Sunday "Today" (what was sent before).
    assert sent != render_progress_chart(*chart)
    fig = progress_figure(*chart, today=MONDAY)
    assert tick_labels(fig) == ["26 Feb", "3 Mar", "8 Mar"]
    assert title(fig) == "Your pain, 23 Feb – 8 Mar"
    old = progress_figure(*chart)
    assert tick_labels(old)[-1] == "Today" and title(old) == "Your pain, last 14 days"

    # /progress the same Monday: Monday is "Today", Sunday's 4 the day before.
    await harness.send(user, "/progress")
    chart_message = harness.server.last_bot_message(user.id)
    assert chart_message.photo and chart_message.file_id is not None
    now = await harness.services.pain.progress(user.id)
    assert now.today == MONDAY
    assert harness.server.file_bytes(chart_message.file_id) == render_progress_chart(
        now.entries, now.runs, now.zone, MONDAY
    )
    fig = progress_figure(now.entries, now.runs, now.zone, MONDAY)
    assert tick_labels(fig)[-1] == "Today" and title(fig) == "Your pain, last 30 days"


def test_today_inside_a_window_is_labelled_where_it_falls() -> None:
    """A window that ends after the day it is sent on (not used by the bot today) labels
    that day, not the last one; one day in the past is titled by its date."""
    fig = progress_figure([], [], UTC, MONDAY, 14, today=date(2026, 3, 4))
    assert tick_labels(fig) == ["27 Feb", "Today", "9 Mar"]
    assert title(progress_figure([], [], UTC, SUNDAY, 1, today=MONDAY)) == "Your pain, 8 Mar"
    assert title(progress_figure([], [], UTC, SUNDAY, 1)) == "Your pain today"
