"""Page forms for places."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.widgets import DateTimeInput
from shequ.places.models import ZoneLevel


class ZoneForm(forms.Form):
    level = forms.ChoiceField(label=_("Zone"), choices=ZoneLevel.choices)
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        required=False,
        widget=DateTimeInput,
        help_text=_("Leave empty to start the moment you confirm."),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        required=False,
        widget=DateTimeInput,
        help_text=_("Leave empty until it is lifted."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class PlaceImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(label=_("Check only (dry run)"), required=False)
