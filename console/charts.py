"""Charts drawn on the server as inline SVG: no script, no asset to fetch, readable without JavaScript.

These functions only compute geometry (pure, tested without a browser); `templates/console/_charts.html`
draws it, with a title per mark for pointer users and a data table for screen readers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 240
MAX_BAR = 72  # a chart of a few bars (campaigns, statuses) keeps them bar-shaped
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28  # room for the value axis and the day labels


def nice_ticks(top: int, *, count: int = 4) -> list[int]:
    """Round gridline values from 0 to at least `top`: steps of 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 1
    while magnitude * 10 <= raw:
        magnitude *= 10
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    ticks = [0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


@dataclass
class Axis:
    ticks: list[dict]  # {"y", "label"}
    labels: list[dict]  # {"x", "label"} along the bottom


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass
class Line:
    name: str
    label: str
    points: str  # "x,y x,y …" for a polyline
    dots: list[dict] = field(default_factory=list)  # {"x", "y", "title"}


@dataclass
class Chart:
    name: str  # data-chart
    title: str
    width: int
    height: int
    axis: Axis
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    table_head: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)
    empty: bool = False


def _plot(count: int):
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = inner_w / max(count, 1)
    return inner_w, inner_h, slot


def _axis(top: int, labels: Sequence[str], fmt: Callable[[int], str], *, every: int) -> tuple[Axis, int]:
    ticks = nice_ticks(top)
    scale_top = ticks[-1]
    _inner_w, inner_h, slot = _plot(len(labels))
    axis = Axis(
        ticks=[{"y": TOP + inner_h - inner_h * value / scale_top, "label": fmt(value)} for value in ticks],
        labels=[{"x": LEFT + slot * index + slot / 2, "label": label}
                for index, label in enumerate(labels) if index % every == 0 or index == len(labels) - 1],
    )
    return axis, scale_top


def bar_chart(name: str, title: str, labels: Sequence[str], values: Sequence[int], *, fmt: Callable[[int], str],
              describe: Callable[[int], str], head: Sequence[str], every: int = 5) -> Chart:
    """One bar per label (a day), height by value; `describe(i)` is bar i's full text."""
    axis, scale_top = _axis(max(values, default=0), labels, fmt, every=every)
    _inner_w, inner_h, slot = _plot(len(labels))
    bars = []
    for index, value in enumerate(values):
        height = inner_h * value / scale_top
        width = min(slot * 0.7, MAX_BAR)
        bars.append(Bar(x=LEFT + slot * index + (slot - width) / 2, y=TOP + inner_h - height, width=width,
                        height=height, title=describe(index)))
    return Chart(name, title, WIDTH, HEIGHT, axis, bars=bars, table_head=list(head),
                 table_rows=[[labels[i], describe(i)] for i in range(len(labels))], empty=not any(values))


def line_chart(name: str, title: str, labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]], *,
               fmt: Callable[[int], str], head: Sequence[str], every: int = 5) -> Chart:
    """One line per series (`(name, label, values)`), sharing the value axis."""
    top = max((max(values, default=0) for _n, _l, values in series), default=0)
    axis, scale_top = _axis(top, labels, fmt, every=every)
    _inner_w, inner_h, slot = _plot(len(labels))
    lines = []
    for series_name, label, values in series:
        coords = [(LEFT + slot * i + slot / 2, TOP + inner_h - inner_h * value / scale_top)
                  for i, value in enumerate(values)]
        lines.append(Line(series_name, label, " ".join(f"{x:.1f},{y:.1f}" for x, y in coords),
                          [{"x": x, "y": y, "title": f"{labels[i]} {label}: {fmt(values[i])}"}
                           for i, (x, y) in enumerate(coords)]))
    rows = [[labels[i], *[fmt(values[i]) for _n, _l, values in series]] for i in range(len(labels))]
    return Chart(name, title, WIDTH, HEIGHT, axis, lines=lines, table_head=list(head), table_rows=rows,
                 empty=not any(any(values) for _n, _l, values in series))
