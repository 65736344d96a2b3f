"""Forms of the donation pages: a donor, a donation in kind (up to LINES items), one in cash,
a purchase paid from it (up to LINES items with unit prices). Every form builds without
arguments (tests/web/test_date_inputs.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.widgets import DateInput
from shequ.supplies.donations import yuan_to_fen
from shequ.supplies.models import DonorKind, PayChannel
from shequ.supplies.services import MAX_QUANTITY

LINES = 4
NOTE = {"max_length": 200, "required": False, "label": _("Note")}


class DonorForm(forms.Form):
    place = forms.ModelChoiceField(label=_("Registered with"), queryset=None)
    kind = forms.ChoiceField(label=_("Donor is a"), choices=DonorKind.choices)
    name = forms.CharField(
        label=_("Donor's name"), max_length=100,
        help_text=_("The organisation's name, or the person's (as on the receipt)."),
    )  # fmt: skip
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Contact phone"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )  # fmt: skip
    document_number = forms.CharField(
        label=_("Contact's ID number"), max_length=30, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip

    def __init__(self, *args: Any, places: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places


class _Lines(forms.Form):
    """Item rows item_1, quantity_1, (unit_price_1), expires_on_1 … up to LINES."""

    priced = False

    def __init__(self, *args: Any, items: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, LINES + 1):
            self.fields[f"item_{n}"] = forms.ModelChoiceField(
                label=_("Item %d") % n, queryset=items, required=n == 1
            )
            self.fields[f"quantity_{n}"] = forms.IntegerField(
                label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )  # fmt: skip
            if self.priced:
                self.fields[f"unit_price_{n}"] = forms.DecimalField(
                    label=_("Unit price (yuan)"), min_value=0, max_digits=12, decimal_places=2,
                    required=False, widget=forms.NumberInput(attrs={"inputmode": "decimal"}),
                )  # fmt: skip
            self.fields[f"expires_on_{n}"] = forms.DateField(
                label=_("Expires on"), required=False, widget=DateInput
            )

    def lines(self) -> list[dict[str, Any]]:
        """The rows with an item, as dicts (item, quantity, unit_price_fen, expires_on)."""
        data = self.cleaned_data
        out = []
        for n in range(1, LINES + 1):
            if data.get(f"item_{n}") is None:
                continue
            row = {
                "item": data[f"item_{n}"],
                "quantity": data.get(f"quantity_{n}") or 0,
                "expires_on": data.get(f"expires_on_{n}"),
            }
            if self.priced:
                price = data.get(f"unit_price_{n}")
                row["unit_price_fen"] = yuan_to_fen(price) if price is not None else 0
            out.append(row)
        return out


class GoodsDonationForm(_Lines):
    donor = forms.ModelChoiceField(label=_("Donor"), queryset=None)
    warehouse = forms.ModelChoiceField(label=_("Received into"), queryset=None)
    received_on = forms.DateField(label=_("Received on"), widget=DateInput)
    note = forms.CharField(**NOTE)

    def __init__(
        self, *args: Any, donors: Any = None, warehouses: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["donor"].queryset = donors
        self.fields["warehouse"].queryset = warehouses
        self.order_fields(["donor", "warehouse", "received_on"])


class CashDonationForm(forms.Form):
    donor = forms.ModelChoiceField(label=_("Donor"), queryset=None)
    place = forms.ModelChoiceField(label=_("Received by"), queryset=None)
    received_on = forms.DateField(label=_("Received on"), widget=DateInput)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=0, max_digits=14, decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal"}),
    )  # fmt: skip
    channel = forms.ChoiceField(label=_("Paid by"), choices=PayChannel.choices)
    receipt_no = forms.CharField(label=_("Receipt no."), max_length=40)
    note = forms.CharField(**NOTE)

    def __init__(self, *args: Any, donors: Any = None, places: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["donor"].queryset = donors
        self.fields["place"].queryset = places


class DonationPurchaseForm(_Lines):
    priced = True
    warehouse = forms.ModelChoiceField(label=_("Received into"), queryset=None)
    supplier = forms.CharField(label=_("Supplier"), max_length=100)
    bought_on = forms.DateField(label=_("Bought on"), widget=DateInput)
    invoice_no = forms.CharField(label=_("Invoice no."), max_length=40, required=False)

    def __init__(self, *args: Any, warehouses: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = warehouses
        self.order_fields(["warehouse", "supplier", "bought_on", "invoice_no"])
