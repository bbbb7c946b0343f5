"""Chart geometry for server-side SVG (pure): numbers in, coordinates out. The templates draw the
SVG from these plain records, so the page needs no JavaScript and the same numbers go in a table.

The drawing is 400 units wide: shown at about 330 px on a 360 px phone and at most 512 px on a desk,
so its 13-unit labels stay readable on both. Every label lies inside the frame: the margins hold the
widest tick label on the left and half a month name beyond the last point on the right."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 400, 220
LEFT, RIGHT, TOP, BOTTOM = 46, 18, 12, 40  # margins for the axis labels (month and year below)
BAR_TOP = 22  # room above the tallest bar for its count
FONT_SIZE = 13  # of the axis labels (static/css/results.css), in drawing units
IKM_MIN, IKM_MAX = 25.0, 100.0
IKM_TICKS = (25, 50, 65, 76.61, 88.31, 100)  # the scale's ends and the grade boundaries


@dataclass(frozen=True)
class Tick:
    value: float  # printed by the template in the page's language (76,61 / 76.61)
    digits: int  # decimals to print: 0 for the round ends of the scale, 2 for the grade boundaries
    y: float


@dataclass(frozen=True)
class MonthValue:
    month: date  # the first day of the month
    value: float | None  # the IKM, None when some element had no answers (or no ratings)
    ratings: int  # ratings counted that month


@dataclass(frozen=True)
class Point:
    month: date  # the template prints it in the page's language: the month's short name
    x: float
    y: float | None  # None: no value that month (a gap in the line)
    value: float | None  # the IKM shown in the table, None when missing
    ratings: int  # 0: an empty month, marked on the axis
    show_year: bool  # the first month and every January carry the year under their name


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    ticks: list[Tick]
    points: list[Point]
    segments: list[str]  # SVG polyline "x,y x,y" strings, one per unbroken run of values


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    share: float  # percentage of the total (0-100), shown with 1 decimal
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    total: int


def _y(value: float, low: float, high: float) -> float:
    span = HEIGHT - TOP - BOTTOM
    return round(TOP + span * (1 - (value - low) / (high - low)), 1)


def line_chart(series: Sequence[MonthValue]) -> LineChart:
    """A line on the IKM scale (25-100); months without a value break the line."""
    step = (WIDTH - LEFT - RIGHT) / max(len(series) - 1, 1)
    points = [
        Point(
            month=item.month,
            x=round(LEFT + step * index if len(series) > 1 else (LEFT + WIDTH - RIGHT) / 2, 1),
            y=None if item.value is None else _y(item.value, IKM_MIN, IKM_MAX),
            value=item.value,
            ratings=item.ratings,
            show_year=index == 0 or item.month.month == 1,
        )
        for index, item in enumerate(series)
    ]
    segments: list[str] = []
    current: list[str] = []
    for point in points:
        if point.y is None:
            if current:
                segments.append(" ".join(current))
            current = []
        else:
            current.append(f"{point.x},{point.y}")
    if current:
        segments.append(" ".join(current))
    ticks = [
        Tick(value=tick, digits=0 if float(tick).is_integer() else 2, y=_y(tick, IKM_MIN, IKM_MAX))
        for tick in IKM_TICKS
    ]
    return LineChart(WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM, ticks, points, segments)


def bar_chart(counts: Sequence[tuple[str, int]]) -> BarChart:
    """Vertical bars scaled to the largest count."""
    total = sum(count for _, count in counts)
    tallest = max((count for _, count in counts), default=0) or 1
    slot = (WIDTH - LEFT - RIGHT) / max(len(counts), 1)
    span = HEIGHT - BAR_TOP - BOTTOM
    bars = []
    for index, (label, count) in enumerate(counts):
        height = round(span * count / tallest, 1)
        bars.append(
            Bar(
                label=label,
                count=count,
                share=100 * count / total if total else 0.0,
                x=round(LEFT + slot * index + slot * 0.15, 1),
                y=round(HEIGHT - BOTTOM - height, 1),
                width=round(slot * 0.7, 1),
                height=height,
            )
        )
    return BarChart(WIDTH, HEIGHT, HEIGHT - BOTTOM, bars, total)
