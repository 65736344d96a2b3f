"""A campaign's questions are data: a list of {key, label, type, choices, required}. This
module checks a list of questions when a campaign is made (`check_questions`) and the answers
given at a door against them (`check_answers`): each bad one is named by its question.

Types: yes_no (true/false), choice (one of `choices`), number (a whole number ≥ 0), text (at
most TEXT_MAX characters), date (YYYY-MM-DD). A label is text, or {"zh": …, "en": …}.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from shequ.core.errors import ValidationError

TYPES = ("yes_no", "choice", "number", "text", "date")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
QUESTIONS_MAX = 30
CHOICES_MAX = 20
LABEL_MAX = 100
TEXT_MAX = 200
NUMBER_MAX = 1000


def bad_text(value: str) -> bool:
    """Text no database may store: a NUL character, or a lone surrogate (no UTF-8 at all)."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _texts(label: Any) -> list[str]:
    if isinstance(label, dict):
        return [v for v in label.values() if isinstance(v, str)]
    return [label] if isinstance(label, str) else []


def type_labels() -> dict[str, str]:
    """Each question type by its name in the active language (the question builder)."""
    return {
        "yes_no": _("Yes / no"),
        "choice": _("One of a list"),
        "number": _("A number"),
        "text": _("Text"),
        "date": _("Date"),
    }


def label_of(question: dict[str, Any]) -> str:
    """The question's label in the active language."""
    label = question.get("label", "")
    if isinstance(label, dict):
        zh = (get_language() or "zh-hans").lower().startswith("zh")
        return str(label.get("zh" if zh else "en") or label.get("en") or label.get("zh") or "")
    return str(label)


def _label_ok(label: Any) -> bool:
    if isinstance(label, str):
        return bool(label.strip()) and len(label) <= LABEL_MAX
    if isinstance(label, dict):
        texts = [v for k, v in label.items() if k in ("zh", "en")]
        return bool(texts) and all(
            isinstance(v, str) and v.strip() and len(v) <= LABEL_MAX for v in texts
        )
    return False


def check_questions(questions: Any) -> list[dict[str, Any]]:
    """The questions, cleaned; ValidationError naming the question ("questions.<n>") and the
    fix for the first bad one."""
    if questions is None:
        return []
    if not isinstance(questions, list):
        raise ValidationError({"questions": _("Send the questions as a list.")})
    if len(questions) > QUESTIONS_MAX:
        raise ValidationError({"questions": _("Ask at most %d questions.") % QUESTIONS_MAX})
    seen: set[str] = set()
    cleaned: list[dict[str, Any]] = []
    for n, q in enumerate(questions, 1):
        field = f"questions.{n}"
        if not isinstance(q, dict):
            raise ValidationError({field: _("Question %d: send it as an object.") % n})
        key = q.get("key")
        if not isinstance(key, str) or not KEY.match(key):
            raise ValidationError(
                {
                    field: _(
                        "Question %d: give it a key of small letters, digits and _ "
                        "(e.g. new_arrivals)."
                    )
                    % n
                }
            )
        if key in seen:
            raise ValidationError(
                {field: _("Question %(n)d: the key %(key)s is used twice.") % {"n": n, "key": key}}
            )
        seen.add(key)
        if not _label_ok(q.get("label")) or any(bad_text(t) for t in _texts(q.get("label"))):
            raise ValidationError(
                {field: _("Question %(n)d: write its question (at most %(max)d characters).")
                 % {"n": n, "max": LABEL_MAX}}
            )  # fmt: skip
        kind = q.get("type")
        if kind not in TYPES:
            message = _("Question %(n)d: choose a type: %(types)s.")
            raise ValidationError({field: message % {"n": n, "types": ", ".join(TYPES)}})
        item: dict[str, Any] = {
            "key": key,
            "label": q["label"]
            if isinstance(q["label"], str)
            else {k: v for k, v in q["label"].items() if k in ("zh", "en")},
            "type": kind,
            "required": bool(q.get("required", False)),
        }
        if kind == "choice":
            choices = q.get("choices")
            if (
                not isinstance(choices, list)
                or not 2 <= len(choices) <= CHOICES_MAX
                or not all(
                    isinstance(c, str) and c.strip() and len(c) <= LABEL_MAX for c in choices
                )
                or len(set(choices)) != len(choices)
                or any(bad_text(c) for c in choices)
            ):
                raise ValidationError(
                    {field: _("Question %(n)d: list 2 to %(max)d different choices.")
                     % {"n": n, "max": CHOICES_MAX}}
                )  # fmt: skip
            item["choices"] = [c.strip() for c in choices]
        cleaned.append(item)
    return cleaned


def _answer(q: dict[str, Any], value: Any) -> Any:
    """The answer to `q` as stored, or a message saying what to give."""
    kind = q["type"]
    if kind == "yes_no":
        if isinstance(value, bool):
            return value
        if value in ("yes", "true", "1", "on"):
            return True
        if value in ("no", "false", "0"):
            return False
        raise ValueError(_("answer yes or no"))
    if kind == "choice":
        if value in q["choices"]:
            return value
        raise ValueError(_("choose one of: %s") % " / ".join(q["choices"]))
    if kind == "number":
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= NUMBER_MAX:
            raise ValueError(_("give a whole number from 0 to %d") % NUMBER_MAX)
        return value
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError(_("give a date as YYYY-MM-DD")) from None
    if not isinstance(value, str):
        raise ValueError(_("give text"))
    value = value.strip()
    if len(value) > TEXT_MAX or bad_text(value):
        raise ValueError(_("keep it under %d characters") % TEXT_MAX)
    return value


def check_answers(
    questions: list[dict[str, Any]], answers: Any, *, complete: bool = True
) -> dict[str, Any]:
    """The answers, cleaned (only known keys; an empty answer left out). With `complete`
    (a door that was answered) every required question needs an answer. ValidationError with
    one entry per bad answer, keyed "answers.<key>", its message naming the question."""
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("Send the answers as an object keyed by question.")})
    by_key = {q["key"]: q for q in questions}
    errors: dict[str, str] = {}
    for key in answers:
        if key not in by_key:
            errors[f"answers.{str(key)[:40]}"] = (
                _("“%s” is not a question of this campaign.") % str(key)[:40]
            )
    cleaned: dict[str, Any] = {}
    for q in questions:
        value = answers.get(q["key"])
        if value is None or value == "":
            if complete and q.get("required"):
                errors[f"answers.{q['key']}"] = _("“%s”: answer this question.") % label_of(q)
            continue
        try:
            cleaned[q["key"]] = _answer(q, value)
        except ValueError as exc:
            errors[f"answers.{q['key']}"] = f"“{label_of(q)}”: {exc}"
    if errors:
        raise ValidationError(errors)
    return cleaned


def check_revision(
    old: list[dict[str, Any]], new: list[dict[str, Any]], answered: set[str]
) -> None:
    """A campaign's questions changed after doors were answered: the answers given must stay
    readable. A question answered at some door stays, with its type and every choice it had
    (more may be added, the words may change); ValidationError "questions" naming it.
    Questions nobody answered yet change freely; new ones apply to the doors visited next."""
    after = {q["key"]: q for q in new}
    for q in old:
        if q["key"] not in answered:
            continue
        kept = after.get(q["key"])
        lost = [c for c in q.get("choices", []) if kept and c not in kept.get("choices", [])]
        if kept is None:
            problem = _(
                "“%(question)s” is answered at some doors already: keep it (reword it if needed)."
            )
        elif kept["type"] != q["type"]:
            problem = _("“%(question)s” is answered at some doors already: keep its answer type.")
        elif lost:
            problem = _(
                "“%(question)s” is answered at some doors already: keep the choice "
                "“%(choice)s” (add others if needed)."
            )
        else:
            continue
        choice = lost[0] if lost else ""
        raise ValidationError({"questions": problem % {"question": label_of(q), "choice": choice}})
