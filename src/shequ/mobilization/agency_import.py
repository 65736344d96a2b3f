"""Agencies (机关单位) from a spreadsheet: name, code, level and the parent's code, through
core.imports (all-or-nothing, idempotent). Only the HQ imports them: agencies serve the city.

A parent is an agency already registered or one listed above it in the file, at a higher
level (province > city > district > street), so the tree can hold no loop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils.translation import gettext as _

from shequ.core.import_rows import RowProblems
from shequ.core.imports import CREATED, UNCHANGED, UPDATED, Checked, Importer, RowError
from shequ.core.roles import Capability
from shequ.core.scopes import agency_scope_for
from shequ.core.tabular import Column, HeaderMap, TableRefused
from shequ.mobilization.models import Agency, AgencyLevel

COLUMNS = [
    Column("name", "单位名称", ("name", "名称", "单位"), required=True),
    Column("code", "单位编码", ("code", "编码", "agency code"), required=True),
    Column("level", "级别", ("level", "层级"), required=True),
    Column("parent", "上级单位编码", ("parent code", "parent", "上级编码", "上级单位")),
]
LABELS = {c.field: c.label for c in COLUMNS}
LEVEL_WORDS = {
    "省": AgencyLevel.PROVINCE,
    "省级": AgencyLevel.PROVINCE,
    "市": AgencyLevel.CITY,
    "市级": AgencyLevel.CITY,
    "区": AgencyLevel.DISTRICT,
    "区级": AgencyLevel.DISTRICT,
    "县": AgencyLevel.DISTRICT,
    "区县": AgencyLevel.DISTRICT,
    "街道": AgencyLevel.STREET,
    "街道级": AgencyLevel.STREET,
    "乡镇": AgencyLevel.STREET,
    **{v: v for v in AgencyLevel.values},
}
# Higher levels first: a parent's rank is below its child's.
LEVEL_RANK = {AgencyLevel.PROVINCE: 0, AgencyLevel.CITY: 1, AgencyLevel.DISTRICT: 2, "street": 3}
CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,40}$")


def may_import_agencies(user: object) -> bool:
    """The HQ (who manages every agency's staff) imports the agency list."""
    return agency_scope_for(user, Capability.MANAGE_STAFF).every


class AgencyImporter(Importer):
    kind = "agencies"
    columns = COLUMNS

    def prepare(self, header: HeaderMap) -> None:
        if not may_import_agencies(self.job.actor):
            raise TableRefused(_("Only the HQ imports the list of agencies."))
        self.header_fields = set(header.index)
        self.known = {
            a["code"]: a
            for a in Agency.objects.values("pk", "code", "name", "level", "parent__code")
        }
        # Codes listed so far in the file, with their level (parents must come first).
        self.listed: dict[str, str] = {}

    def check(
        self, rows: Sequence[tuple[int, list[str]]], header: HeaderMap
    ) -> tuple[list[Checked], list[RowError]]:
        checked: list[Checked] = []
        errors: list[RowError] = []
        get = header.get
        for number, cells in rows:
            problems = RowProblems(number, header.columns)
            name, code = get(cells, "name").strip(), get(cells, "code").strip()
            level_text, parent = get(cells, "level").strip(), get(cells, "parent").strip()
            if not name:
                problems.bad("name", name, _("Enter the agency's name."))
            elif len(name) > 100:
                problems.bad("name", name, _("Keep the name under 100 characters."))
            if not CODE_RE.match(code):
                problems.bad(
                    "code", code, _("Give a code of 1–40 letters, digits, '.', '_' or '-'.")
                )
            level = LEVEL_WORDS.get(level_text)
            if level is None:
                problems.bad("level", level_text, _("Level is 省, 市, 区 or 街道."))
            if parent:
                parent_level = self.listed.get(parent) or (self.known.get(parent) or {}).get(
                    "level"
                )
                if parent == code:
                    problems.bad("parent", parent, _("An agency cannot be its own parent."))
                elif parent_level is None:
                    problems.bad(
                        "parent",
                        parent,
                        _("No agency with this code: register it, or list it above this row."),
                    )
                elif level is not None and LEVEL_RANK[parent_level] >= LEVEL_RANK[level]:
                    problems.bad(
                        "parent", parent, _("The parent must be at a higher level than this.")
                    )
            if code and level is not None:
                self.listed.setdefault(code, level)
            if problems:
                errors.extend(problems)
                continue
            item = {"name": name, "code": code, "level": level, "parent": parent}
            checked.append(Checked(number, code, item, code))
        return checked, errors

    def classify(self, items: Sequence[Checked]) -> list[str]:
        out = []
        with_parent = "parent" in self.header_fields
        for c in items:
            found = self.known.get(c.item["code"])
            if found is None:
                out.append(CREATED)
            elif (
                found["name"] == c.item["name"]
                and found["level"] == c.item["level"]
                and (not with_parent or (found["parent__code"] or "") == c.item["parent"])
            ):
                out.append(UNCHANGED)
            else:
                out.append(UPDATED)
        return out

    def write(self, items: Sequence[Checked], outcomes: Sequence[str]) -> None:
        with_parent = "parent" in self.header_fields
        fresh = [
            Agency(name=c.item["name"], code=c.item["code"], level=c.item["level"])
            for c, o in zip(items, outcomes, strict=True)
            if o == CREATED
        ]
        Agency.objects.bulk_create(fresh, batch_size=1000)
        touched = [c.item for c, o in zip(items, outcomes, strict=True) if o != UNCHANGED]
        if not touched:
            return
        codes = {i["code"] for i in touched} | {i["parent"] for i in touched if i["parent"]}
        ids = dict(Agency.objects.filter(code__in=codes).values_list("code", "pk"))
        rows = [
            Agency(
                pk=ids[i["code"]],
                name=i["name"],
                level=i["level"],
                parent_id=ids.get(i["parent"]) if i["parent"] else None,
            )
            for i in touched
        ]
        fields = ["name", "level", "parent"] if with_parent else ["name", "level"]
        Agency.objects.bulk_update(rows, fields, batch_size=1000)
        for i in touched:  # later chunks compare against what this one wrote
            self.known[i["code"]] = {
                "pk": ids[i["code"]],
                "code": i["code"],
                "name": i["name"],
                "level": i["level"],
                "parent__code": i["parent"] or None,
            }

    def duplicate_errors(self, first: int, again: int, label: str) -> tuple[RowError, RowError]:
        column = LABELS["code"]
        return (
            RowError(first, column, label, _("The same code appears again in row %d.") % again),
            RowError(again, column, label, _("The same code already appears in row %d.") % first),
        )
