"""What each user is shown of a resident's ID number, phone and birth date, and the audit row
written whenever they are shown in full or looked up exactly.

Every page, API answer and export that shows residents' numbers goes through
`residents_shown`, so the choice "in full or masked" and its audit cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shequ.core import audit, pii
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.residents.models import Resident
from shequ.residents.selectors import BY_DOCUMENT, TextSearch

if TYPE_CHECKING:
    from shequ.core.models import User

# A role that sees these masked may not change them either: a refused change would answer
# questions about the hidden value ("the ID number says born 1980-05-17").
FULL_VIEW_FIELDS = ("document_number", "phone", "birth_date")
WHY_MAX = 200


@dataclass(frozen=True)
class Shown:
    """One resident's numbers as one user may see them."""

    full: bool
    document: str
    phone: str
    birth_date: dt.date | None  # None unless shown in full
    birth_year: int | None

    @property
    def born(self) -> str:
        """The birth date in full (1980-05-17), else the year only (1980), else ''."""
        if self.birth_date is not None:
            return self.birth_date.isoformat()
        return str(self.birth_year) if self.birth_year else ""


def shown_to(user: User, resident: Resident, *, full: bool | None = None) -> Shown:
    """The numbers of one resident as `user` may see them (no audit: see residents_shown).

    Masked: the last 4 of the document, 3 + 4 digits of the phone, and the birth year, not the
    date: the date is digits 7–14 of the ID number, and an age would reveal the birthday the
    day it changes.
    """
    if full is None:
        full = scope_for(user, Capability.VIEW_PII).covers(resident.household)
    born = resident.birth_date
    return Shown(
        full=full,
        document=resident.document_number if full else pii.mask_document(resident.document_number),
        phone=resident.phone if full else pii.mask_phone(resident.phone),
        birth_date=born if full else None,
        birth_year=born.year if born else None,
    )


def residents_shown(
    actor: User,
    residents: Sequence[Resident],
    *,
    where: str,
    why: str = "",
    search: TextSearch | None = None,
    fields: Sequence[str] = FULL_VIEW_FIELDS,
) -> dict[int, Shown]:
    """Each resident's numbers as `actor` may see them, keyed by id; audited in one row.

    The row (action residents.pii.view) names every resident of whom one of `fields` (what
    the caller shows: by default ID number, phone and birth date) is shown in full, `where`
    (the page, API or export) and the user's optional `why`. An exact search by number or
    phone is audited (residents.pii.search) even when it finds nobody, with the number
    masked. Give residents with their household loaded and their numbers not deferred.
    """
    scope = scope_for(actor, Capability.VIEW_PII)
    shown = {r.pk: shown_to(actor, r, full=scope.covers(r.household)) for r in residents}
    disclosed = [r.pk for r in residents if shown[r.pk].full and any(getattr(r, f) for f in fields)]
    exact = search is not None and search.exact
    if disclosed or exact:
        changes: dict[str, object] = {
            "where": where,
            "fields": list(fields),
            "residents": disclosed,
        }
        if exact:
            assert search is not None
            changes["by"] = search.by
            changes["query"] = (
                pii.mask_document(search.value)
                if search.by == BY_DOCUMENT
                else pii.mask_phone(search.value)
            )
        if why.strip():
            changes["why"] = why.strip()[:WHY_MAX]
        single = residents[0] if len(residents) == 1 else None
        audit.record_access(
            actor=actor,
            action="residents.pii.search" if exact else "residents.pii.view",
            object_type=Resident._meta.label_lower,
            object_id=str(single.pk) if single is not None else "",
            place=single.household if single is not None else None,
            changes=changes,
        )
    return shown
