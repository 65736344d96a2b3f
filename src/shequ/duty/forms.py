"""Page forms for duty: a post, what a shift needs, the community's rules, a roster to make,
a duty request and an urgent call; the small forms behind the buttons of the duty pages
(check in, swap or sick, decide a change, re-plan, edit a roster cell); and `whole_number` for
ids in a query string."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.widgets import DateInput, TimeInput
from shequ.duty.models import DutyRules, PostKind, RequirementRule
from shequ.mobilization.models import Skill
from shequ.places.models import Place


def whole_number(value: str | None, default: int = 0) -> int:
    """A whole number from a form or query string, or `default` for anything else."""
    try:
        number = int(value or "")
    except ValueError:
        return default
    return number if -(2**62) < number < 2**62 else default


PATTERN_CHOICES = [
    ("3x8", _("3 × 8 h (24 h)")),
    ("2x12", _("2 × 12 h (24 h)")),
    ("day", _("One shift over the opening hours")),
    ("none", _("No shifts yet")),
]


class PostForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("of a thing", "Name"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=PostKind.choices)
    place = forms.ChoiceField(label=_("Location"))
    pattern = forms.ChoiceField(label=_("Shifts"), choices=PATTERN_CHOICES, initial="3x8")
    opens = forms.TimeField(label=_("Opens"), initial=dt.time(0, 0), widget=TimeInput)
    closes = forms.TimeField(
        label=_("Closes"),
        initial=dt.time(0, 0),
        widget=TimeInput,
        help_text=_("Same as 'opens' for a 24-hour post."),
    )
    people = forms.IntegerField(label=_("People per shift"), min_value=1, max_value=50, initial=1)

    def __init__(self, *args: Any, places: Iterable[Place] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(p.pk, p.name) for p in places]


class RequirementForm(forms.Form):
    min_people = forms.IntegerField(label=_("At least"), min_value=0, max_value=50)
    max_people = forms.IntegerField(label=_("At most"), min_value=1, max_value=50)
    party_member = forms.BooleanField(label=_("A party member on the shift"), required=False)
    skills = forms.MultipleChoiceField(
        label=_("Skills needed"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rules = forms.MultipleChoiceField(
        label=_("Rules"),
        choices=RequirementRule.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class RulesForm(forms.ModelForm):
    class Meta:
        model = DutyRules
        fields = [
            "max_hours_per_day",
            "min_rest_hours",
            "max_consecutive_days",
            "max_shifts_per_week",
            "min_days_off_per_week",
            "late_after_minutes",
        ]


class GenerateForm(forms.Form):
    place = forms.ChoiceField(label=_("For"))
    starts_on = forms.DateField(label=_("From"), widget=DateInput)
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=28, initial=7)

    def __init__(self, *args: Any, places: Iterable[Place] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(p.pk, f"{p.name} ({p.level_label()})") for p in places]
        self.fields["starts_on"].initial = timezone.localdate() + dt.timedelta(days=1)


class CallForm(forms.Form):
    community = forms.TypedChoiceField(
        label=_("Community"),
        coerce=int,
        error_messages={
            "required": _("Choose a community you plan duty for."),
            "invalid_choice": _("Choose a community you plan duty for."),
        },
    )
    where = forms.CharField(label=_("Location"), max_length=100)
    needed = forms.IntegerField(label=_("People needed"), min_value=1, max_value=200, initial=4)
    hours = forms.IntegerField(label=_("For (hours)"), min_value=1, max_value=12, initial=2)
    message = forms.CharField(label=_("Message"), max_length=200, required=False)
    waive_rest = forms.BooleanField(label=_("Also call people still resting"), required=False)

    def __init__(self, *args: Any, communities: Iterable[Place] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(p.pk, p.name) for p in communities]


def id_field(**kwargs: Any) -> forms.IntegerField:
    """An object's id sent by a button or a select: a whole number the database can hold."""
    return forms.IntegerField(min_value=1, max_value=2**62, **kwargs)


DECISION_CHOICES = [("approve", _("Approve")), ("refuse", _("Refuse")), ("cancel", _("Cancel"))]


class ChangeDecisionForm(forms.Form):
    """A decision on a swap or sick request: approve, refuse, or cancel one's own."""

    change = id_field()
    decision = forms.ChoiceField(
        choices=DECISION_CHOICES,
        error_messages={
            "required": _("Choose a decision: approve, refuse or cancel."),
            "invalid_choice": _("Choose a decision: approve, refuse or cancel."),
        },
    )


class CheckInForm(forms.Form):
    """The check-in button of my shifts: the post to check in at."""

    check_in = id_field()


class ShiftAskForm(forms.Form):
    """Under a coming shift of mine: ask to swap it (naming who takes it) or report sick. The
    button pressed names the shift: `swap` or `sick`."""

    swap = id_field(required=False)
    sick = id_field(required=False)
    replacement = id_field(
        required=False,
        error_messages={
            "invalid": _("Choose who takes the shift."),
            "min_value": _("Choose who takes the shift."),
            "max_value": _("Choose who takes the shift."),
        },
    )
    reason = forms.CharField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors.get("swap") or self.errors.get("sick"):
            return data
        if (data.get("swap") is None) == (data.get("sick") is None):
            raise forms.ValidationError(_("Ask either to swap the shift or to be taken off it."))
        if data.get("swap") is not None and data.get("replacement") is None:
            self.add_error("replacement", _("Choose who takes the shift."))
        return data

    @property
    def assignment_id(self) -> int | None:
        """The shift asked about, once the form is valid."""
        return self.cleaned_data.get("swap") or self.cleaned_data.get("sick")


class ReplanForm(forms.Form):
    """Re-plan a published roster: why (kept with the new draft)."""

    reason = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": _("Keep the reason under 200 characters.")},
    )


class CellRemoveForm(forms.Form):
    """Take a person off a roster cell: the assignment to remove."""

    remove = id_field()


class CellAddForm(forms.Form):
    """Add a person to a roster cell."""

    staff = id_field(
        error_messages={
            "required": _("Choose a person."),
            "invalid": _("Choose a person."),
            "min_value": _("Choose a person."),
            "max_value": _("Choose a person."),
        }
    )
