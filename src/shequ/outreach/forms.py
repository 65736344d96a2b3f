"""Forms of the campaign pages: a campaign with its questions (a repeatable fieldset that
works without JavaScript: blank rows are ignored, "more rows" adds some), giving buildings
out, and confirming a registry proposal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.outreach.models import CampaignKind, CampaignUnit
from shequ.outreach.questions import TYPES

ROWS = 4  # blank question rows shown; "more rows" adds as many

# Questions a new campaign of these kinds starts with (the builder shows them, staff edit).
PRESETS: dict[str, list[dict[str, Any]]] = {
    CampaignKind.SCREENING: [
        {"key": "present", "label": "是否在家居住 / Living here now", "type": "yes_no",
         "required": True},
        {"key": "new_arrivals", "label": "有无新住入人员 / New arrivals", "type": "yes_no"},
        {"key": "came_from", "label": "从何处来 / Came from where", "type": "text"},
        {"key": "symptoms", "label": "有无发热咳嗽 / Fever or cough", "type": "yes_no",
         "required": True},
    ],
    CampaignKind.VACCINATION: [
        {"key": "doses", "label": "已接种剂次 / Doses taken", "type": "number", "required": True},
        {"key": "willing", "label": "是否愿意接种 / Willing", "type": "choice",
         "choices": ["愿意 / Yes", "不愿意 / No", "暂缓 / Later"], "required": True},
        {"key": "reason", "label": "原因 / Reason", "type": "text"},
    ],
    CampaignKind.NOTICE: [
        {"key": "delivered", "label": "告知书已送达 / Notice delivered", "type": "yes_no",
         "required": True},
        {"key": "signed", "label": "已签收 / Signed", "type": "yes_no"},
    ],
}  # fmt: skip


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("What for"), choices=CampaignKind.choices)
    unit = forms.ChoiceField(label=_("One task"), choices=CampaignUnit.choices)
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    places = forms.TypedMultipleChoiceField(
        label=_("Compounds and buildings (none: the whole community)"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        communities: list[tuple[int, str]] = (),  # type: ignore[assignment]
        places: list[tuple[int, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = list(communities)
        self.fields["places"].choices = list(places)


class QuestionForm(forms.Form):
    label = forms.CharField(label=_("Question"), max_length=100, required=False)
    type = forms.ChoiceField(
        label=_("Answer type"),
        choices=[(t, t) for t in TYPES],
        required=False,
    )
    choices = forms.CharField(label=_("Choices, separated by /"), max_length=600, required=False)
    required = forms.BooleanField(label=_("Must be answered"), required=False)
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def __init__(self, *args: Any, type_labels: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if type_labels:
            self.fields["type"].choices = list(type_labels.items())


QuestionFormSet = forms.formset_factory(QuestionForm, extra=0, max_num=30, absolute_max=30)


def questions_from(formset: Any) -> list[dict[str, Any]]:
    """The question list from the builder's rows: blank rows skipped, keys made where none."""
    out: list[dict[str, Any]] = []
    used: set[str] = set()
    for n, row in enumerate(formset.cleaned_data, 1):
        label = (row.get("label") or "").strip()
        if not label:
            continue
        key = (row.get("key") or "").strip() or f"q{n}"
        while key in used:
            key = f"{key}_{n}"
        used.add(key)
        item: dict[str, Any] = {
            "key": key, "label": label, "type": row.get("type") or "text",
            "required": bool(row.get("required")),
        }  # fmt: skip
        if item["type"] == "choice":
            item["choices"] = [
                c.strip() for c in (row.get("choices") or "").split("/") if c.strip()
            ]
        out.append(item)
    return out


def rows_from(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The builder's rows for a question list (a preset, or the questions sent back)."""
    return [
        {
            "key": q["key"],
            "label": q["label"] if isinstance(q["label"], str) else q["label"].get("zh", ""),
            "type": q["type"],
            "choices": " / ".join(q.get("choices", [])),
            "required": q.get("required", False),
        }
        for q in questions
    ]


def keep_labels(new: list[dict[str, Any]], old: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The builder shows a two-language label by its Chinese words: a question whose words
    were not changed keeps its English too."""
    before = {q["key"]: q["label"] for q in old}
    for q in new:
        label = before.get(q["key"])
        if isinstance(label, dict) and label.get("zh", "") == q["label"]:
            q["label"] = label
    return new


class AssignForm(forms.Form):
    buildings = forms.TypedMultipleChoiceField(
        label=_("Buildings"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    team = forms.TypedChoiceField(label=_("Team"), coerce=int)

    def __init__(
        self,
        *args: Any,
        buildings: list[tuple[int, str]] = (),  # type: ignore[assignment]
        teams: list[tuple[int, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["buildings"].choices = list(buildings)
        self.fields["team"].choices = list(teams)


class ConfirmForm(forms.Form):
    document_number = forms.CharField(
        label=_("Document number (if the door had none)"), max_length=30, required=False
    )
