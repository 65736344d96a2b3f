"""Page forms: issuing and changing entry passes, a community's gate rules, and the gate page's
plain form (one passage, for a phone with JavaScript off)."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.checkpoints.decisions import DEFAULT_RULES
from shequ.core.access import MAX_ID
from shequ.core.bidi import neutral
from shequ.core.widgets import DateInput
from shequ.residents.models import HealthStatus


class CheckboxList(forms.CheckboxSelectMultiple):
    """Checkboxes as a list, which the site's stylesheet lays out two to a row."""

    template_name = "checkpoints/pass_checkboxes.html"


def _default_until() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=90)


class ValidityForm(forms.Form):
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_until = forms.DateField(
        label=_("Valid until"), widget=DateInput, help_text=_("A pass is valid for a year at most.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("valid_from", timezone.localdate())
            self.initial.setdefault("valid_until", _default_until())


class BuildingIssueForm(ValidityForm):
    """Passes for every household of a building that has none yet."""

    building = forms.ChoiceField(label=_("Building"))
    field_order = ["building", "valid_from", "valid_until"]

    def __init__(self, *args: Any, buildings: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building"].choices = [("", "—")] + [
            (b.pk, f"{b.parent.name} {b.name}" if b.parent else b.name) for b in buildings
        ]


class BuildingChosenForm(forms.Form):
    """The building the issue page is about: the posted form's, or the link's (?building=).
    Which buildings the user may issue for is `selectors.get_issued_place_for`'s to say."""

    building = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)


PASS_ACTIONS = [("revoke", "revoke"), ("lost", "lost"), ("reissue", "reissue")]


class PassActionForm(forms.Form):
    """What a POST to a pass's page does (the buttons' values, never shown)."""

    action = forms.ChoiceField(choices=PASS_ACTIONS)


class HouseholdIssueForm(ValidityForm):
    """One household's pass, with the residents who hold it."""

    holders = forms.MultipleChoiceField(
        label=_("Holders"),
        widget=CheckboxList,
        error_messages={"required": _("Choose at least one person living here.")},
    )
    field_order = ["holders", "valid_from", "valid_until"]

    def __init__(self, *args: Any, residents: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holders"].choices = [(r.pk, neutral(r.name)) for r in residents]
        if not self.is_bound:
            self.initial.setdefault("holders", [r.pk for r in residents])


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,  # the service says why it is needed, in the same words as the API
        help_text=_("Every printed copy is refused at the gates from now on."),
    )


class LostForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ReissueForm(forms.Form):
    valid_until = forms.DateField(
        label=_("New last day"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty to keep the current last day."),
    )


# Statuses that may be treated as "in isolation" at the gate (every status but normal).
ISOLATION_CHOICES = [(v, label) for v, label in HealthStatus.choices if v != HealthStatus.NORMAL]


class GateRulesForm(forms.Form):
    fever_at = forms.FloatField(
        label=_("Fever from (°C)"),
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
        help_text=_("Between 36.0 and 40.0 °C."),
    )
    require_temperature = forms.BooleanField(label=_("Temperature must be taken"), required=False)
    require_health_code = forms.BooleanField(label=_("Health code must be shown"), required=False)
    star_extra_check = forms.BooleanField(
        label=_("Travel code with a star: check where they have been"), required=False
    )
    require_pass = forms.BooleanField(label=_("Residents must show their pass"), required=False)
    visitors = forms.BooleanField(label=_("Visitors may come in"), required=False)
    quota_people = forms.IntegerField(
        label=_("Exit quota: people per household"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("1–20. Leave both quota fields empty for no quota."),
    )
    quota_days = forms.IntegerField(
        label=_("Exit quota: in how many days"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("1–14."),
    )
    isolation_statuses = forms.MultipleChoiceField(
        label=_("Treated as in isolation"),
        choices=ISOLATION_CHOICES,
        required=False,
        widget=CheckboxList,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        people, days = data.get("quota_people"), data.get("quota_days")
        missing = _("Give both people and days, or leave both empty for no quota.")
        if people is not None and days is None and "quota_days" not in self.errors:
            self.add_error("quota_days", missing)
        if days is not None and people is None and "quota_people" not in self.errors:
            self.add_error("quota_people", missing)
        return data

    @staticmethod
    def initial_from(rules: dict[str, Any]) -> dict[str, Any]:
        """Form values from a full rule set."""
        quota = rules.get("exit_quota") or {}
        return {
            **{k: rules[k] for k in DEFAULT_RULES if k != "exit_quota"},
            "quota_people": quota.get("people"),
            "quota_days": quota.get("days"),
        }

    def full_rules(self) -> dict[str, Any]:
        """The full rule set the valid form describes."""
        data = self.cleaned_data
        people, days = data.get("quota_people"), data.get("quota_days")
        return {
            "fever_at": data["fever_at"],
            "require_temperature": data["require_temperature"],
            "require_health_code": data["require_health_code"],
            "star_extra_check": data["star_extra_check"],
            "require_pass": data["require_pass"],
            "exit_quota": {"people": people, "days": days} if people is not None else None,
            "visitors": data["visitors"],
            "isolation_statuses": list(data["isolation_statuses"]),
        }


class PlainPassageForm(forms.Form):
    """One resident's passage from the gate page with JavaScript off. It only carries the
    fields: the passage is checked and decided like any device's item (`ingest`), which
    answers a fault with the field and the fix."""

    client_uuid = forms.CharField(required=False)
    direction = forms.CharField(required=False, strip=False)
    pass_code = forms.CharField(required=False, strip=False)
    temperature = forms.CharField(required=False, strip=False)
    health_code = forms.CharField(required=False, strip=False)
    travel_star = forms.CharField(required=False)

    def batch_item(self, gate_id: int) -> dict[str, Any]:
        """The form as an item of the passage batch, at the gate now (a field that is no text,
        e.g. with a NUL character, is sent empty: the batch says what is missing)."""
        data = self.cleaned_data
        temperature: Any = data.get("temperature", "").strip().replace(",", ".")
        # Text that is no number stays text: the batch answers "send the temperature as a
        # number".
        with contextlib.suppress(ValueError):
            temperature = float(temperature) if temperature else None
        return {
            "client_uuid": data.get("client_uuid", "") or str(uuid.uuid4()),
            "gate_id": gate_id,
            "direction": data.get("direction", ""),
            "device_time": timezone.now().isoformat(),
            "subject": "resident",
            "pass_code": data.get("pass_code", ""),
            "temperature": temperature,
            "health_code": data.get("health_code", ""),
            "travel_star": data.get("travel_star", "") == "1",
        }
