"""Forms of requisitions (new, decide, ship, receive, cancel) and of the one-tap issue to a help
request. Each is constructible without arguments (empty choices)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.places.models import Place
from shequ.supplies.forms import NOTE, StockChoice, _quantity
from shequ.supplies.models import Item, Warehouse

LINES = 8


class RequisitionForm(forms.Form):
    """A place, a reason and up to eight lines (item, quantity); empty lines are skipped."""

    place = forms.ModelChoiceField(label=_("Asking place"), queryset=Place.objects.none())
    reason = forms.CharField(
        label=_("Why (what for, how many households)"), max_length=200, required=False
    )

    def __init__(self, *args: Any, places: Any = None, items: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if places is not None:
            self.fields["place"].queryset = places
        for n in range(1, LINES + 1):
            self.fields[f"item_{n}"] = forms.ModelChoiceField(
                label=_("Item %d") % n,
                queryset=items if items is not None else Item.objects.none(),
                required=False,
            )
            self.fields[f"quantity_{n}"] = forms.IntegerField(
                label=_("Quantity %d") % n, min_value=1, max_value=1_000_000, required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )  # fmt: skip

    def lines(self) -> list[tuple[Any, int]]:
        """The filled lines; a line with only one half is an error on that half."""
        found = []
        for n in range(1, LINES + 1):
            item, quantity = (
                self.cleaned_data.get(f"item_{n}"),
                self.cleaned_data.get(f"quantity_{n}"),
            )
            if item and quantity:
                found.append((item, quantity))
            elif item:
                self.add_error(f"quantity_{n}", _("Give the quantity."))
            elif quantity:
                self.add_error(f"item_{n}", _("Choose the item."))
        return found


class DecideForm(forms.Form):
    """Per line: the approved quantity (the asked one by default) and why less."""

    note = forms.CharField(
        label=_("Note (the reason, when rejecting)"), max_length=200, required=False
    )

    def __init__(self, *args: Any, lines: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line_fields = []
        for line in lines:
            self.fields[f"approved_{line.pk}"] = forms.IntegerField(
                label=f"{line.item.name} ({line.quantity_asked}{line.item.unit})",
                min_value=0, max_value=line.quantity_asked, initial=line.quantity_asked,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )  # fmt: skip
            self.fields[f"why_{line.pk}"] = forms.CharField(
                label=_("Why less"), max_length=200, required=False
            )
            self.line_fields.append((self[f"approved_{line.pk}"], self[f"why_{line.pk}"]))

    def decisions(self) -> tuple[dict[int, int], dict[int, str]]:
        approved, notes = {}, {}
        for name, value in self.cleaned_data.items():
            if name.startswith("approved_"):
                approved[int(name.removeprefix("approved_"))] = value
            elif name.startswith("why_"):
                notes[int(name.removeprefix("why_"))] = value
        return approved, notes


class ShipForm(forms.Form):
    source = forms.ModelChoiceField(label=_("From warehouse"), queryset=Warehouse.objects.none())

    def __init__(self, *args: Any, sources: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if sources is not None:
            self.fields["source"].queryset = sources


class CountForm(forms.Form):
    """Per transfer in transit: the count received (the number sent by default)."""

    note = forms.CharField(**NOTE)

    def __init__(self, *args: Any, transfers: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count_fields = []
        for t in transfers:
            self.fields[f"count_{t.pk}"] = forms.IntegerField(
                label=f"{t.item.name} {t.batch.code} ({t.quantity_sent}{t.item.unit})".strip(),
                min_value=0, max_value=1_000_000, initial=t.quantity_sent,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )  # fmt: skip
            self.count_fields.append(self[f"count_{t.pk}"])

    def counts(self) -> dict[int, int]:
        return {
            int(name.removeprefix("count_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("count_")
        }


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=200, required=False)


class HelpIssueForm(forms.Form):
    """Issue from stock to a help request, in one tap."""

    stock = StockChoice(
        label=_("Item and batch"), queryset=Item.objects.none(),
        help_text=_("Medical goods: the batch that expires first is listed first."),
    )  # fmt: skip
    quantity = _quantity(_("Quantity"))
    deliver = forms.BooleanField(label=_("Mark the request delivered"), required=False)
    note = forms.CharField(**NOTE)

    def __init__(self, *args: Any, stock: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if stock is not None:
            self.fields["stock"].queryset = stock
