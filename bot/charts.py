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
from statistics import fmean

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch
from matplotlib.text import Annotation

from bot.domain.pain import (
    MAX_LEVEL,
    MIN_LEVEL,
    PainContext,
    PainEntry,
    RoutineRun,
    completed_days,
    local_date,
    routine_pairs,
)

#: Output size in pixels is ``FIG_SIZE`` × ``DPI``: 1280 × 960, the largest side Telegram
#: keeps for a photo. A chat shows it about 300-400 px wide, a quarter of that, so every size
#: below is chosen for a quarter scale: text of 30-40 pt here (42-56 px) reads as 10-14 px.
FIG_SIZE = (12.8, 9.6)
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

_TICK_FONT = 32
_LABEL_FONT = 32
_TITLE_FONT = 40
_LEGEND_FONT = 30
_NOTE_FONT = 34
#: Legend entries per row: two fit 1280 px at `_LEGEND_FONT` ("Before/after only" included).
_LEGEND_ROW = 2
#: At most this many dates under the axis (each ~150 px at `_TICK_FONT`).
_MAX_TICKS = 4
#: Marker sizes (points² for scatter, points for legend handles) and line widths.
_POINT = 420
_POINT_ALONE = 700
_HANDLE = 22
_LINE = 5.0
#: The marks of one day sit side by side in time order, centred on the day, this far apart
#: (in days; less when there are many, so they stay inside their day).
_MARK_SPREAD = 0.3
_DAY_WIDTH = 0.8
#: Room kept between the outermost marks and the plot's edges, in pixels: a point's radius
#: (`_POINT_ALONE` is 18 px) and its white rim, so a reading of 0 or 10, or one on the first
#: or last day, is drawn whole and never sits on the axis.
_EDGE_PX = 30
#: Room a value label needs from its point to the plot's edge (18 pt offset, 32 pt text).
_LABEL_PX = 76


@dataclass(frozen=True, slots=True)
class _ChartData:
    """What gets drawn, in day-index coordinates (0 = first day shown, days-1 = the last).

    Within a day the marks sit side by side in the order they were logged (`_MARK_SPREAD`
    apart, centred on the day): a check-in point (the day's mean, at the mean time of its
    check-ins), each routine's before→after pair (at its before reading) and each routine
    reading without its partner.
    """

    first_day: date
    days: int
    #: The local day the chart is sent on: its tick reads "Today" when it is shown.
    today: date
    checkins: list[tuple[float, float]]
    routine_days: list[int]
    pairs: list[tuple[float, int, int]]
    lone_readings: list[tuple[float, int, PainContext]]
    logged_before: bool

    @property
    def is_empty(self) -> bool:
        """Nothing to plot in the window, so the chart shows a note instead."""
        return not (self.checkins or self.pairs or self.lone_readings)


@dataclass(frozen=True, slots=True)
class _Mark:
    """One mark of a day before it gets its x: when, and what (`kind` says which list)."""

    when: float  # POSIX seconds, for the order within the day
    kind: str  # "checkin", "pair" or "lone"
    first: float
    second: int | None = None
    context: PainContext = PainContext.CHECKIN


def _prepare(
    entries: Iterable[PainEntry],
    runs: Iterable[RoutineRun],
    zone: tzinfo,
    last_day: date,
    days: int,
    today: date | None = None,
) -> _ChartData:
    """Turn raw entries and runs into plot coordinates for the `days` local days up to
    `last_day`; `today` (default `last_day`) is the day the chart is sent on."""
    first_day = last_day - timedelta(days=days - 1)
    all_entries = list(entries)
    shown = [e for e in all_entries if first_day <= local_date(e.at, zone) <= last_day]
    logged_before = any(local_date(e.at, zone) < first_day for e in all_entries)

    def index_of(entry: PainEntry) -> int:
        return (local_date(entry.at, zone) - first_day).days

    by_day: dict[int, list[_Mark]] = {}
    checkins_of: dict[int, list[PainEntry]] = {}
    for entry in shown:
        if entry.context is PainContext.CHECKIN:
            checkins_of.setdefault(index_of(entry), []).append(entry)
    for index, day_checkins in checkins_of.items():
        when = fmean(e.at.timestamp() for e in day_checkins)
        level = fmean(e.level for e in day_checkins)
        by_day.setdefault(index, []).append(_Mark(when, "checkin", level))

    routine_days = sorted(
        (day - first_day).days for day in completed_days(runs, zone) if first_day <= day <= last_day
    )

    paired: set[int] = set()
    for pair in routine_pairs(shown):
        paired.add(pair.routine_run_id)
        by_day.setdefault(index_of(pair.after), []).append(
            _Mark(pair.before.at.timestamp(), "pair", pair.before.level, pair.after.level)
        )
    for entry in shown:
        if entry.context is not PainContext.CHECKIN and entry.routine_run_id not in paired:
            by_day.setdefault(index_of(entry), []).append(
                _Mark(entry.at.timestamp(), "lone", entry.level, context=entry.context)
            )

    checkins: list[tuple[float, float]] = []
    pairs: list[tuple[float, int, int]] = []
    lone_readings: list[tuple[float, int, PainContext]] = []
    for index, marks in sorted(by_day.items()):
        marks.sort(key=lambda mark: (mark.when, mark.kind != "checkin"))
        spread = (
            _MARK_SPREAD if len(marks) < 2 else min(_MARK_SPREAD, _DAY_WIDTH / (len(marks) - 1))
        )
        for n, mark in enumerate(marks):
            x = index + (n - (len(marks) - 1) / 2) * spread
            if mark.kind == "checkin":
                checkins.append((x, mark.first))
            elif mark.second is None:
                lone_readings.append((x, int(mark.first), mark.context))
            else:
                pairs.append((x, int(mark.first), mark.second))

    return _ChartData(
        first_day,
        days,
        last_day if today is None else today,
        checkins,
        routine_days,
        pairs,
        lone_readings,
        logged_before,
    )


def _day_label(day: date) -> str:
    """Short, locale-independent date label such as "3 Nov"."""
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{day.day} {months[day.month - 1]}"


def _tick_indices(days: int) -> list[int]:
    """At most `_MAX_TICKS` dates, always including the last day, in whole weeks when the
    range allows (30 days: the last day, two and four weeks before it)."""
    step = max(1, -(-(days - 1) // (_MAX_TICKS - 1)))
    if days > 14:
        step = -(-step // 7) * 7
    return sorted({days - 1 - k * step for k in range(days) if days - 1 - k * step >= 0})


def render_progress_chart(
    entries: Iterable[PainEntry],
    runs: Iterable[RoutineRun],
    zone: tzinfo,
    last_day: date,
    days: int = 30,
    *,
    today: date | None = None,
) -> bytes:
    """Render pain over the ``days`` local days up to ``last_day`` (included) as PNG bytes.

    ``today`` is the local day the chart is sent on (default ``last_day``, as in /progress):
    its tick reads "Today" when it is one of the days shown. A past window (the weekly
    summary's, sent the Monday after its Sunday) has dates only, and its title names them.

    Shows daily check-in averages as a line with points, days with a completed routine as
    light green bands, and each routine's before→after change as an arrow (green when pain
    fell, orange when it rose, a grey dot when unchanged); a routine reading without its
    partner is a hollow circle. With nothing to plot it still draws the axes and a friendly
    note. Output is deterministic for the same input.
    """
    fig = progress_figure(entries, runs, zone, last_day, days, today=today)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def progress_figure(
    entries: Iterable[PainEntry],
    runs: Iterable[RoutineRun],
    zone: tzinfo,
    last_day: date,
    days: int = 30,
    *,
    today: date | None = None,
) -> Figure:
    """The Figure `render_progress_chart` saves: one Axes, and a figure legend with an entry
    for every kind of mark drawn."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    data = _prepare(entries, runs, zone, last_day, days, today)

    fig = Figure(figsize=FIG_SIZE, dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
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
    # The title, then the legend's rows (two entries each), then the plot: in pixels.
    height = FIG_SIZE[1] * DPI
    rows = -(-len(handles) // _LEGEND_ROW)
    legend_top = 1 - 80 / height
    plot_top = legend_top - (rows * 60 + 25) / height
    fig.subplots_adjust(left=0.12, right=0.96, top=plot_top, bottom=0.09)
    _fit_limits(fig, ax, data.days)
    if handles:
        fig.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, legend_top),
            ncol=min(len(handles), _LEGEND_ROW),
            fontsize=_LEGEND_FONT,
            frameon=False,
            handlelength=1.0,
            handletextpad=0.4,
            columnspacing=1.5,
            labelspacing=0.3,
            borderaxespad=0,
            borderpad=0,
        )
    return fig


def _draw_checkins(ax: Axes, checkins: list[tuple[float, float]]) -> None:
    """Daily check-in means as a soft line with bold points; the latest value is labelled."""
    xs = [x for x, _ in checkins]
    ys = [y for _, y in checkins]
    ax.plot(xs, ys, color=_CHECKIN_COLOUR, linewidth=_LINE, alpha=0.55, zorder=3)
    size = _POINT_ALONE if len(checkins) == 1 else _POINT
    ax.scatter(xs, ys, s=size, color=_CHECKIN_COLOUR, edgecolors="white", linewidths=2.5, zorder=4)
    last_x, last_y = checkins[-1]
    # Above the point, unless the line comes down into it from above (the label would sit on
    # the line): then below, when there is room under the point.
    from_above = len(checkins) > 1 and checkins[-2][1] > last_y
    above = not from_above or last_y < 1
    _label(ax, last_x, last_y, _format_level(last_y), _CHECKIN_COLOUR, above=above)


def _draw_routine_readings(ax: Axes, data: _ChartData) -> list[Line2D | Patch]:
    """Before→after arrows and lone routine readings; returns legend handles for what was drawn."""
    eased = worse = same = False
    for x, before, after in data.pairs:
        if after == before:
            same = True
            ax.scatter([x], [after], s=_POINT, color=_SAME_COLOUR, edgecolors="white", zorder=5)
            continue
        eased |= after < before
        worse |= after > before
        ax.add_patch(
            FancyArrowPatch(
                (x, before),
                (x, after),
                arrowstyle="-|>",
                mutation_scale=44,
                linewidth=_LINE + 2,
                color=_EASED_COLOUR if after < before else _WORSE_COLOUR,
                shrinkA=0,
                shrinkB=0,
                zorder=5,
            )
        )
    for x, level, _context in data.lone_readings:
        ax.scatter(
            [x], [level], s=_POINT, facecolors="white", edgecolors=_SAME_COLOUR, linewidths=4
        )

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
        markersize=_HANDLE,
        markerfacecolor="white",
        markeredgecolor=_SAME_COLOUR,
        markeredgewidth=4,
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
        xytext=(0, 18 if above else -18),
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
    return Line2D(
        [], [], color=colour, marker=marker, markersize=_HANDLE, linestyle="none", label=label
    )


def _draw_axes(fig: Figure, ax: Axes, data: _ChartData) -> None:
    """Static parts: title, 0-10 scale, a few date ticks and a quiet grid."""
    last_day = data.first_day + timedelta(days=data.days - 1)
    if last_day != data.today:
        # A past window (the weekly summary's): "last N days" and "Today" would be untrue.
        span = _day_label(last_day)
        if data.days > 1:
            span = f"{_day_label(data.first_day)} – {span}"
        title = f"Your pain, {span}"
    elif data.days > 1:
        title = f"Your pain, last {data.days} days"
    else:
        title = "Your pain today"
    fig.suptitle(
        title, x=0.5, y=0.985, va="top", fontsize=_TITLE_FONT, fontweight="bold", color=_TEXT_COLOUR
    )
    ax.set_xlim(-0.6, data.days - 0.4)  # until `_fit_limits` knows the plot's size
    ax.set_ylim(MIN_LEVEL - 0.4, MAX_LEVEL + 0.6)
    ax.set_yticks(range(MIN_LEVEL, MAX_LEVEL + 1, 2))
    ticks = _tick_indices(data.days)
    ax.set_xticks(ticks)
    ax.set_xticklabels(
        [
            "Today" if day == data.today else _day_label(day)
            for day in (data.first_day + timedelta(days=i) for i in ticks)
        ]
    )
    ax.set_ylabel("Pain (0–10)", fontsize=_LABEL_FONT, color=_TEXT_COLOUR)
    ax.tick_params(labelsize=_TICK_FONT, colors=_TEXT_COLOUR, length=0, pad=12)
    ax.grid(axis="y", color=_GRID_COLOUR, linewidth=1)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color("#adb5bd")


def _fit_limits(fig: Figure, ax: Axes, days: int) -> None:
    """Axis limits padded in pixels, once the plot's size is known: `_EDGE_PX` around the
    days and the 0-10 scale, more at the top or bottom where a value label above a point
    near 10 (or below one near 0) needs `_LABEL_PX` to stay inside the plot."""
    box = ax.get_position()
    width = box.width * fig.get_figwidth() * fig.dpi
    height = box.height * fig.get_figheight() * fig.dpi
    # Days run from -0.5 to days - 0.5 (a day's marks and band stay within its width).
    pad_x = days * _EDGE_PX / (width - 2 * _EDGE_PX)
    ax.set_xlim(-0.5 - pad_x, days - 0.5 + pad_x)

    labels = [
        (float(text.xy[1]), text.xyann[1] > 0) for text in ax.texts if isinstance(text, Annotation)
    ]
    span = MAX_LEVEL - MIN_LEVEL
    top = bottom = float(_EDGE_PX)
    for _ in range(3):  # each pad shrinks the scale a little: settle it
        per_level = (height - top - bottom) / span
        for level, above in labels:
            if above:
                top = max(top, _LABEL_PX - (MAX_LEVEL - level) * per_level)
            else:
                bottom = max(bottom, _LABEL_PX - (level - MIN_LEVEL) * per_level)
    per_level = (height - top - bottom) / span
    ax.set_ylim(MIN_LEVEL - bottom / per_level, MAX_LEVEL + top / per_level)
