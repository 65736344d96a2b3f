"""Page forms for residents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.widgets import DateInput, DateTimeInput
from shequ.places.models import Place
from shequ.residents.models import (
    DocumentType,
    Gender,
    HealthStatus,
    Occupancy,
    Relation,
    Tag,
)
from shequ.residents.picker import LEVELS, AddressChoices


class ResidentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False
    )
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput)
    document_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    document_number = forms.CharField(label=_("Document number"), max_length=40)
    phone = forms.CharField(label=_("Mobile phone"), max_length=30, required=False)
    # Where the resident lives, picked step by step (residents/picker.py): the flat is what is
    # saved; compound, building and unit narrow its choices.
    compound = forms.ChoiceField(label=_("Compound"), required=False)
    building = forms.ChoiceField(label=_("Building"), required=False)
    unit = forms.ChoiceField(
        label=_("Unit (单元)"),
        required=False,
        help_text=_("Only narrows the flats of a building with units."),
    )
    household = forms.ChoiceField(
        label=_("Flat"),
        error_messages={
            "required": _("Choose the flat: compound, building, then flat."),
            "invalid_choice": _(
                "This flat is not among the places where you may register residents, or not "
                "in the chosen building: choose it from the list."
            ),
        },
    )
    relation = forms.ChoiceField(label=_("Relation to head"), choices=Relation.choices)
    occupancy = forms.ChoiceField(label=_("Occupancy"), choices=Occupancy.choices)
    tags = forms.MultipleChoiceField(
        label=_("Special populations"),
        choices=Tag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False)

    def __init__(self, *args: Any, address: AddressChoices | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        address = address or AddressChoices()
        for level in LEVELS:
            field = self.fields[level]
            field.choices = [("", "—"), *getattr(address, level)]
            # shequ.js refills the later lists when one changes (without JS: the "show" button).
            field.widget.attrs["data-cascade"] = level


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Health status"), choices=HealthStatus.choices)
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=DateTimeInput,
    )
    planned_end = forms.DateField(label=_("Planned end"), required=False, widget=DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(
                "starts_at", timezone.localtime().replace(second=0, microsecond=0)
            )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    community = forms.ChoiceField(label=_("Community"), required=False)
    skip_invalid = forms.BooleanField(
        label=_("Skip invalid rows (import the good rows, list the rest)"), required=False
    )
    dry_run = forms.BooleanField(label=_("Check only (dry run)"), required=False)

    def __init__(self, *args: Any, communities: Sequence[Place] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [("", _("All places I cover"))] + [
            (c.code, f"{c.name} ({c.code})") for c in communities
        ]
