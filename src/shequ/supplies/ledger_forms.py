"""Forms of the ledger and stock-take pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.widgets import DateInput
from shequ.supplies.stocktake import Count

MAX_DAYS = 366


class LedgerForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=None)
    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("To"), widget=DateInput)

    def __init__(self, *args: Any, warehouses: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = warehouses

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end comes on or after the start."))
            elif (end - start).days >= MAX_DAYS:
                self.add_error("end", _("Choose a period of at most a year."))
        return data


def ledger_defaults() -> dict[str, dt.date]:
    """This month so far."""
    today = timezone.localdate()
    return {"start": today.replace(day=1), "end": today}


class StocktakeForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


def read_counts(data: Any, stock_ids: list[int]) -> tuple[list[Count], list[int]]:
    """The sheet's lines as typed: `count_<id>` (empty: not counted) and `book_<id>` (the
    book quantity when the sheet was opened). Returns the counts and the ids typed wrong."""
    counts, wrong = [], []
    for pk in stock_ids:
        typed = (data.get(f"count_{pk}") or "").strip()
        if not typed:
            continue
        book = (data.get(f"book_{pk}") or "").strip()
        if not typed.isdigit() or not book.lstrip("-").isdigit() or len(typed) > 7:
            wrong.append(pk)
            continue
        counts.append(Count(stock_id=pk, book=int(book), counted=int(typed)))
    return counts, wrong
