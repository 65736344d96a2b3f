"""The PDF's one chart: the last 14 days of people on duty and gate passages of a community
or a roll-up, drawn with reportlab's own graphics (vector, in the PDF; no browser)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from shequ.core.pdf import CJK_FONT, cjk_font

HEIGHT = 190
SERIES_COLOURS = (colors.HexColor("#2e7d32"), colors.HexColor("#1565c0"))


def trend_chart(
    series: list[tuple[dt.date, dict[str, int]]], labels: dict[str, str], width: float
) -> Drawing:
    """A line per key of `labels` over the days of `series` (from selectors.trend)."""
    cjk_font()
    keys = list(labels)
    drawing = Drawing(width, HEIGHT)
    title = _("The last %(days)d days") % {"days": len(series)}
    drawing.add(String(0, HEIGHT - 12, title, fontName=CJK_FONT, fontSize=10))
    chart = HorizontalLineChart()
    chart.x, chart.y = 30, 30
    chart.width, chart.height = width - 40, HEIGHT - 80
    chart.data = [[values.get(key, 0) for _day, values in series] for key in keys] or [[0]]
    chart.categoryAxis.categoryNames = [d.strftime("%m-%d") for d, _v in series]
    chart.categoryAxis.labels.fontName = CJK_FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 45
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max((v for row in chart.data for v in row), default=0)
    chart.valueAxis.valueMax = max(top + top // 10 + 1, 5)
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#dddddd")
    for n, colour in enumerate(SERIES_COLOURS[: len(keys)]):
        chart.lines[n].strokeColor = colour
        chart.lines[n].strokeWidth = 1.5
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 10, HEIGHT - 8
    legend.alignment = "right"
    legend.boxAnchor = "ne"
    legend.fontName = CJK_FONT
    legend.fontSize = 8
    legend.columnMaximum = 1
    legend.deltax = 90
    legend.colorNamePairs = [
        (SERIES_COLOURS[n], labels[key]) for n, key in enumerate(keys[: len(SERIES_COLOURS)])
    ]
    drawing.add(legend)
    return drawing
