"""Forms of the report pages: a correction, the free text, an agency's own report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.reports.figures import all_figures
from shequ.reports.models import FileFormat
from shequ.reports.services import MAX_FIGURE, TEXT_MAX


class CorrectionForm(forms.Form):
    key = forms.ChoiceField(label=_("Figure"))
    value = forms.IntegerField(label=_("Correct value"), min_value=0, max_value=MAX_FIGURE)
    reason = forms.CharField(label=_("Reason for the correction"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(f.key, f.label) for f in all_figures()]


class TextForm(forms.Form):
    difficulties = forms.CharField(
        label=_("Difficulties"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    needs = forms.CharField(
        label=_("Needs"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    good_practice = forms.CharField(
        label=_("Good practice"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AgencyReportForm(forms.Form):
    agency = forms.ChoiceField(label=_("Agency"))
    deployed = forms.IntegerField(label=_("Staff deployed"), min_value=0, max_value=MAX_FIGURE)
    hours = forms.IntegerField(label=_("Hours worked"), min_value=0, max_value=MAX_FIGURE)
    unwell = forms.IntegerField(label=_("Staff unwell"), min_value=0, max_value=MAX_FIGURE)
    where = forms.CharField(
        label=_("Where they are deployed"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        label=_("Difficulties and needs"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, agencies: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = agencies


class SubscribeForm(forms.Form):
    """Have a place's report or roll-up in one's inbox each day."""

    place = forms.IntegerField(widget=forms.HiddenInput)
    format = forms.ChoiceField(label=_("Format"), choices=FileFormat.choices)
