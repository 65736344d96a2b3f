"""Forms of the supplies pages: receive, issue, transfer, adjust, receive a transfer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.widgets import DateInput
from shequ.supplies.models import AdjustReason, Source
from shequ.supplies.services import MAX_QUANTITY


class StockChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        expiry = f" · {obj.batch.expires_on:%Y-%m-%d}" if obj.batch.expires_on else ""
        batch = f" {obj.batch.code}" if obj.batch.code else ""
        return (
            f"{obj.warehouse.name} · {obj.item.name}{batch}{expiry} · {obj.quantity}{obj.item.unit}"
        )


def _quantity(label: Any, *, minimum: int = 1) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        max_value=MAX_QUANTITY,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("Give the quantity."), "invalid": _("Give a whole number.")},
    )


NOTE = {"max_length": 200, "required": False, "label": _("Note")}


class ReceiveForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=None)
    barcode = forms.CharField(
        label=_("Barcode"), max_length=40, required=False,
        help_text=_("Scan or type it; or choose the item below."),
    )  # fmt: skip
    item = forms.ModelChoiceField(label=_("Item"), queryset=None, required=False)
    quantity = _quantity(_("Quantity"))
    source = forms.ChoiceField(label=_("From"), choices=Source.choices)
    batch_code = forms.CharField(label=_("Batch"), max_length=40, required=False)
    expires_on = forms.DateField(
        label=_("Expires on"), required=False,
        widget=DateInput,
    )  # fmt: skip
    note = forms.CharField(**NOTE)

    def __init__(
        self, *args: Any, warehouses: Any = None, items: Any = None, **kwargs: Any
    ) -> None:
        """`warehouses` and `items`: the user's choices (none when not given)."""
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = warehouses
        self.fields["item"].queryset = items


class IssueForm(forms.Form):
    stock = StockChoice(
        label=_("Item and batch"), queryset=None,
        help_text=_("Medical goods: the batch that expires first is listed first."),
    )  # fmt: skip
    quantity = _quantity(_("Quantity"))
    household = forms.CharField(label=_("Household code"), max_length=60, required=False)
    help_request = forms.IntegerField(label=_("Help request no."), required=False, min_value=1)
    team = forms.CharField(label=_("Team or post"), max_length=60, required=False)
    note = forms.CharField(**NOTE)

    def __init__(self, *args: Any, stock: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stock"].queryset = stock


class TransferForm(forms.Form):
    stock = StockChoice(label=_("Item and batch"), queryset=None)
    destination = forms.ModelChoiceField(label=_("To warehouse"), queryset=None)
    quantity = _quantity(_("Quantity"))
    note = forms.CharField(**NOTE)

    def __init__(self, *args: Any, stock: Any, destinations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stock"].queryset = stock
        self.fields["destination"].queryset = destinations


class AdjustForm(forms.Form):
    stock = StockChoice(label=_("Item and batch"), queryset=None)
    delta = forms.IntegerField(
        label=_("Change (−5 takes 5 out)"), min_value=-MAX_QUANTITY, max_value=MAX_QUANTITY,
        error_messages={"required": _("Give the change."), "invalid": _("Give a whole number.")},
    )  # fmt: skip
    reason = forms.ChoiceField(label=_("Reason"), choices=AdjustReason.choices)
    note = forms.CharField(
        label=_("Why"), max_length=200,
        error_messages={"required": _("Say why (for example: 3 boxes wet in the rain).")},
    )  # fmt: skip

    def __init__(self, *args: Any, stock: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stock"].queryset = stock


class TransferReceiveForm(forms.Form):
    quantity_received = _quantity(_("Count received"), minimum=0)
    note = forms.CharField(**NOTE)


class PostChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.community.name} · {obj.name}"


class PointForm(forms.Form):
    """A post that draws an item from this warehouse as it works (a sampling site's tubes)."""

    post = PostChoice(
        label=_("Post"), queryset=None,
        error_messages={"required": _("Choose the post that uses the item.")},
    )  # fmt: skip
    item = forms.ModelChoiceField(
        label=_("Item"), queryset=None,
        error_messages={"required": _("Choose the item the post uses.")},
    )  # fmt: skip

    def __init__(self, *args: Any, posts: Any = None, items: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["post"].queryset = posts
        self.fields["item"].queryset = items
