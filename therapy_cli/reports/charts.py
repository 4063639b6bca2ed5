"""A line chart drawn in text: dates along, score up, a cut-off line across.

Plain characters only (no colour codes), so it reads the same on a terminal,
in a pipe, in a file or in a Markdown report. `unicode=False` keeps to ASCII.
"""

from __future__ import annotations

from datetime import date

GLYPHS = {
    True: {"point": "●", "line": "·", "cutoff": "┄", "axis_y": "┤", "corner": "└", "axis_x": "─", "bar": "│"},
    False: {"point": "o", "line": ".", "cutoff": "-", "axis_y": "+", "corner": "+", "axis_x": "-", "bar": "|"},
}


def _fmt(value: float) -> str:
    return f"{value:g}"


def _side(r: int, value: float, cutoff: float | None, cut_row: int | None, height: int) -> int:
    """Keep a point off the cut-off line, on its true side: at or above the cut-off is drawn above it."""
    if cut_row is None or r != cut_row:
        return r
    return max(0, r - 1) if value >= cutoff else min(height - 1, r + 1)


def line_chart(points: list[tuple[date, float]], low: float, high: float, *, cutoff: float | None = None,
               cutoff_label: str | None = None, title: str | None = None, width: int = 60, height: int = 14,
               unicode: bool = True) -> str:
    """The chart as text. Points are (date, score); x is proportional to time, y to the score."""
    g = GLYPHS[unicode]
    points = sorted(points, key=lambda p: p[0])
    lines: list[str] = []
    if title:
        lines.append(title)
    if not points:
        lines.append("(no scores yet)")
        return "\n".join(lines)
    height = max(3, height)
    width = max(10, width)
    first_day, last_day = points[0][0], points[-1][0]
    span = (last_day - first_day).days

    def column(day: date) -> int:
        return 0 if span == 0 else round((day - first_day).days / span * (width - 1))

    def row(value: float) -> int:
        value = min(max(value, low), high)
        return round((high - value) / (high - low) * (height - 1)) if high > low else 0

    grid = [[" "] * width for _ in range(height)]
    cut_row = row(cutoff) if cutoff is not None else None
    if cut_row is not None:
        grid[cut_row] = [g["cutoff"]] * width
    placed = [(column(d), _side(row(v), v, cutoff, cut_row, height)) for d, v in points]
    for (x0, y0), (x1, y1) in zip(placed, placed[1:]):
        steps = max(abs(x1 - x0), abs(y1 - y0))
        for i in range(1, steps):
            x = round(x0 + (x1 - x0) * i / steps)
            y = round(y0 + (y1 - y0) * i / steps)
            grid[y][x] = g["line"]
    for x, y in placed:
        grid[y][x] = g["point"]

    labels = {0: _fmt(high), height - 1: _fmt(low)}
    if cut_row is not None:
        labels[cut_row] = _fmt(cutoff)
    margin = max(len(text) for text in labels.values())
    for r, cells in enumerate(grid):
        label = labels.get(r, "")
        tick = g["axis_y"] if label else g["bar"]
        lines.append(f"{label.rjust(margin)} {tick}{''.join(cells)}".rstrip())
    lines.append(" " * (margin + 1) + g["corner"] + g["axis_x"] * width)
    start, end = first_day.isoformat(), last_day.isoformat()
    if span == 0:
        axis = start
    else:
        axis = start + end.rjust(width + 1 - len(start))
    lines.append(" " * (margin + 1) + axis)
    if cutoff is not None:
        lines.append(" " * (margin + 1) + f"{g['cutoff'] * 3} {cutoff_label or f'cut-off {_fmt(cutoff)}'}")
    return "\n".join(lines)
