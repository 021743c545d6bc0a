"""Pain statistics, streaks, bad-day and red-flag rules.

Everything here is pure: plain data in, plain data out, no Telegram and no
database. That keeps the rules easy to test across time zones and lets the
README quote each rule's docstring word for word.

Time handling: every stored moment is an aware UTC ``datetime``; every rule
that talks about "a day" means a *local* calendar day in the user's zone,
which the caller passes in as a ``tzinfo``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from statistics import fmean

MIN_LEVEL = 0
MAX_LEVEL = 10

#: A latest reading today at or above this switches bad-day mode on.
BAD_DAY_LEVEL = 7
#: A rise of the 3-day average by at least this much switches bad-day mode on.
BAD_DAY_RISE = 2.0
#: Days in each of the two windows that the bad-day trend compares.
BAD_DAY_WINDOW = 3

#: Any reading at or above this gets red-flag guidance.
RED_FLAG_LEVEL = 8
#: A rise from "before" to "after" of at least this much gets red-flag guidance.
RED_FLAG_RISE = 3

#: The persistent-pain rule compares the last 7 local days with the 7 days that began
#: this many days before today (so together they span three weeks).
PERSISTENT_SPAN_DAYS = 21
#: Below this average pain is mild: no reason to send anyone to a clinician.
PERSISTENT_MIN_LEVEL = 3.0
#: A fall of the weekly average by at least this much counts as improvement.
PERSISTENT_IMPROVEMENT = 1.0

#: Local days (today included) that the "last 30 days" figures cover.
SUMMARY_DAYS = 30


class RestAdvice(StrEnum):
    """Advice the bot gave that still stands, for the next routine start to honour."""

    AFTER_HURT = "after_hurt"  # rest today: "It hurts", a rest day, a reading of 8-10
    PERSISTENT = "persistent"  # keep to the gentle routine (the persistent-pain advice)


#: Body areas a pain entry may name; ``None`` means "not said".
PAIN_AREAS: frozenset[str] = frozenset({"lower_back", "upper_back", "neck", "hips"})


class PainContext(StrEnum):
    """Where a pain reading came from, so routine pairs can be told apart from check-ins."""

    CHECKIN = "checkin"
    BEFORE = "before"
    AFTER = "after"


class RunOutcome(StrEnum):
    """How a routine run ended; only ``COMPLETED`` builds a streak, ``HURT`` is forgiven."""

    COMPLETED = "completed"
    STOPPED = "stopped"
    HURT = "hurt"
    ABANDONED = "abandoned"


def _require_aware(moment: datetime, name: str) -> None:
    """Reject naive datetimes: a naive moment has no local day, so every rule would guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")


def validate_level(x: object) -> int:
    """Return ``x`` as a pain level, raising ``ValueError`` unless it is a whole number 0..10.

    Accepts ints and decimal strings (button payloads and typed replies arrive as
    text); rejects bools and floats so that ``True`` or ``7.5`` never become a level.
    """
    if isinstance(x, bool):
        raise ValueError(f"pain level must be a whole number 0-10, got {x!r}")
    if isinstance(x, int):
        level = x
    elif isinstance(x, str):
        text = x.strip()
        try:
            level = int(text, 10)
        except ValueError:
            raise ValueError(f"pain level must be a whole number 0-10, got {x!r}") from None
    else:
        raise ValueError(f"pain level must be a whole number 0-10, got {x!r}")
    if not MIN_LEVEL <= level <= MAX_LEVEL:
        raise ValueError(f"pain level must be between 0 and 10, got {level}")
    return level


@dataclass(frozen=True, slots=True)
class PainEntry:
    """One pain reading 0..10; validated on creation so every rule can trust it."""

    at: datetime
    level: int
    context: PainContext = PainContext.CHECKIN
    routine_run_id: int | None = None
    area: str | None = None

    def __post_init__(self) -> None:
        """Fail fast on bad data instead of producing odd averages later."""
        _require_aware(self.at, "PainEntry.at")
        validate_level(self.level)
        if self.area is not None and self.area not in PAIN_AREAS:
            expected = ", ".join(sorted(PAIN_AREAS))
            raise ValueError(f"unknown pain area {self.area!r}; expected one of {expected}")


@dataclass(frozen=True, slots=True)
class RoutineRun:
    """One attempt at a routine; ``finished_at`` is ``None`` while it is still running."""

    started_at: datetime
    finished_at: datetime | None
    outcome: RunOutcome

    def __post_init__(self) -> None:
        """Fail fast on naive datetimes, which would land on the wrong local day."""
        _require_aware(self.started_at, "RoutineRun.started_at")
        if self.finished_at is not None:
            _require_aware(self.finished_at, "RoutineRun.finished_at")

    @property
    def ended_at(self) -> datetime:
        """The moment that decides the run's local day: when it finished, else when it started."""
        return self.finished_at if self.finished_at is not None else self.started_at


# --------------------------------------------------------------------------- local days


def local_date(moment: datetime, zone: tzinfo) -> date:
    """The user's calendar day for ``moment``; all day-based rules go through this."""
    _require_aware(moment, "moment")
    return moment.astimezone(zone).date()


def local_day_start(day: date, zone: tzinfo) -> datetime:
    """The UTC instant at which local ``day`` begins, for "since" queries and cut-offs."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def daily_averages(entries: Iterable[PainEntry], zone: tzinfo) -> dict[date, float]:
    """Mean level per local day (all contexts), so a chatty day doesn't outweigh a quiet one."""
    by_day: dict[date, list[int]] = defaultdict(list)
    for entry in entries:
        by_day[local_date(entry.at, zone)].append(entry.level)
    return {day: fmean(levels) for day, levels in by_day.items()}


def _window_average(daily: dict[date, float], first: date, last: date) -> float | None:
    """Mean of the daily means for days ``first..last`` that have entries; ``None`` if none do."""
    values = [avg for day, avg in daily.items() if first <= day <= last]
    return fmean(values) if values else None


# --------------------------------------------------------------------------- red flags


def needs_red_flag_guidance(level: int, before: int | None = None) -> bool:
    """Red-flag rule: show safety guidance when a reading is 8 or more, or when pain
    rose by 3 or more from before to after within one routine.
    """
    level = validate_level(level)
    if level >= RED_FLAG_LEVEL:
        return True
    if before is None:
        return False
    return level - validate_level(before) >= RED_FLAG_RISE


# --------------------------------------------------------------------------- persistent pain


def no_improvement(entries: Iterable[PainEntry], zone: tzinfo, today: date) -> bool:
    """Persistent-pain rule: the pain log shows no improvement over 3 weeks when the
    average of the last 7 local days (today included) is 3 or more and less than 1 point
    below the average of the first 7 days of the 3-week span (days 20 to 14 before today);
    both weeks need readings, and the log must reach back to the span's first day (day 20
    before today), so "over the last three weeks" is true of the readings it rests on.
    Averages are of daily means, like every weekly figure.
    """
    daily = daily_averages(entries, zone)
    first = today - timedelta(days=PERSISTENT_SPAN_DAYS - 1)
    if not daily or min(daily) > first:
        return False  # the log is younger than three weeks
    recent = _window_average(daily, today - timedelta(days=6), today)
    earlier = _window_average(daily, first, first + timedelta(days=6))
    if recent is None or earlier is None:
        return False
    return recent >= PERSISTENT_MIN_LEVEL and earlier - recent < PERSISTENT_IMPROVEMENT


def no_improvement_began(entries: Iterable[PainEntry], zone: tzinfo) -> bool:
    """True when the latest reading makes the persistent-pain rule hold while it did not
    hold as of the reading before it, so the advice is sent once when it starts to apply
    (the weekly summary repeats it while it does), with nothing extra stored.

    ``entries`` come in the order they were logged; of readings logged at the same moment
    the last one given is the latest.
    """
    ordered = sorted(entries, key=lambda e: e.at)  # stable: ties keep the logged order
    if not ordered:
        return False
    latest = ordered[-1]
    today = local_date(latest.at, zone)
    if not no_improvement(ordered, zone, today):
        return False
    earlier = ordered[:-1]
    if not earlier:
        return True
    if no_improvement(earlier, zone, today):
        # It held today before this reading (the days moved on, not the reading): today's
        # weekly summary or routine start says it; a reading repeating it seconds later
        # would say the same thing twice.
        return False
    return not no_improvement(earlier, zone, local_date(earlier[-1].at, zone))


# --------------------------------------------------------------------------- streaks


def completed_days(runs: Iterable[RoutineRun], zone: tzinfo) -> set[date]:
    """Local days (by when the run finished) on which at least one routine was completed."""
    return {local_date(r.ended_at, zone) for r in runs if r.outcome is RunOutcome.COMPLETED}


def hurt_days(runs: Iterable[RoutineRun], zone: tzinfo) -> set[date]:
    """Local days on which a routine was ended with "It hurts"; these never break a streak."""
    return {local_date(r.ended_at, zone) for r in runs if r.outcome is RunOutcome.HURT}


def _streak_days(
    runs: Iterable[RoutineRun], zone: tzinfo, today: date, neutral_days: set[date]
) -> tuple[list[date], set[date]]:
    """Counted days up to ``today`` (sorted) and the neutral days (paused or "It hurts")."""
    run_list = list(runs)
    counted = sorted(d for d in completed_days(run_list, zone) if d <= today)
    return counted, set(neutral_days) | hurt_days(run_list, zone)


def _streak_chains(counted: list[date], neutral: set[date]) -> list[tuple[date, int]]:
    """Split sorted counted days into unbroken chains as ``(last_day, length)``.

    Two counted days belong to one chain when every day strictly between them is neutral.
    """
    chains: list[tuple[date, int]] = []
    for day in counted:
        if chains and _all_neutral(chains[-1][0], day, neutral):
            chains[-1] = (day, chains[-1][1] + 1)
        else:
            chains.append((day, 1))
    return chains


def _all_neutral(after: date, before: date, neutral: set[date]) -> bool:
    """True when every day strictly between ``after`` and ``before`` is neutral."""
    day = after + timedelta(days=1)
    while day < before:
        if day not in neutral:
            return False
        day += timedelta(days=1)
    return True


def current_streak(
    runs: Iterable[RoutineRun], zone: tzinfo, today: date, neutral_days: set[date]
) -> int:
    """Streak rule: a local day counts when at least one routine was completed that day
    (by when it finished, in the user's time zone); paused days and days with an
    "It hurts" stop neither count nor break the streak, any other day without a completed
    routine breaks it, and today only breaks it once today is over.

    Returns the number of counted days in the streak that is still alive today.
    """
    counted, neutral = _streak_days(runs, zone, today, neutral_days)
    chains = _streak_chains(counted, neutral)
    if not chains:
        return 0
    last_day, length = chains[-1]
    # Today (not done yet) never breaks; every day between the last counted day and today must
    # be neutral for the streak to still be alive.
    return length if _all_neutral(last_day, today, neutral) else 0


def best_streak(
    runs: Iterable[RoutineRun], zone: tzinfo, today: date, neutral_days: set[date]
) -> int:
    """The longest streak reached up to ``today`` under the streak rule (see ``current_streak``)."""
    chains = _streak_chains(*_streak_days(runs, zone, today, neutral_days))
    return max((length for _, length in chains), default=0)


# --------------------------------------------------------------------------- weekly figures


def week_start_of(day: date) -> date:
    """The Monday of ``day``'s week; weeks run Monday to Sunday in the user's local time."""
    return day - timedelta(days=day.weekday())


def week_average(entries: Iterable[PainEntry], zone: tzinfo, week_start: date) -> float | None:
    """Average daily pain for the local week Monday ``week_start`` .. Sunday: readings are
    averaged per day first, then across the days that have readings (readings 4, 3, 3, 5 on
    one day and 9 on another: (3.75 + 9) / 2 = 6.4, not their plain mean 4.8), so a day
    with a routine's before and after readings counts once, like a day with one check-in;
    ``None`` when the week has none. Shown as "Average daily pain (N days)", N from
    `week_days_logged`. Raises ValueError when ``week_start`` isn't a Monday.
    """
    if week_start.weekday() != 0:
        raise ValueError(f"week_start must be a Monday, got {week_start:%A} {week_start}")
    daily = daily_averages(entries, zone)
    return _window_average(daily, week_start, week_start + timedelta(days=6))


def week_days_logged(entries: Iterable[PainEntry], zone: tzinfo, week_start: date) -> int:
    """How many local days of the week Monday ``week_start`` .. Sunday have readings: the
    days `week_average` averages over (0 to 7)."""
    last = week_start + timedelta(days=6)
    return len({day for e in entries if week_start <= (day := local_date(e.at, zone)) <= last})


@dataclass(frozen=True, slots=True)
class WeekComparison:
    """This week's and last week's averages side by side, for the "vs last week" line."""

    this_week_avg: float | None
    last_week_avg: float | None

    @property
    def change(self) -> float | None:
        """This week minus last week (negative means less pain); ``None`` if either is missing."""
        if self.this_week_avg is None or self.last_week_avg is None:
            return None
        return self.this_week_avg - self.last_week_avg


def week_comparison(entries: Iterable[PainEntry], zone: tzinfo, today: date) -> WeekComparison:
    """Compare the week containing ``today`` (so far) with the whole previous week."""
    entry_list = list(entries)
    this_monday = week_start_of(today)
    return WeekComparison(
        this_week_avg=week_average(entry_list, zone, this_monday),
        last_week_avg=week_average(entry_list, zone, this_monday - timedelta(days=7)),
    )


@dataclass(frozen=True, slots=True)
class RoutinePair:
    """The "before" and "after" readings of one routine run."""

    routine_run_id: int
    before: PainEntry
    after: PainEntry

    @property
    def change(self) -> int:
        """After minus before: negative means the routine eased the pain."""
        return self.after.level - self.before.level


def routine_pairs(entries: Iterable[PainEntry]) -> list[RoutinePair]:
    """Before/after pairs per routine run, oldest first; runs missing either side are skipped.

    If a side was logged more than once for a run, the latest reading wins (it is a correction);
    of two logged at the same moment, the higher wins.
    """
    befores: dict[int, PainEntry] = {}
    afters: dict[int, PainEntry] = {}
    for entry in sorted(entries, key=lambda e: (e.at, e.level)):
        if entry.routine_run_id is None:
            continue
        if entry.context is PainContext.BEFORE:
            befores[entry.routine_run_id] = entry
        elif entry.context is PainContext.AFTER:
            afters[entry.routine_run_id] = entry
    pairs = [RoutinePair(rid, befores[rid], afters[rid]) for rid in befores if rid in afters]
    return sorted(pairs, key=lambda p: (p.after.at, p.routine_run_id))


def _mean_or_none(values: list[int]) -> float | None:
    """Arithmetic mean, or ``None`` for no values (so callers can say "not enough data")."""
    return fmean(values) if values else None


def average_routine_change(entries: Iterable[PainEntry]) -> float | None:
    """Mean of (after - before) over routine runs that have both readings, or ``None``.

    Negative means routines tend to ease the pain.
    """
    return _mean_or_none([pair.change for pair in routine_pairs(entries)])


def routines_done(runs: Iterable[RoutineRun], since: datetime) -> int:
    """Number of routines completed at or after ``since`` (an aware datetime)."""
    _require_aware(since, "since")
    return sum(1 for r in runs if r.outcome is RunOutcome.COMPLETED and r.ended_at >= since)


# --------------------------------------------------------------------------- bad-day mode


def is_bad_day(entries: Iterable[PainEntry], zone: tzinfo, today: date) -> bool:
    """Bad-day rule: today is a bad day when the latest reading logged today is 7 or more,
    or when the recent 3-day average (today and the two local days before it) is at least
    2 points higher than the 3-day average of the three days before those; each 3-day
    average is the mean of the daily means of the days in it that have readings, and the
    trend part needs readings in both windows.

    "Latest" is by time logged; of readings logged at the same moment the higher one counts.
    """
    entry_list = list(entries)
    todays = [e for e in entry_list if local_date(e.at, zone) == today]
    # Readings logged at the same moment: the higher one counts, erring toward gentleness.
    if todays and max(todays, key=lambda e: (e.at, e.level)).level >= BAD_DAY_LEVEL:
        return True
    daily = daily_averages(entry_list, zone)
    span = timedelta(days=BAD_DAY_WINDOW)
    recent_first = today - span + timedelta(days=1)
    recent = _window_average(daily, recent_first, today)
    previous = _window_average(daily, recent_first - span, recent_first - timedelta(days=1))
    if recent is None or previous is None:
        return False
    return recent - previous >= BAD_DAY_RISE


def painful_days(
    entries: Iterable[PainEntry], zone: tzinfo, first: date, last: date
) -> list[tuple[date, int]]:
    """The local days ``first..last`` with a reading of ``BAD_DAY_LEVEL`` or more (the level
    that makes a day a bad day), in order, each with its highest reading: what the weekly
    summary names when the week had painful days."""
    highest: dict[date, int] = {}
    for entry in entries:
        day = local_date(entry.at, zone)
        if first <= day <= last and entry.level >= BAD_DAY_LEVEL:
            highest[day] = max(entry.level, highest.get(day, entry.level))
    return sorted(highest.items())


# --------------------------------------------------------------------------- advised rest

#: "It hurts" (or a reading of ``RED_FLAG_LEVEL`` or more) says to give the back a day: the
#: advice stands for less than this after it, and in any case to the end of that local day.
REST_ADVICE_SPAN = timedelta(days=1)


def rest_advice_since(now: datetime, zone: tzinfo) -> datetime:
    """Advised-rest rule: the earliest moment (aware) an "It hurts", a rest day or a reading
    of ``RED_FLAG_LEVEL``+ may have happened for its rest advice to stand at ``now``: the
    start of the local day of ``now``, or 24 hours before ``now`` if that is earlier (an
    "It hurts" on Monday evening still stands for Tuesday morning's reminder and /stretch;
    24 hours on, it is over). The lower bound of what to read for `rest_advised`, which
    both /stretch and the daily reminder use."""
    _require_aware(now, "now")
    return min(local_day_start(local_date(now, zone), zone), now - REST_ADVICE_SPAN)


def reading_advises_rest(level: int) -> bool:
    """Advised-rest rule for one reading (0-10; `ValueError` outside): a reading of
    ``RED_FLAG_LEVEL`` or more advises rest today. The bot says so at the reading (with the
    warning signs) and `rest_advised` holds to it afterwards, so the next reminder's "I
    suggested giving it a day off" refers to advice that was given."""
    return validate_level(level) >= RED_FLAG_LEVEL


def rest_advised(
    hurt_at: Iterable[datetime], entries: Iterable[PainEntry], now: datetime, zone: tzinfo
) -> bool:
    """Whether rest advice stands at ``now`` (see `rest_advice_since`): a run ended by "It
    hurts" (or a rest day) at one of ``hurt_at``, a reading of ``RED_FLAG_LEVEL``+ in
    ``entries``, or a routine's after-reading ``RED_FLAG_RISE``+ above its before-reading
    (the routine's ending advised rest for the rest of the day: `rose_in_routine`), less
    than 24 hours before ``now`` or earlier on its local day. A rise is seen only when
    ``entries`` hold the routine's before-reading too."""
    day_start = local_day_start(local_date(now, zone), zone)
    entries = list(entries)

    def stands(at: datetime) -> bool:  # within 24 hours (not a whole day on), or today
        return at <= now and (at >= day_start or at > now - REST_ADVICE_SPAN)

    rose = rose_in_routine(entries)
    return any(stands(at) for at in hurt_at) or any(
        stands(e.at) and (reading_advises_rest(e.level) or e in rose) for e in entries
    )


def rose_in_routine(entries: Iterable[PainEntry]) -> list[PainEntry]:
    """The after-readings in ``entries`` that are ``RED_FLAG_RISE`` (3) or more above the
    before-reading of the same routine run (both in ``entries``): the rise the red-flag
    rule warns about (`needs_red_flag_guidance`), after which the routine's ending advises
    rest for the rest of the day."""
    entries = list(entries)
    before = {
        e.routine_run_id: e.level
        for e in entries
        if e.context is PainContext.BEFORE and e.routine_run_id is not None
    }
    return [
        e
        for e in entries
        if e.context is PainContext.AFTER
        and e.routine_run_id in before
        and e.level - before[e.routine_run_id] >= RED_FLAG_RISE
    ]


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True, slots=True)
class ProgressSummary:
    """Everything the /progress message shows, computed once from plain data.

    Week averages follow ``week_average`` (daily means averaged), ``this_week_days`` counts
    the days this week's average is over (`week_days_logged`); ``avg_change``,
    ``routines_done_30d`` and ``entries_30d`` cover the last 30 local days including today;
    streaks follow the streak rule.
    """

    this_week_avg: float | None
    last_week_avg: float | None
    avg_change: float | None
    routines_done_30d: int
    current_streak: int
    best_streak: int
    entries_30d: int
    this_week_days: int = 0

    @property
    def week_change(self) -> float | None:
        """This week minus last week (negative means less pain); ``None`` if either is missing."""
        return WeekComparison(self.this_week_avg, self.last_week_avg).change

    @property
    def week_pain_high(self) -> bool:
        """This week's average daily pain is at or above ``RED_FLAG_LEVEL`` (a week of
        readings 8, 9 and 10 averages 9.0): the weekly summary advises seeing a clinician."""
        return week_pain_high(self.this_week_avg)


def week_pain_high(average: float | None) -> bool:
    """A week's average daily pain (0-10, ``week_average``) is at or above ``RED_FLAG_LEVEL``;
    False when nothing was logged (``None``)."""
    return average is not None and average >= RED_FLAG_LEVEL


def high_week_stands(entries: Iterable[PainEntry], zone: tzinfo, today: date) -> bool:
    """High-week rule for what follows the weekly summary: the week before ``today``'s
    (Monday to Sunday, the week Monday's summary reports on) had a high average
    (`week_pain_high`, the summary's "see a doctor or physiotherapist" line), and no reading
    this week (Monday to ``today``) has come in below ``RED_FLAG_LEVEL`` since. While it
    stands the daily reminder says the same thing as the summary (rest or the gentle
    routine), not a cheerful "Ready?"."""
    entry_list = list(entries)
    monday = week_start_of(today)
    if not week_pain_high(week_average(entry_list, zone, monday - timedelta(days=7))):
        return False
    return not any(
        monday <= local_date(e.at, zone) <= today and e.level < RED_FLAG_LEVEL for e in entry_list
    )


def high_week_days(
    entries: Iterable[PainEntry], zone: tzinfo, first: date, last: date
) -> set[date]:
    """The local days ``first..last`` on which `high_week_stands` held: the reminder said
    rest or the gentle routine, so resting then never breaks a streak either."""
    entry_list = list(entries)
    days: set[date] = set()
    day = first
    while day <= last:
        if high_week_stands(entry_list, zone, day):
            days.add(day)
        day += timedelta(days=1)
    return days


def rest_days(hurt_at: Iterable[datetime], entries: Iterable[PainEntry], zone: tzinfo) -> set[date]:
    """Local days on which the bot advised rest (`rest_advised`): the day of each "It hurts"
    (or rest day) in ``hurt_at`` and of each reading of ``RED_FLAG_LEVEL``+, and the day the
    advice still stood on (up to 24 hours on). Resting on such a day follows the bot's
    advice, so these days never break a streak (`current_streak`'s neutral days)."""
    moments = [*hurt_at, *(e.at for e in entries if reading_advises_rest(e.level))]
    last = REST_ADVICE_SPAN - timedelta(microseconds=1)
    return {local_date(at, zone) for at in moments} | {
        local_date(at + last, zone) for at in moments
    }


def summarize(
    entries: Iterable[PainEntry],
    runs: Iterable[RoutineRun],
    zone: tzinfo,
    today: date,
    neutral_days: set[date],
) -> ProgressSummary:
    """Compute the progress summary for local ``today``; readings after today are ignored."""
    since = local_day_start(today - timedelta(days=SUMMARY_DAYS - 1), zone)
    until = local_day_start(today + timedelta(days=1), zone)
    entry_list = [e for e in entries if e.at < until]
    run_list = list(runs)
    recent_entries = [e for e in entry_list if e.at >= since]
    recent_runs = [r for r in run_list if r.ended_at < until]
    weeks = week_comparison(entry_list, zone, today)
    return ProgressSummary(
        this_week_avg=weeks.this_week_avg,
        last_week_avg=weeks.last_week_avg,
        avg_change=_mean_or_none(
            [p.change for p in routine_pairs(entry_list) if p.after.at >= since]
        ),
        routines_done_30d=routines_done(recent_runs, since),
        current_streak=current_streak(run_list, zone, today, neutral_days),
        best_streak=best_streak(run_list, zone, today, neutral_days),
        entries_30d=len(recent_entries),
        this_week_days=week_days_logged(entry_list, zone, week_start_of(today)),
    )
