"""Forms of the help pages: open a request, close one with a reason, record a purchase."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.assistance.models import Channel, HelpKind
from shequ.assistance.receipts import RECEIPT_MAX_MB


class OpenForm(forms.Form):
    household = forms.CharField(
        label=_("Household code"),
        max_length=60,
        help_text=_("As on the door plate list, e.g. KA-1-101."),
        error_messages={"required": _("Give the household's code (e.g. KA-1-101).")},
    )
    kind = forms.ChoiceField(
        label=_("What is needed"),
        choices=HelpKind.choices,
        error_messages={"required": _("Choose what is needed.")},
    )
    details = forms.CharField(
        label=_("Details"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what is needed (for example: 2 buckets of water).")},
    )
    urgent = forms.BooleanField(label=_("Urgent (due within 2 hours)"), required=False)
    channel = forms.ChoiceField(label=_("Received by"), choices=Channel.choices)
    for_ledger = forms.BooleanField(label=_("For the supplies ledger"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class PurchaseForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount paid (yuan)"),
        min_value=0.01,
        max_value=99999.99,
        decimal_places=2,
        error_messages={"required": _("Give the amount paid in yuan.")},
    )
    receipt = forms.FileField(
        label=_("Receipt photo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, up to %d MB.") % RECEIPT_MAX_MB,
    )
