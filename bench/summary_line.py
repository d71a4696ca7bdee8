"""One line of bench/summary.py's table, how its figures are written, and the rules lines
share: a ratio against the peer, and "flat".  Apart from the lines themselves so that every
``*_lines`` module (bench/scale.py's lines too) judges flatness by the one rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Row = dict[str, Any]

FLAT_FACTOR = 1.5
FLAT_MARGIN_MS = 1.0


@dataclass
class Line:
    """One row of the table."""

    operation: str
    peer: str
    ours: str
    ratio: str
    target: str
    met: bool | None  # None: informational, or no data


def get(row: Row | None, field: str) -> float | None:
    """A figure of a load row, or None when the row is missing."""
    return None if row is None else float(row[field])


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"
    return f"{text}{unit}"


def times(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}x" if value >= 10 else f"{value:.1f}x"


def ratio_line(operation: str, peer: Row | None, ours: Row | None, at_least: float, field: str = "rps") -> Line:
    """ours/peer of req/s (or peer/ours of a latency) against ``at_least``."""
    theirs, mine = get(peer, field), get(ours, field)
    unit = " req/s" if field == "rps" else " ms"
    if not theirs or not mine:
        return Line(operation, fmt(theirs, unit), fmt(mine, unit), "-", f">= {at_least:g}x peer", None)
    value = mine / theirs if field == "rps" else theirs / mine
    return Line(
        operation, fmt(theirs, unit), fmt(mine, unit), times(value), f">= {at_least:g}x peer", value >= at_least
    )


def is_flat(small: float, large: float, factor: float = FLAT_FACTOR) -> bool:
    """``large`` is at most ``factor`` times ``small``, or at most ``FLAT_MARGIN_MS`` more (run
    to run noise on one machine is about that large)."""
    return large <= small * factor or large - small <= FLAT_MARGIN_MS
