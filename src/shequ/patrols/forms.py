"""Forms of the patrol pages (dates as a browser sends them: ISO yyyy-mm-dd)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.widgets import DateInput
from shequ.patrols.models import AreaKind, FindingKind


def _choices(rows: Sequence[tuple[Any, str]], blank: bool = False) -> list[tuple[Any, str]]:
    return [("", "—"), *rows] if blank else list(rows)


class AreaForm(forms.Form):
    """One area, or (`bulk`) one in every building of a compound."""

    place = forms.TypedChoiceField(label=_("Place"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind of area"), choices=AreaKind.choices)
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        required=False,
        help_text=_("For every building of a compound, each area is named by its building."),
    )
    times = forms.CharField(
        label=_("Times of day"),
        max_length=200,
        required=False,
        initial="08:00, 16:00",
        help_text=_("HH:MM, separated by commas; or leave empty and give every N hours."),
    )
    every_hours = forms.IntegerField(label=_("Or every N hours"), required=False, min_value=1)
    start = forms.CharField(label=_("From"), max_length=5, required=False, initial="08:00")
    tolerance = forms.IntegerField(label=_("Tolerance (minutes either side)"), initial=60)
    agent = forms.TypedChoiceField(
        label=_("Agent used"), coerce=int, required=False, empty_value=None
    )
    warehouse = forms.TypedChoiceField(
        label=_("Drawn from (warehouse)"), coerce=int, required=False, empty_value=None
    )
    dose = forms.IntegerField(label=_("Units a round uses"), initial=0, min_value=0)
    bulk = forms.BooleanField(label=_("One in every building of this compound"), required=False)

    def __init__(
        self,
        *args: Any,
        places: Sequence[tuple[int, str]] = (),
        agents: Sequence[tuple[int, str]] = (),
        warehouses: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = _choices(places)
        self.fields["agent"].choices = _choices(agents, blank=True)
        self.fields["warehouse"].choices = _choices(warehouses, blank=True)


class RoundForm(forms.Form):
    area = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(label=_("Units used"), required=False, min_value=0)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    photo = forms.FileField(label=_("Photo"), required=False)


class FindingForm(forms.Form):
    place = forms.TypedChoiceField(label=_("Where"), coerce=int)
    spot = forms.CharField(
        label=_("Shop or spot"),
        max_length=100,
        required=False,
        help_text=_("For example: 兴旺超市, the car park by gate 2."),
    )
    kind = forms.ChoiceField(label=_("What was found"), choices=FindingKind.choices)
    note = forms.CharField(
        label=_("What was seen"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    photo = forms.FileField(label=_("Photo"), required=False)
    assignee = forms.TypedChoiceField(
        label=_("Follow-up by"), coerce=int, required=False, empty_value=None
    )
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput)

    def __init__(
        self,
        *args: Any,
        places: Sequence[tuple[int, str]] = (),
        assignees: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = _choices(places)
        self.fields["assignee"].choices = _choices(assignees, blank=True)


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label=_("Follow-up by"), coerce=int, required=False, empty_value=None
    )
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput)

    def __init__(self, *args: Any, assignees: Sequence[tuple[int, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = _choices(assignees, blank=True)


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("How it was put right"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
