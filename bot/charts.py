"""The /progress chart: pain over the last days as a phone-friendly PNG.

Uses ``matplotlib.figure.Figure`` with ``FigureCanvasAgg`` directly, never pyplot,
so rendering keeps no global figure state and is safe to run in a worker thread
(the bot calls it through ``asyncio.to_thread``; it is CPU work). Every font size
and colour is passed explicitly, so the output does not depend on anyone's rcParams.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch

from bot.domain.pain import (
    MAX_LEVEL,
    MIN_LEVEL,
    PainContext,
    PainEntry,
    RoutineRun,
    completed_days,
    daily_averages,
    local_date,
    routine_pairs,
)

#: Output size in pixels is ``FIG_SIZE`` × ``DPI``: 1000 × 700, comfortable on a phone.
FIG_SIZE = (10.0, 7.0)
DPI = 100

EMPTY_NOTE = "No pain logged yet – tap /pain to start"
EMPTY_WINDOW_NOTE = "Nothing logged in the last {days} days – tap /pain"

_CHECKIN_COLOUR = "#2b6cb0"
_BAND_COLOUR = "#c6f6d5"
_EASED_COLOUR = "#2f9e44"
_WORSE_COLOUR = "#e8590c"
_SAME_COLOUR = "#868e96"
_TEXT_COLOUR = "#212529"
_GRID_COLOUR = "#dee2e6"

_TICK_FONT = 17
_LABEL_FONT = 18
_TITLE_FONT = 22
_LEGEND_FONT = 15
_NOTE_FONT = 21
#: Legend entries that fit one row at phone size; more wrap to two rows.
_LEGEND_ROW = 4
#: Arrows sit a little right of the day's centre so they don't hide that day's check-in point.
_ARROW_OFFSET = 0.28
#: Extra horizontal spread when one day has several before/after pairs.
_ARROW_SPREAD = 0.16


@dataclass(frozen=True, slots=True)
class _ChartData:
    """What gets drawn, in day-index coordinates (0 = first day shown, days-1 = today)."""

    first_day: date
    days: int
    checkins: list[tuple[int, float]]
    routine_days: list[int]
    pairs: list[tuple[float, int, int]]
    lone_readings: list[tuple[float, int, PainContext]]
    logged_before: bool

    @property
    def is_empty(self) -> bool:
        """Nothing to plot in the window, so the chart shows a note instead."""
        return not (self.checkins or self.pairs or self.lone_readings)


def _prepare(
    entries: Iterable[PainEntry], runs: Iterable[RoutineRun], zone: tzinfo, today: date, days: int
) -> _ChartData:
    """Turn raw entries and runs into plot coordinates for the local days shown."""
    first_day = today - timedelta(days=days - 1)
    all_entries = list(entries)
    shown = [e for e in all_entries if first_day <= local_date(e.at, zone) <= today]
    logged_before = any(local_date(e.at, zone) < first_day for e in all_entries)

    def index_of(entry: PainEntry) -> int:
        return (local_date(entry.at, zone) - first_day).days

    checkin_means = daily_averages((e for e in shown if e.context is PainContext.CHECKIN), zone)
    checkins = sorted(((day - first_day).days, avg) for day, avg in checkin_means.items())

    routine_days = sorted(
        (day - first_day).days for day in completed_days(runs, zone) if first_day <= day <= today
    )

    # Routine readings sit a little right of the day's centre, spread out when there are several.
    by_day: dict[int, list[tuple[int, int | None, PainContext]]] = {}
    paired: set[int] = set()
    for pair in routine_pairs(shown):
        paired.add(pair.routine_run_id)
        by_day.setdefault(index_of(pair.after), []).append(
            (pair.before.level, pair.after.level, PainContext.AFTER)
        )
    for entry in sorted(shown, key=lambda e: e.at):
        if entry.context is not PainContext.CHECKIN and entry.routine_run_id not in paired:
            by_day.setdefault(index_of(entry), []).append((entry.level, None, entry.context))

    pairs: list[tuple[float, int, int]] = []
    lone_readings: list[tuple[float, int, PainContext]] = []
    for index, marks in sorted(by_day.items()):
        for n, (first, second, context) in enumerate(marks):
            x = index + _ARROW_OFFSET + (n - (len(marks) - 1) / 2) * _ARROW_SPREAD
            if second is None:
                lone_readings.append((x, first, context))
            else:
                pairs.append((x, first, second))

    return _ChartData(first_day, days, checkins, routine_days, pairs, lone_readings, logged_before)


def _day_label(day: date) -> str:
    """Short, locale-independent date label such as "3 Nov"."""
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{day.day} {months[day.month - 1]}"


def _tick_indices(days: int) -> list[int]:
    """About five ticks, always including today, spaced in whole weeks when the range allows."""
    step = 7 if days > 14 else max(1, days // 4)
    return sorted({days - 1 - k * step for k in range(days) if days - 1 - k * step >= 0})


def render_progress_chart(
    entries: Iterable[PainEntry],
    runs: Iterable[RoutineRun],
    zone: tzinfo,
    today: date,
    days: int = 30,
) -> bytes:
    """Render pain over the last ``days`` local days (today included) as PNG bytes.

    Shows daily check-in averages as a line with points, days with a completed routine as
    light green bands, and each routine's before→after change as an arrow (green when pain
    fell, orange when it rose, a grey dot when unchanged); a routine reading without its
    partner is a hollow circle. With nothing to plot it still draws the axes and a friendly
    note. Output is deterministic for the same input.
    """
    fig = progress_figure(entries, runs, zone, today, days)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def progress_figure(
    entries: Iterable[PainEntry],
    runs: Iterable[RoutineRun],
    zone: tzinfo,
    today: date,
    days: int = 30,
) -> Figure:
    """The Figure `render_progress_chart` saves: one Axes, and a figure legend with an entry
    for every kind of mark drawn."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    data = _prepare(entries, runs, zone, today, days)

    fig = Figure(figsize=FIG_SIZE, dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=0.09, right=0.97, top=0.80, bottom=0.10)
    _draw_axes(fig, ax, data)

    handles: list[Line2D | Patch] = []
    if data.routine_days:
        for index in data.routine_days:
            ax.axvspan(index - 0.5, index + 0.5, color=_BAND_COLOUR, zorder=0, linewidth=0)
        handles.append(Patch(facecolor=_BAND_COLOUR, label="Routine day"))
    if data.checkins:
        _draw_checkins(ax, data.checkins)
        handles.append(_marker_handle(_CHECKIN_COLOUR, "o", "Check-in"))
    handles += _draw_routine_readings(ax, data)

    if data.is_empty:
        note = EMPTY_WINDOW_NOTE.format(days=days) if data.logged_before else EMPTY_NOTE
        ax.text(
            0.5,
            0.5,
            note,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=_NOTE_FONT,
            color=_TEXT_COLOUR,
            bbox={"boxstyle": "round,pad=0.8", "facecolor": "#f1f3f5", "edgecolor": _GRID_COLOUR},
            zorder=7,
        )
    if handles:
        fig.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.915),
            ncol=len(handles) if len(handles) <= _LEGEND_ROW else -(-len(handles) // 2),
            fontsize=_LEGEND_FONT,
            frameon=False,
            handlelength=1.2,
            handletextpad=0.5,
            columnspacing=1.2,
        )
    return fig


def _draw_checkins(ax: Axes, checkins: list[tuple[int, float]]) -> None:
    """Daily check-in means as a soft line with bold points; the latest value is labelled."""
    xs = [x for x, _ in checkins]
    ys = [y for _, y in checkins]
    ax.plot(xs, ys, color=_CHECKIN_COLOUR, linewidth=2.5, alpha=0.55, zorder=3)
    size = 260 if len(checkins) == 1 else 120
    ax.scatter(xs, ys, s=size, color=_CHECKIN_COLOUR, edgecolors="white", linewidths=1.5, zorder=4)
    last_x, last_y = checkins[-1]
    _label(ax, last_x, last_y, _format_level(last_y), _CHECKIN_COLOUR, above=True)


def _draw_routine_readings(ax: Axes, data: _ChartData) -> list[Line2D | Patch]:
    """Before→after arrows and lone routine readings; returns legend handles for what was drawn."""
    eased = worse = same = False
    for x, before, after in data.pairs:
        if after == before:
            same = True
            ax.scatter([x], [after], s=110, color=_SAME_COLOUR, edgecolors="white", zorder=5)
            continue
        eased |= after < before
        worse |= after > before
        ax.add_patch(
            FancyArrowPatch(
                (x, before),
                (x, after),
                arrowstyle="-|>",
                mutation_scale=24,
                linewidth=3.5,
                color=_EASED_COLOUR if after < before else _WORSE_COLOUR,
                shrinkA=0,
                shrinkB=0,
                zorder=5,
            )
        )
    for x, level, _context in data.lone_readings:
        ax.scatter([x], [level], s=110, facecolors="white", edgecolors=_SAME_COLOUR, linewidths=2.5)

    if not data.checkins and len(data.pairs) + len(data.lone_readings) == 1:
        # A lone routine reading gets its numbers so the chart reads on its own.
        for x, before, after in data.pairs:
            _label(ax, x, before, str(before), _TEXT_COLOUR, above=before > after)
            if after != before:
                _label(ax, x, after, str(after), _TEXT_COLOUR, above=after > before)
        for x, level, _context in data.lone_readings:
            _label(ax, x, level, str(level), _TEXT_COLOUR, above=True)

    handles: list[Line2D | Patch] = []
    if eased:
        handles.append(_marker_handle(_EASED_COLOUR, "v", "Pain eased"))
    if worse:
        handles.append(_marker_handle(_WORSE_COLOUR, "^", "Pain rose"))
    if same:
        handles.append(_marker_handle(_SAME_COLOUR, "o", "No change"))
    if data.lone_readings:
        handles.append(_lone_handle({context for _, _, context in data.lone_readings}))
    return handles


def _lone_handle(contexts: set[PainContext]) -> Line2D:
    """Legend entry of the hollow circles: routine readings without their partner, named by
    which they are (a routine stopped after the before reading leaves a "Before only")."""
    if contexts == {PainContext.BEFORE}:
        label = "Before only"
    elif contexts == {PainContext.AFTER}:
        label = "After only"
    else:
        label = "Before/after only"
    return Line2D(
        [],
        [],
        marker="o",
        markersize=12,
        markerfacecolor="white",
        markeredgecolor=_SAME_COLOUR,
        markeredgewidth=2.5,
        linestyle="none",
        label=label,
    )


def _format_level(value: float) -> str:
    """ "6" for whole numbers, "6.5" otherwise: daily means are rarely whole."""
    return f"{value:.1f}".removesuffix(".0")


def _label(ax: Axes, x: float, y: float, text: str, colour: str, *, above: bool) -> None:
    """A bold value label just above or below a point."""
    ax.annotate(
        text,
        (x, y),
        xytext=(0, 16 if above else -16),
        textcoords="offset points",
        ha="center",
        va="bottom" if above else "top",
        fontsize=_LABEL_FONT,
        fontweight="bold",
        color=colour,
        zorder=6,
    )


def _marker_handle(colour: str, marker: str, label: str) -> Line2D:
    """Legend entry as a bare marker (a triangle pointing an arrow's way, or a dot)."""
    return Line2D([], [], color=colour, marker=marker, markersize=12, linestyle="none", label=label)


def _draw_axes(fig: Figure, ax: Axes, data: _ChartData) -> None:
    """Static parts: title, 0-10 scale, a few date ticks and a quiet grid."""
    title = f"Your pain, last {data.days} days" if data.days > 1 else "Your pain today"
    fig.suptitle(title, x=0.5, y=0.975, fontsize=_TITLE_FONT, fontweight="bold", color=_TEXT_COLOUR)
    ax.set_xlim(-0.6, data.days - 0.4)
    ax.set_ylim(MIN_LEVEL - 0.4, MAX_LEVEL + 0.6)
    ax.set_yticks(range(MIN_LEVEL, MAX_LEVEL + 1, 2))
    ticks = _tick_indices(data.days)
    ax.set_xticks(ticks)
    ax.set_xticklabels(
        [
            "Today" if i == data.days - 1 else _day_label(data.first_day + timedelta(days=i))
            for i in ticks
        ]
    )
    ax.set_ylabel("Pain (0–10)", fontsize=_LABEL_FONT, color=_TEXT_COLOUR)
    ax.tick_params(labelsize=_TICK_FONT, colors=_TEXT_COLOUR, length=0, pad=8)
    ax.grid(axis="y", color=_GRID_COLOUR, linewidth=1)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color("#adb5bd")
