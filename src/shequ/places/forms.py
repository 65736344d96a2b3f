"""Page forms for places."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.places.models import ZoneLevel

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class ZoneForm(forms.Form):
    level = forms.ChoiceField(label=_("Zone"), choices=ZoneLevel.choices)
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=_("Leave as is to start now."),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        required=False,
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=_("Leave empty until it is lifted."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(
                "starts_at", timezone.localtime().replace(second=0, microsecond=0)
            )
