"""The progress chart is a small, decodable, deterministic PNG for 0, 1 and many entries."""

from __future__ import annotations

import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from PIL import Image

from bot.charts import DPI, FIG_SIZE, _prepare, progress_figure, render_progress_chart
from bot.domain.pain import PainContext, PainEntry, RoutineRun, RunOutcome

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPECTED_SIZE = (round(FIG_SIZE[0] * DPI), round(FIG_SIZE[1] * DPI))
MAX_BYTES = 300 * 1024

ZONE = ZoneInfo("Europe/Berlin")
TODAY = date(2024, 11, 28)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE).astimezone(UTC)


def sixty_entries() -> tuple[list[PainEntry], list[RoutineRun]]:
    """30 days: each day either two check-ins or a routine with a before/after pair."""
    entries: list[PainEntry] = []
    runs: list[RoutineRun] = []
    for k in range(30):
        day = TODAY - timedelta(days=29 - k)
        if k % 3 == 0:
            before = 4 + k % 5
            after = max(0, before + (-2 if k % 2 == 0 else 1))
            entries += [
                PainEntry(at(day, 18), before, PainContext.BEFORE, k),
                PainEntry(at(day, 19), after, PainContext.AFTER, k),
            ]
            runs.append(RoutineRun(at(day, 18), at(day, 19), RunOutcome.COMPLETED))
        else:
            entries += [PainEntry(at(day, 8), 3 + k * 7 % 6), PainEntry(at(day, 20), k * 5 % 11)]
    assert len(entries) == 60
    return entries, runs


def check_png(data: bytes) -> None:
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) < MAX_BYTES
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == "PNG"
        assert image.size == EXPECTED_SIZE


def test_empty_chart_is_a_valid_png() -> None:
    check_png(render_progress_chart([], [], ZONE, TODAY))


def test_one_entry_chart_is_a_valid_png() -> None:
    check_png(render_progress_chart([PainEntry(at(TODAY, 9), 6)], [], ZONE, TODAY))


def test_sixty_entries_chart_is_a_valid_png() -> None:
    entries, runs = sixty_entries()
    check_png(render_progress_chart(entries, runs, ZONE, TODAY))


@pytest.mark.parametrize(
    "entries",
    [
        # a lone routine pair, a lone unpaired "before", only entries older than the window
        [
            PainEntry(at(TODAY, 10), 6, PainContext.BEFORE, 1),
            PainEntry(at(TODAY, 11), 4, PainContext.AFTER, 1),
        ],
        [PainEntry(at(TODAY, 10), 6, PainContext.BEFORE, 1)],
        [PainEntry(at(TODAY - timedelta(days=90), 10), 6)],
    ],
)
def test_other_sparse_charts_render(entries: list[PainEntry]) -> None:
    check_png(render_progress_chart(entries, [], ZONE, TODAY))


@pytest.mark.parametrize("days", [1, 7, 90])
def test_other_window_lengths_render(days: int) -> None:
    entries, runs = sixty_entries()
    check_png(render_progress_chart(entries, runs, ZONE, TODAY, days=days))


def test_days_must_be_positive() -> None:
    with pytest.raises(ValueError):
        render_progress_chart([], [], ZONE, TODAY, days=0)


def test_output_is_deterministic_and_thread_safe() -> None:
    entries, runs = sixty_entries()
    expected = render_progress_chart(entries, runs, ZONE, TODAY)
    assert render_progress_chart(iter(entries), iter(runs), ZONE, TODAY) == expected
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda _: render_progress_chart(entries, runs, ZONE, TODAY), range(4))
        )
    assert all(result == expected for result in results)


def test_rendering_never_touches_pyplot() -> None:
    code = (
        "import sys; from datetime import date; from zoneinfo import ZoneInfo; "
        "from bot.charts import render_progress_chart; "
        "render_progress_chart([], [], ZoneInfo('UTC'), date(2024, 1, 1)); "
        "assert 'matplotlib.pyplot' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def _style(face: object, edge: object) -> tuple[str, bool]:
    """A mark's look as (colour, hollow): a white face shows its edge colour as a ring."""
    face_hex, edge_hex = to_hex(face), to_hex(edge)  # type: ignore[arg-type]
    return (edge_hex, True) if face_hex == "#ffffff" else (face_hex, False)


def drawn_styles(fig: Figure) -> set[tuple[str, bool]]:
    """Every kind of mark on the chart's axes: points, arrows, bands and lines."""
    [ax] = fig.axes
    styles: set[tuple[str, bool]] = set()
    for collection in ax.collections:
        styles.add(_style(collection.get_facecolor()[0], collection.get_edgecolor()[0]))
    for patch in ax.patches:
        styles.add(_style(patch.get_facecolor(), patch.get_facecolor()))
    for line in ax.get_lines():
        styles.add((to_hex(line.get_color()), False))
    return styles


def legend_styles(fig: Figure) -> set[tuple[str, bool]]:
    styles: set[tuple[str, bool]] = set()
    for legend in fig.legends:
        for handle in legend.legend_handles:
            if isinstance(handle, Line2D):
                styles.add(_style(handle.get_markerfacecolor(), handle.get_markeredgecolor()))
            elif isinstance(handle, Patch):
                styles.add(_style(handle.get_facecolor(), handle.get_facecolor()))
    return styles


def with_lone_readings() -> tuple[list[PainEntry], list[RoutineRun]]:
    """Sixty entries plus routines stopped after the before reading, one with no change."""
    entries, runs = sixty_entries()
    for k in (2, 10, 22):
        day = TODAY - timedelta(days=29 - k)
        entries.append(PainEntry(at(day, 21), 7, PainContext.BEFORE, 100 + k))
    day = TODAY - timedelta(days=4)
    entries += [
        PainEntry(at(day, 6), 5, PainContext.BEFORE, 200),
        PainEntry(at(day, 7), 5, PainContext.AFTER, 200),
    ]
    return entries, runs


@pytest.mark.parametrize(
    "data",
    [
        sixty_entries(),
        with_lone_readings(),
        ([PainEntry(at(TODAY, 9), 6, PainContext.BEFORE, 1)], []),
        ([PainEntry(at(TODAY, 9), 6, PainContext.AFTER, 1)], []),
        ([PainEntry(at(TODAY, 9), 6, PainContext.BEFORE, 1), PainEntry(at(TODAY, 9), 3)], []),
    ],
    ids=["pairs", "lone-and-same", "before-only", "after-only", "before-and-checkin"],
)
def test_every_kind_of_mark_drawn_is_in_the_legend(
    data: tuple[list[PainEntry], list[RoutineRun]],
) -> None:
    entries, runs = data
    fig = progress_figure(entries, runs, ZONE, TODAY)
    drawn = drawn_styles(fig)
    assert drawn, "the chart draws something"
    assert drawn <= legend_styles(fig), f"drawn but not in the legend: {drawn - legend_styles(fig)}"


def test_lone_readings_are_named_by_what_they_are() -> None:
    def labels(entries: list[PainEntry]) -> list[str]:
        fig = progress_figure(entries, [], ZONE, TODAY)
        return [text.get_text() for legend in fig.legends for text in legend.get_texts()]

    before = PainEntry(at(TODAY, 9), 6, PainContext.BEFORE, 1)
    after = PainEntry(at(TODAY, 10), 4, PainContext.AFTER, 2)
    assert labels([before]) == ["Before only"]
    assert labels([after]) == ["After only"]
    assert labels([before, after]) == ["Before/after only"]


def test_the_marks_of_one_day_are_in_the_order_they_were_logged() -> None:
    """The tester's day: a "Before only" 6 at 18:30 was drawn right of a check-in 7 at
    18:32. Within a day, marks sit left to right in time order."""
    evening = datetime(2024, 11, 28, 18, 30, tzinfo=ZONE).astimezone(UTC)
    before_only = PainEntry(evening, 6, PainContext.BEFORE, 1)
    checkin = PainEntry(evening + timedelta(minutes=2), 7)
    data = _prepare([checkin, before_only], [], ZONE, TODAY, 30)
    [(lone_x, lone_level, _)] = data.lone_readings
    [(checkin_x, checkin_level)] = data.checkins
    assert (lone_level, checkin_level) == (6, 7)
    assert lone_x < checkin_x, "18:30 is left of 18:32"
    assert 28.5 < lone_x < checkin_x < 29.5, "both inside today's column"

    # A busier day: a morning routine pair, a lone after, and check-ins around them.
    day = TODAY - timedelta(days=3)
    entries = [
        PainEntry(at(day, 7), 5, PainContext.BEFORE, 2),
        PainEntry(at(day, 8), 3, PainContext.AFTER, 2),
        PainEntry(at(day, 12), 4),
        PainEntry(at(day, 21), 6, PainContext.AFTER, 3),
    ]
    data = _prepare(entries, [], ZONE, TODAY, 30)
    xs = [data.pairs[0][0], data.checkins[0][0], data.lone_readings[0][0]]
    assert xs == sorted(xs) and len(set(xs)) == 3
    assert all(25.5 < x < 26.5 for x in xs)


def test_every_text_reads_at_phone_width() -> None:
    """A chat shows the 1280-px image about 320 px wide: every text must still be 10 px or
    more there, and there are at most four dates under the axis."""
    entries, runs = with_lone_readings()
    fig = progress_figure(entries, runs, ZONE, TODAY)
    assert round(FIG_SIZE[0] * DPI) == 1280
    scale = 320 / (FIG_SIZE[0] * DPI)
    [ax] = fig.axes
    texts = [*ax.get_xticklabels(), *ax.get_yticklabels(), ax.yaxis.label, *ax.texts]
    texts += [text for legend in fig.legends for text in legend.get_texts()]
    texts += [fig._suptitle] if fig._suptitle is not None else []
    assert len(texts) > 10
    for text in texts:
        pixels = text.get_fontsize() * DPI / 72 * scale
        assert pixels >= 10, (text.get_text(), pixels)
    assert len(ax.get_xticks()) <= 4
    # The legend fits the image: no entry is cut off at either side.
    fig.canvas.draw()  # type: ignore[no-untyped-call]
    width = FIG_SIZE[0] * DPI
    for legend in fig.legends:
        box = legend.get_window_extent()
        assert box.x0 >= 0 and box.x1 <= width, (box.x0, box.x1)


def _edge_cases() -> dict[str, tuple[list[PainEntry], list[RoutineRun], int]]:
    def pair(day: date, before: int, after: int, run: int) -> list[PainEntry]:
        return [
            PainEntry(at(day, 18), before, PainContext.BEFORE, run),
            PainEntry(at(day, 19), after, PainContext.AFTER, run),
        ]

    done = [RoutineRun(at(TODAY, 18), at(TODAY, 19), RunOutcome.COMPLETED)]
    ninety: list[PainEntry] = []
    for k in range(90):
        day = TODAY - timedelta(days=89 - k)
        ninety.append(PainEntry(at(day, 8), (k * 7) % 11))
        if k % 4 == 0:
            ninety += pair(day, 10, 0, k)
    first_day = TODAY - timedelta(days=29)
    return {
        "one reading of 0": ([PainEntry(at(TODAY, 9), 0)], [], 30),
        "all zeros": ([PainEntry(at(TODAY - timedelta(days=k), 9), 0) for k in range(30)], [], 30),
        "all tens": ([PainEntry(at(TODAY - timedelta(days=k), 9), 10) for k in range(30)], [], 30),
        "one day, 10": ([PainEntry(at(TODAY, 9), 10)], [], 1),
        "pair 10 to 0 today": (pair(TODAY, 10, 0, 1), done, 30),
        "pair 0 to 10 on the first day": (pair(first_day, 0, 10, 1), [], 30),
        "lone before of 0": ([PainEntry(at(TODAY, 18), 0, PainContext.BEFORE, 1)], [], 30),
        "90 days": (ninety, [], 90),
        "down from 6 to 1 today": (falling(6, 1), [], 30),
        "down from 6 to 0 today": (falling(6, 0), [], 30),
    }


def falling(start: int, end: int) -> list[PainEntry]:
    """Yesterday's check-in at ``start``, today's at ``end``: the line comes down into today."""
    return [PainEntry(at(TODAY - timedelta(days=1), 9), start), PainEntry(at(TODAY, 9), end)]


@pytest.mark.parametrize("case", list(_edge_cases()))
def test_every_mark_and_label_is_drawn_whole_inside_the_plot(case: str) -> None:
    """A reading of 0 or 10, or on the first or last day, is drawn whole, never cut by or
    sitting on an axis; its value label (above a 10, below a 0) stays inside the plot; the
    scale still shows 0 and 10 in full."""
    entries, runs, days = _edge_cases()[case]
    fig = progress_figure(entries, runs, ZONE, TODAY, days)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    fig.canvas.draw()
    ax = fig.axes[0]
    plot = ax.get_window_extent(renderer)
    low, high = ax.get_ylim()
    assert low < 0 and high > 10
    for collection in ax.collections:
        sizes = collection.get_sizes()
        for (x, y), size in zip(
            ax.transData.transform(collection.get_offsets()), sizes, strict=False
        ):
            radius = (size**0.5) / 2 * DPI / 72 + 2  # the white rim
            assert plot.x0 <= x - radius and x + radius <= plot.x1, (case, x, radius)
            assert plot.y0 <= y - radius and y + radius <= plot.y1, (case, y, radius)
    labels = [text for text in ax.texts if text.get_text().strip()]
    assert labels or case == "90 days" or "pair" in case or "lone" in case
    for text in labels:
        box = text.get_window_extent(renderer)
        assert plot.y0 <= box.y0 and box.y1 <= plot.y1 + 1, (case, text.get_text(), box, plot)
    for tick in ax.get_xticklabels():
        box = tick.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= fig.bbox.x1, (case, tick.get_text())


@pytest.mark.parametrize(("start", "end"), [(6, 1), (6, 3), (2, 7), (6, 0)])
def test_the_latest_value_label_does_not_sit_on_the_line_into_it(start: int, end: int) -> None:
    """The bold label of today's check-in goes on the side of the point away from the line
    coming into it (tester: a "1" sat on the line falling from 6); at 0 there is no room
    below, so it stays above."""
    fig = progress_figure(falling(start, end), [], ZONE, TODAY)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    fig.canvas.draw()
    ax = fig.axes[0]
    [label] = [text for text in ax.texts if text.get_text() == str(end)]
    box = label.get_window_extent(renderer)
    x_prev, y_prev = ax.transData.transform([(29 - 1, start)])[0]
    x_last, y_last = ax.transData.transform([(29, end)])[0]
    # The segment from yesterday's point to today's, sampled: no sample inside the label.
    for k in range(101):
        x = x_prev + (x_last - x_prev) * k / 100
        y = y_prev + (y_last - y_prev) * k / 100
        inside = box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1
        assert not inside or (end == 0 and start > end), (start, end, k)
    if start > end >= 1:
        assert box.y1 < y_last, "below the point"
    else:
        assert box.y0 > y_last, "above the point"
