"""Forms of the inspection pages (dates as a browser sends them: ISO yyyy-mm-dd)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.widgets import DateInput


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
