"""Bar charts as geometry for inline SVG, drawn server-side: no JavaScript, nothing loaded from elsewhere.

The template draws the rectangles; labels are passed as data and escaped there like any other text.
"""
from dataclasses import dataclass
from typing import List, Sequence, Tuple


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    bars: List[Bar]
    width: int
    height: int
    max_value: float


def column_chart(points: Sequence[Tuple[str, float]], width: int = 600, height: int = 160) -> Chart:
    """Vertical bars, one per point, left to right (conversations per day)."""
    top = max((v for _, v in points), default=0) or 1
    slot = width / max(len(points), 1)
    bars = [Bar(label, value, x=i * slot + 1, y=height - value / top * height, width=max(slot - 2, 1),
                height=value / top * height) for i, (label, value) in enumerate(points)]
    return Chart(bars, width, height, top)


def row_chart(points: Sequence[Tuple[str, float]], width: int = 400, row_height: int = 22) -> Chart:
    """Horizontal bars, one per row, top to bottom (top intents); the label is drawn beside the bar."""
    top = max((v for _, v in points), default=0) or 1
    bars = [Bar(label, value, x=0, y=i * row_height, width=max(value / top * width, 1), height=row_height - 4)
            for i, (label, value) in enumerate(points)]
    return Chart(bars, width, max(len(points), 1) * row_height, top)
