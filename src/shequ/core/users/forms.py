"""Page forms for user administration."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class GrantForm(forms.Form):
    """A role to give: the roles the manager may grant; a place code (or an agency)."""

    role = forms.ChoiceField(label=_("Role"))
    place = forms.CharField(
        label=_("Place code"),
        max_length=40,
        required=False,
        help_text=_("The street, community or other place the role covers (its code)."),
        widget=forms.TextInput(attrs={"list": "grant-places", "autocomplete": "off"}),
    )
    agency = forms.ChoiceField(label=_("Agency (agency roles only)"), required=False)

    def __init__(
        self,
        *args: Any,
        roles: Sequence[tuple[str, str]] = (),
        agencies: Sequence[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "—"), *roles]
        self.agencies = {str(a.pk): a for a in agencies}
        if agencies:
            self.fields["agency"].choices = [("", "—")] + [
                (a.pk, f"{a.name} ({a.code})") for a in agencies
            ]
        else:
            del self.fields["agency"]

    def clean_agency(self) -> Any:
        """The chosen agency itself, or None."""
        return self.agencies.get(self.cleaned_data.get("agency") or "")
