"""Charts, one way for the whole product: a `Chart` is data (labels, series), never drawing.

A page renders it with `{% include "web/chart.html" with chart=... %}`: a
`<div class="sq-chart" data-chart="<id>">` that `static/shequ/charts.js` draws with the
vendored ECharts from the JSON island `{{ chart.spec|json_script:chart.id }}` (no inline
script: the Content-Security-Policy allows none), and under it the same numbers as a table
in a <details>, so the page reads without JavaScript. Pages with charts include
"web/chart_scripts.html" once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Colour names charts.js knows (WeUI's palette); a series without one takes the next.
COLOURS = ("blue", "green", "red", "orange", "purple", "grey")
KINDS = ("bar", "line", "hbar")  # hbar: one horizontal bar per label (long place names)


@dataclass
class Series:
    name: Any  # a (lazy) translatable label
    data: list[float | int | None]
    colour: str = ""
    faint: bool = False  # drawn paler (a target beside the figure: needed beside reported in)


@dataclass
class Chart:
    id: str  # the JSON island's element id, unique on the page
    title: Any
    labels: list[Any]
    series: list[Series] = field(default_factory=list)
    kind: str = "bar"
    stack: bool = False
    unit: str = ""  # "%": the axis runs 0–100

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"chart kind {self.kind!r} is not one of {KINDS}")

    @property
    def spec(self) -> dict[str, Any]:
        """What charts.js reads."""
        return {
            "kind": self.kind,
            "title": str(self.title),
            "labels": [str(label) for label in self.labels],
            "stack": self.stack,
            "unit": self.unit,
            "series": [
                {
                    "name": str(s.name),
                    "data": s.data,
                    "colour": s.colour or COLOURS[i % len(COLOURS)],
                    "faint": s.faint,
                }
                for i, s in enumerate(self.series)
            ],
        }

    @property
    def rows(self) -> list[tuple[str, list[Any]]]:
        """The table under the chart: one row per label, one column per series."""
        return [
            (str(label), ["–" if s.data[i] is None else s.data[i] for s in self.series])
            for i, label in enumerate(self.labels)
        ]

    @property
    def height(self) -> str:
        """A size class: horizontal bars grow with their rows."""
        if self.kind != "hbar":
            return ""
        n = len(self.labels)
        return "sq-chart-l" if n > 12 else "sq-chart-m" if n > 6 else ""
