"""Page forms for mobilization."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.widgets import DateInput, DateTimeInput
from shequ.mobilization.models import Skill


class OrderForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    scope = forms.ChoiceField(label=_("Who is called"))
    deadline = forms.DateTimeField(
        label=_("Report by"),
        widget=DateTimeInput,
    )
    message = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, places=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [
            (p.pk, f"{p.name} ({p.get_kind_display()})") for p in places
        ]


class NeedForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"))
    people_per_day = forms.IntegerField(label=_("People per day"), min_value=1, max_value=10000)
    starts_on = forms.DateField(label=_("From"), widget=DateInput)
    ends_on = forms.DateField(label=_("To"), widget=DateInput)
    skills = forms.MultipleChoiceField(
        label=_("Skills"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, communities=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    skip_invalid = forms.BooleanField(
        label=_("Skip invalid rows (import the good rows, list the rest)"), required=False
    )
    dry_run = forms.BooleanField(label=_("Check only (dry run)"), required=False)
