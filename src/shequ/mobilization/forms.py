"""Page forms for mobilization."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.access import MAX_ID
from shequ.core.widgets import DateInput, DateTimeInput
from shequ.mobilization.models import Rank, Skill
from shequ.places.models import PlaceKind

if TYPE_CHECKING:
    from shequ.mobilization.models import Batch
    from shequ.places.models import Place

DATES_AS_SHOWN = _("Give the dates as shown, e.g. 2026-12-01 08:00.")


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

    def __init__(self, *args: Any, places: Sequence[Place] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.places = {str(p.pk): p for p in places}
        self.fields["scope"].choices = [(p.pk, f"{p.name} ({p.level_label()})") for p in places]

    def clean_scope(self) -> Place:
        """The chosen place itself (one of the choices, so it is there)."""
        return self.places[self.cleaned_data["scope"]]


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

    def __init__(self, *args: Any, communities: Sequence[Place] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.communities = {str(c.pk): c for c in communities}
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]

    def clean_community(self) -> Place:
        """The chosen community itself (one of the choices, so it is there)."""
        return self.communities[self.cleaned_data["community"]]


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    skip_invalid = forms.BooleanField(
        label=_("Skip invalid rows (import the good rows, list the rest)"), required=False
    )
    dry_run = forms.BooleanField(label=_("Check only (dry run)"), required=False)


class TeamRulesForm(forms.Form):
    """How to form teams. Only the types are checked here: the limits are the service's
    (formation.rules_from), so the page and the API refuse in the same words."""

    size = forms.IntegerField(
        label=_("People per team"),
        initial=3,
        required=False,
        widget=forms.NumberInput(attrs={"min": 2, "max": 10}),
    )
    team_count = forms.IntegerField(
        label=_("Number of teams (empty: as many as possible)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1}),
    )
    leader_rank = forms.ChoiceField(
        label=_("Leader's rank at least"), choices=Rank.choices, initial=Rank.CHU, required=False
    )
    agency_mode = forms.ChoiceField(
        label=_("Agencies"),
        choices=[
            ("any", _("Any mix")),
            ("same", _("Same agency together")),
            ("mix", _("Mix agencies (no two from one agency)")),
        ],
        initial="any",
        required=False,
    )

    def rules(self) -> dict[str, Any]:
        """The cleaned choices as formation.rules_from takes them (defaults for blanks)."""
        data = self.cleaned_data
        return {
            "size": data["size"] if data["size"] is not None else 3,
            "leader_rank": data["leader_rank"] or Rank.CHU,
            "agency_mode": data["agency_mode"] or "any",
            "team_count": data["team_count"],
        }


class MoveForm(forms.Form):
    """Where the ticked people go (the ticks themselves are read as ids by the view: who is on
    duty changes while the page is open, and the service answers for them)."""

    to = forms.ChoiceField(
        label=_("To community"),
        error_messages={
            "required": _("Choose the community that needs them."),
            "invalid_choice": _("Choose the community that needs them."),
        },
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(
        self, *args: Any, communities: Sequence[tuple[Place, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.communities = {str(c.pk): c for c, _label in communities}
        self.fields["to"].choices = [(c.pk, label) for c, label in communities]

    def clean_to(self) -> Place:
        return self.communities[self.cleaned_data["to"]]


class BatchForm(forms.Form):
    """Send a batch to a place, or relieve one (`current`). Who goes is ticked in the page and
    read as ids by the view; the rules (a name, dates in order, people on duty) are the
    service's, so the page and the API refuse alike."""

    name = forms.CharField(label=_("Batch name"), initial="第一批", required=False)
    current = forms.CharField(label=_("Relieves"), required=False, widget=forms.Select)
    place = forms.CharField(
        label=_("Sent to (community or compound)"), required=False, widget=forms.Select
    )
    starts_at = forms.DateTimeField(
        label=_("From"),
        widget=DateTimeInput,
        required=False,
        error_messages={"invalid": DATES_AS_SHOWN},
    )
    ends_at = forms.DateTimeField(
        label=_("Until"),
        widget=DateTimeInput,
        error_messages={"required": DATES_AS_SHOWN, "invalid": DATES_AS_SHOWN},
    )
    handover_note = forms.CharField(
        label=_("Handover note (when relieving)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        batches: Sequence[Batch] = (),
        places: Sequence[Place] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["current"].widget.choices = [("", _("— a new place —"))] + [
            (b.pk, f"{b.name} → {b.place.name}") for b in batches
        ]
        # Picked, not typed: a community, then its compounds indented under it (tree order).
        self.fields["place"].widget.choices = [("", "—")] + [
            (p.pk, p.name if p.kind == PlaceKind.COMMUNITY else f"\u3000└ {p.name}") for p in places
        ]


CHOOSE_TWO = _("Choose two people to swap.")


class SwapForm(forms.Form):
    """Two people of a draft to swap (whether they are in it is the service's to say)."""

    first = forms.IntegerField(
        label=_("Person"), error_messages={"required": CHOOSE_TWO, "invalid": CHOOSE_TWO}
    )
    second = forms.IntegerField(
        label=_("Swap with"), error_messages={"required": CHOOSE_TWO, "invalid": CHOOSE_TWO}
    )


class _Ids(forms.Field):
    """Every value of a repeated field (the ticked boxes) as whole numbers. Anything that is
    no id is refused here; whether an id is known is the service's to say, in the API's
    words."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Not an id: “%(value)s”.")}

    def to_python(self, value: Any) -> list[int]:
        ids = []
        for v in value or []:
            text = str(v).strip()
            if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": text[:20]}
                )
            ids.append(int(text))
        return ids


class StaffChosenForm(forms.Form):
    """The people ticked on the staff or batches page (`staff` ids)."""

    staff = _Ids(required=False)


class EnlistmentsChosenForm(forms.Form):
    """The enlistments ticked on the moves page."""

    enlistment = _Ids(required=False)


class EnlistmentForm(forms.Form):
    """The enlistment a cadre answers on their own page."""

    enlistment = forms.IntegerField(min_value=1, max_value=MAX_ID)


class DraftActionForm(forms.Form):
    """What a POST to a team draft does: confirm it, or swap two people (the default)."""

    action = forms.ChoiceField(
        choices=[("", ""), ("swap", "swap"), ("confirm", "confirm")], required=False
    )


class PairingForm(forms.Form):
    """Pair an agency with a compound (对点支援) from a day, until a day or for now."""

    agency = forms.ChoiceField(label=_("Agency"))
    place = forms.CharField(label=_("Compound code"), max_length=40)
    starts_on = forms.DateField(label=_("From"), widget=DateInput)
    ends_on = forms.DateField(
        label=_("Until (blank: until ended)"), widget=DateInput, required=False
    )

    def __init__(self, *args: Any, agencies: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agencies = {str(a.pk): a for a in agencies}
        self.fields["agency"].choices = [("", "—")] + [
            (a.pk, f"{a.name} ({a.code})") for a in agencies
        ]

    def clean_agency(self) -> Any:
        """The chosen agency itself (one of the choices, so it is there)."""
        return self.agencies[self.cleaned_data["agency"]]


class VolunteerSignupForm(forms.Form):
    """A resident volunteering on their community's public page (checked by the service)."""

    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False)
    skills = forms.MultipleChoiceField(
        label=_("Skills"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    availability = forms.CharField(
        label=_("When you can help"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. evenings and weekends")}),
    )
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=100,
        required=False,
        help_text=_("If you come with one: 社工委, veterans, a civic group…"),
    )


class VetForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    reason = forms.CharField(label=_("Reason (when rejecting)"), max_length=200, required=False)
