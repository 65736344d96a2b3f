"""Forms of the testing pages: a round, a site, a transfer count at the lab, a tube result,
a results file, a swab at a home visit or at a station without JavaScript, a door-to-door
outcome, a route given to a team, and tubes sent to the lab. The services do the real
checks; these forms turn text into typed values and keep what the user typed."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.access import MAX_ID
from shequ.core.widgets import DateInput, TimeInput
from shequ.places.models import Place
from shequ.testing.models import PoolSize, Round, TubeResult


class RoundForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("of a thing", "Name"), max_length=60)
    places = forms.TypedMultipleChoiceField(
        label=_("Places the round covers"),
        coerce=int,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    starts_on = forms.DateField(label=_("First day"), widget=DateInput)
    ends_on = forms.DateField(label=_("Last day"), widget=DateInput)
    pool_size = forms.TypedChoiceField(
        label=_("Swabs to a tube"), coerce=int, choices=PoolSize.choices, initial=PoolSize.TEN
    )

    def __init__(self, *args: Any, places: Sequence[Place] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["places"].choices = [
            (p.pk, f"{'　' * max(p.depth - 1, 0)}{p.name} · {p.level_label()}") for p in places
        ]
        today = timezone.localdate()
        self.fields["starts_on"].initial = today
        self.fields["ends_on"].initial = today


class SiteForm(forms.Form):
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    name = forms.CharField(label=pgettext_lazy("of a thing", "Name"), max_length=60)
    opens = forms.TimeField(label=_("Opens"), initial=dt.time(7), widget=TimeInput)
    closes = forms.TimeField(label=_("Closes"), initial=dt.time(19), widget=TimeInput)
    stations = forms.IntegerField(
        label=_("Stations (tables)"), min_value=1, max_value=30, initial=2
    )

    def __init__(self, *args: Any, communities: Sequence[Place] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        if len(communities) == 1:
            self.fields["community"].initial = communities[0].pk


LAB_ACTIONS = [("result", "result"), ("receive", "receive")]  # the buttons' values, never shown


class LabActionForm(forms.Form):
    """What a POST to the lab page does: record a result, or receive the transfer `transfer`
    (whose id `selectors.get_transfer_for` looks up: 404 for anything out of sight)."""

    action = forms.ChoiceField(choices=LAB_ACTIONS)
    transfer = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class ReceiveForm(forms.Form):
    received_count = forms.IntegerField(label=_("Tubes received"), min_value=0, max_value=100_000)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


RESULT_CHOICES = [
    (TubeResult.NEGATIVE, TubeResult.NEGATIVE.label),
    (TubeResult.POSITIVE, TubeResult.POSITIVE.label),
    (TubeResult.INVALID, TubeResult.INVALID.label),
]


def _round_choices(rounds: Sequence[Round]) -> list[tuple[int, str]]:
    return [(r.pk, f"{r.name} · {r.starts_on:%m-%d}") for r in rounds]


class ResultForm(forms.Form):
    round = forms.TypedChoiceField(label=_("Round"), coerce=int)
    barcode = forms.CharField(label=_("Tube barcode"), max_length=40)
    result = forms.ChoiceField(label=_("Result"), choices=RESULT_CHOICES, widget=forms.RadioSelect)

    def __init__(self, *args: Any, rounds: Sequence[Round] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = _round_choices(rounds)
        self.fields["barcode"].widget.attrs.update(autocomplete="off", autocapitalize="off")


class ResultsImportForm(forms.Form):
    round = forms.TypedChoiceField(label=_("Round"), coerce=int)
    file = forms.FileField(
        label=_("Results (.xlsx or .csv)"),
        help_text=_("Columns 试管条码 (barcode) and 结果 (result: 阴性, 阳性, 无效)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    skip_invalid = forms.BooleanField(
        label=_("Skip invalid rows (record the good rows, list the rest)"), required=False
    )

    def __init__(self, *args: Any, rounds: Sequence[Round] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = _round_choices(rounds)


class HomeSwabForm(forms.Form):
    tube = forms.CharField(label=_("Tube barcode"), max_length=40)
    close = forms.BooleanField(label=_("Close the tube after this swab"), required=False)
    # The page's key for this swab, so a double submit records it once; a new one when absent.
    client_uuid = forms.UUIDField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("This form is out of date: open the page again.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tube"].widget.attrs.update(autocomplete="off", autofocus=True)


class StationSwabForm(forms.Form):
    """The station page's plain form (JavaScript off): one swab, or closing the tube. The
    swab batch (`ingest`) checks the tube and the person; this form only reads the fields.
    Without a valid round the form is invalid on `round`."""

    client_uuid = forms.CharField(required=False)  # the batch answers a malformed one
    round = forms.TypedChoiceField(coerce=int)
    tube = forms.CharField(required=False, strip=False)
    person = forms.CharField(required=False)
    close = forms.BooleanField(required=False)

    def __init__(self, *args: Any, rounds: Sequence[Round] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = [(r.pk, r.name) for r in rounds]

    def item(self, station_id: int, sampled_at: str) -> dict[str, Any]:
        """The swab batch item of a valid form (the person as a resident number, or an ID
        number when it is longer or not all digits)."""
        data = self.cleaned_data
        item: dict[str, Any] = {
            "client_uuid": data["client_uuid"] or str(uuid.uuid4()),
            "kind": "close" if data["close"] else "swab",
            "round_id": data["round"],
            "station_id": station_id,
            "tube": data["tube"],
            "sampled_at": sampled_at,
        }
        person = data["person"]
        if person.isdigit() and len(person) < 15:
            item["resident_id"] = int(person)
        elif person:
            item["id_number"] = person
        return item


class DoorOutcomeForm(forms.Form):
    """One tap at a missed resident's door; `services.door_outcome_record` checks the
    outcome (the buttons send one of `Outcome`)."""

    outcome = forms.CharField(required=False)
    note = forms.CharField(required=False)

    def clean_note(self) -> str:
        return self.cleaned_data["note"][:200]


class RouteAssignForm(forms.Form):
    """Give one building's open home visits to a team (the route's own form)."""

    building = forms.CharField()
    team = forms.CharField(required=False)


class _Texts(forms.Field):
    """Every value of a repeated field (`?tube=…&tube=…`), as text; the service checks them."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        return [str(v) for v in value or []]


CHOOSE_COMMUNITY = _("Choose a community.")


class TransferSendForm(forms.Form):
    """The transfer page's send form: the transfer number, the ticked tubes (`labwork.
    transfer_create` checks them) and how many tubes the sender was shown they send (the
    button's "Send 2 tubes", kept equal to the ticks by the page's script; blank without it,
    when the page asks to confirm the count first)."""

    # Absent: the sender's first community (as the page shows it); one not theirs: refused.
    community = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": CHOOSE_COMMUNITY},
    )
    code = forms.CharField(required=False)
    tube = _Texts(required=False)
    count = forms.CharField(required=False)

    def __init__(self, *args: Any, communities: Sequence[Place] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]

    def confirmed(self) -> int | None:
        """The count the sender confirmed, or None when they have not (yet)."""
        count = self.cleaned_data["count"]
        return int(count) if count.isdigit() else None
