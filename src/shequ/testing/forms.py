"""Forms of the testing pages: a round, a site, a transfer count at the lab, a tube result,
a results file, and a swab at a home visit. The services do the real checks; these forms
turn text into typed values and keep what the user typed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.widgets import DateInput, TimeInput
from shequ.places.models import Place
from shequ.testing.models import PoolSize, Round, TubeResult


class RoundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
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

    def __init__(self, *args, places: Sequence[Place] = (), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["places"].choices = [
            (p.pk, f"{'　' * max(p.depth - 1, 0)}{p.name} · {p.get_kind_display()}") for p in places
        ]
        today = timezone.localdate()
        self.fields["starts_on"].initial = today
        self.fields["ends_on"].initial = today


class SiteForm(forms.Form):
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=60)
    opens = forms.TimeField(label=_("Opens"), initial=dt.time(7), widget=TimeInput)
    closes = forms.TimeField(label=_("Closes"), initial=dt.time(19), widget=TimeInput)
    stations = forms.IntegerField(
        label=_("Stations (tables)"), min_value=1, max_value=30, initial=2
    )

    def __init__(self, *args, communities: Sequence[Place] = (), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        if len(communities) == 1:
            self.fields["community"].initial = communities[0].pk


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

    def __init__(self, *args, rounds: Sequence[Round] = (), **kwargs):  # type: ignore[no-untyped-def]
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

    def __init__(self, *args, rounds: Sequence[Round] = (), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = _round_choices(rounds)


class HomeSwabForm(forms.Form):
    tube = forms.CharField(label=_("Tube barcode"), max_length=40)
    close = forms.BooleanField(label=_("Close the tube after this swab"), required=False)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["tube"].widget.attrs.update(autocomplete="off", autofocus=True)
