"""The checks every resident passes, whether typed on a page, sent to the API or imported."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

from shequ.core import pii
from shequ.residents.idcard import id_number_problem
from shequ.residents.models import DocumentType, Gender, Occupancy, Relation, Tag

PHONE_RE = re.compile(r"^1\d{10}$")
# Choice values as sets, built once: TextChoices.values builds a new list on every call, and an
# import checks hundreds of thousands of rows.
GENDERS = frozenset(Gender.values)
DOCUMENT_TYPES = frozenset(DocumentType.values)
RELATIONS = frozenset(Relation.values)
OCCUPANCIES = frozenset(Occupancy.values)
TAGS = frozenset(Tag.values)
PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,20}$")


def resident_problems(
    *,
    name: str,
    gender: str,
    birth_date: dt.date | None,
    document_type: str,
    document_number: str,
    phone: str,
    relation: str,
    occupancy: str,
    tags: Iterable[str],
    notes: str,
    today: dt.date | None = None,
) -> dict[str, str]:
    """Field → message for everything wrong; empty when the resident is valid."""
    errors: dict[str, str] = {}
    today = today or dt.date.today()
    if not name.strip():
        errors["name"] = _("Enter the name.")
    elif len(name) > 50:
        errors["name"] = _("Keep the name under 50 characters.")
    if gender and gender not in GENDERS:
        errors["gender"] = _("Gender is male or female.")
    if birth_date is not None and (birth_date > today or birth_date.year < 1900):
        errors["birth_date"] = _("Enter a birth date between 1900 and today.")
    if document_type not in DOCUMENT_TYPES:
        errors["document_type"] = _("Choose resident ID card, passport or other.")
    number = pii.normalize_document(document_number)
    if not number:
        errors["document_number"] = _("Enter the document number.")
    elif document_type == DocumentType.RESIDENT_ID:
        problem = id_number_problem(number, birth_date=birth_date, today=today)
        if problem:
            errors["document_number"] = problem
    elif document_type == DocumentType.PASSPORT and not PASSPORT_RE.match(number):
        errors["document_number"] = _("A passport number is 5–20 letters and digits.")
    elif len(number) > 40:
        errors["document_number"] = _("Keep the document number under 40 characters.")
    if phone and not PHONE_RE.match(pii.normalize_phone(phone)):
        errors["phone"] = _("Enter an 11-digit mobile number such as 13800000000.")
    if relation not in RELATIONS:
        errors["relation"] = _("Choose a relation to the head of household.")
    if occupancy not in OCCUPANCIES:
        errors["occupancy"] = _("Occupancy is owner, renter or other.")
    unknown = [t for t in tags if t not in TAGS]
    if unknown:
        errors["tags"] = _("Unknown special population: %s.") % "、".join(unknown)
    if len(notes) > 500:
        errors["notes"] = _("Keep the notes under 500 characters.")
    return errors
