"""The patrol lists as Excel (core.exports: user text written as text, never a formula) and
the week's chart (core.charts)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shequ.core.charts import Chart, Series
from shequ.core.exports import xlsx_table
from shequ.patrols import schedule
from shequ.patrols.models import Area, Finding, Round
from shequ.patrols.selectors import DayCount


def _local(when: object) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else ""  # type: ignore[arg-type]


def areas_xlsx(rows: Iterable[Area]) -> bytes:
    header = [
        _("Community"),
        _("Place"),
        _("Area"),
        _("Kind"),
        _("Times of day"),
        _("Tolerance (minutes)"),
        _("Agent"),
        _("Units a round uses"),
        _("Active"),
    ]
    return xlsx_table(
        _("Areas"),
        header,
        (
            [
                a.community.name,
                a.place.name,
                a.name,
                a.get_kind_display(),
                schedule.show_times(a.times),
                a.tolerance,
                a.agent.name if a.agent else "",
                a.dose,
                _("yes") if a.active else _("no"),
            ]
            for a in rows
        ),
    )


def rounds_xlsx(rows: Iterable[Round]) -> bytes:
    header = [
        _("Done at"),
        _("Community"),
        _("Area"),
        _("By"),
        _("Agent"),
        _("Units used"),
        _("Drawn from stock"),
        _("Note"),
    ]
    return xlsx_table(
        _("Rounds"),
        header,
        (
            [
                _local(r.done_at),
                r.area.community.name,
                r.area.name,
                r.by.username,
                r.agent.name if r.agent else "",
                r.quantity,
                r.drawn,
                r.note,
            ]
            for r in rows
        ),
    )


def findings_xlsx(rows: Iterable[Finding]) -> bytes:
    header = [
        _("Found at"),
        _("Community"),
        _("Place"),
        _("Shop or spot"),
        _("What was found"),
        _("What was seen"),
        _("By"),
        _("Follow-up by"),
        _("Due"),
        _("Resolved at"),
        _("How it was put right"),
    ]
    return xlsx_table(
        _("Patrol findings"),
        header,
        (
            [
                _local(f.found_at),
                f.community.name,
                f.place.name,
                f.spot,
                f.get_kind_display(),
                f.note,
                f.by.username,
                f.assignee.username if f.assignee else "",
                f.due_on.isoformat() if f.due_on else "",
                _local(f.resolved_at),
                f.resolution,
            ]
            for f in rows
        ),
    )


def week_chart(days: list[DayCount]) -> Chart:
    return Chart(
        id="patrols-week",
        title=_("Disinfection rounds, last 7 days"),
        labels=[d.day.strftime("%m-%d") for d in days],
        series=[
            Series(_("Done"), [d.done for d in days], colour="green"),
            Series(pgettext("disinfection", "Missed"), [d.missed for d in days], colour="red"),
        ],
        stack=True,
    )
