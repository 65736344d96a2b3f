"""Forms of the help pages: open a request, close one with a reason, record a purchase."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from shequ.assistance.models import Channel, HelpKind
from shequ.assistance.receipts import RECEIPT_MAX_MB


class OpenForm(forms.Form):
    """`household` is what is searched (a name, a flat like 1-101, a household code);
    `pick` the resident (r<id>) or flat (h<id>) chosen among the matches. Without JavaScript
    the Search button shows the matches; with htmx they refresh as one types."""

    household = forms.CharField(
        label=_("Who needs help"),
        max_length=60,
        help_text=_("A name, a flat (e.g. 1-101) or the household code (KA-1-101)."),
        error_messages={"required": _("Type a name, a flat (1-101) or a household code.")},
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "hx-get": reverse_lazy("assistance:new"),
                "hx-trigger": "input changed delay:400ms, search",
                "hx-target": "#matches",
                "hx-swap": "outerHTML",
            }
        ),
    )
    pick = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
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
