"""Checks every staff record passes, typed on a page, sent to the API or imported."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

from shequ.core import pii
from shequ.mobilization.models import Fitness, Rank, Skill, StaffKind
from shequ.residents.idcard import id_number_problem

RANKS = frozenset(Rank.values)
SKILLS = frozenset(Skill.values)
KINDS = frozenset(StaffKind.values)
FITNESS = frozenset(Fitness.values)
GENDERS = frozenset({"male", "female"})
PHONE_RE = re.compile(r"^1\d{10}$")


def staff_problems(
    *,
    kind: str,
    name: str,
    id_number: str,
    phone: str,
    has_agency: bool,
    rank: str,
    birth_year: int | None,
    gender: str,
    skills: Iterable[str],
    fitness: str,
    today: dt.date | None = None,
) -> dict[str, str]:
    """Field → message for everything wrong; empty when the record is valid."""
    errors: dict[str, str] = {}
    today = today or dt.date.today()
    if kind not in KINDS:
        errors["kind"] = _("Kind is cadre or volunteer.")
    if not name.strip():
        errors["name"] = _("Enter the name.")
    elif len(name) > 50:
        errors["name"] = _("Keep the name under 50 characters.")
    problem = id_number_problem(pii.normalize_document(id_number), today=today)
    if problem:
        errors["id_number"] = problem
    if phone and not PHONE_RE.match(pii.normalize_phone(phone)):
        errors["phone"] = _("Enter an 11-digit mobile number such as 13800000000.")
    if kind == StaffKind.CADRE and not has_agency:
        errors["agency"] = _("A cadre belongs to an agency; give the agency code.")
    if rank not in RANKS:
        errors["rank"] = _("Choose a rank: 厅级, 县处级, 乡科级, 科员 or other.")
    if birth_year is None or not (today.year - 80 <= birth_year <= today.year - 16):
        errors["birth_year"] = _("Give a birth year between %(a)d and %(b)d.") % {
            "a": today.year - 80,
            "b": today.year - 16,
        }
    if gender not in GENDERS:
        errors["gender"] = _("Gender is male or female.")
    unknown = [s for s in skills if s not in SKILLS]
    if unknown:
        errors["skills"] = _("Unknown skill: %s.") % "、".join(unknown)
    if fitness not in FITNESS:
        errors["fitness"] = _("Health is fit, unwell or isolated.")
    return errors
