"""Forms of the inspection pages (dates as a browser sends them: ISO yyyy-mm-dd)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.widgets import DateInput
from shequ.inspections.models import Section


class RectificationForm(forms.Form):
    what = forms.CharField(label=_("What to put right"), max_length=500)
    owner = forms.ChoiceField(label=_("Owner"))
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput)
    finding = forms.TypedChoiceField(
        label=_("Problem found"), coerce=int, required=False, empty_value=None
    )

    def __init__(
        self,
        *args: Any,
        owners: Sequence[tuple[str, str]] = (),
        problems: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = list(owners)
        self.fields["finding"].choices = [("", "—"), *problems]


class FollowUpForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ChecklistForm(forms.Form):
    """A checklist: its items one a line under 问 ask, 查 check records, 看 look on site."""

    name = forms.CharField(label=_("Checklist name"), max_length=100)
    ask = forms.CharField(
        label=_("Ask (问), one item a line"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    check = forms.CharField(
        label=_("Check records (查), one item a line"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    look = forms.CharField(
        label=_("Look on site (看), one item a line"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def items(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [
            (section, line)
            for section in (Section.ASK, Section.CHECK, Section.LOOK)
            for line in _lines(data.get(section.value, ""))
        ]


class PlanForm(forms.Form):
    name = forms.CharField(label=_("Plan name"), max_length=100)
    checklist = forms.TypedChoiceField(label=_("Checklist"), coerce=int)
    place = forms.TypedChoiceField(label=_("Area"), coerce=int)
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput, required=False)

    def __init__(
        self,
        *args: Any,
        checklists: Sequence[tuple[int, str]] = (),
        areas: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checklist"].choices = list(checklists)
        self.fields["place"].choices = list(areas)


class PremisesForm(forms.Form):
    name = forms.CharField(label=_("Premises name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    place = forms.TypedChoiceField(label=_("Community or compound"), coerce=int)

    def __init__(self, *args: Any, places: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = list(places)


class PhotoForm(forms.Form):
    finding = forms.IntegerField(widget=forms.HiddenInput)
    photo = forms.FileField(
        label=_("Photo"),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
