"""Staff lists (cadres of an agency, or volunteers) from spreadsheets, through core.imports."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import pii
from shequ.core.bulk import insert_records
from shequ.core.import_rows import RowProblems
from shequ.core.imports import CREATED, UNCHANGED, UPDATED, Checked, Importer, RowError
from shequ.core.roles import Capability
from shequ.core.scopes import agency_scope_for, scope_for
from shequ.core.tabular import Column, HeaderMap
from shequ.mobilization.accounts import bind_logins, logins_by_phone, logins_for
from shequ.mobilization.models import (
    Agency,
    Fitness,
    Rank,
    Skill,
    Staff,
    StaffKind,
    Vetting,
    skills_to_bits,
)
from shequ.mobilization.rules import staff_problems
from shequ.places.models import Place, PlaceKind
from shequ.residents.idcard import birth_date_of, gender_of

COLUMNS = [
    Column("name", "姓名", ("name",), required=True),
    Column(
        "id_number", "身份证号", ("id number", "身份证号码", "证件号码"), required=True, pii=True
    ),
    Column("phone", "手机号码", ("phone", "mobile", "手机号", "联系电话"), pii=True),
    Column("agency", "单位编码", ("agency code", "agency", "单位")),
    Column("rank", "职级", ("rank", "级别")),
    Column("party", "党员", ("party member", "政治面貌")),
    Column("skills", "技能", ("skills", "特长")),
    Column("community", "居住社区", ("residence community", "community", "社区编码")),
    Column("fitness", "健康状况", ("health", "fitness")),
]
LABELS = {c.field: c.label for c in COLUMNS}
RANK_WORDS = {
    "厅级": Rank.TING,
    "县处级": Rank.CHU,
    "处级": Rank.CHU,
    "乡科级": Rank.KE,
    "科级": Rank.KE,
    "科员": Rank.KEYUAN,
    "其他": Rank.OTHER,
    **{r: r for r in Rank.values},
}
YES = {"是", "党员", "中共党员", "yes", "y", "true", "1"}
NO = {"", "否", "群众", "no", "n", "false", "0"}
SKILL_WORDS = {
    "驾驶": Skill.DRIVING,
    "开车": Skill.DRIVING,
    "英语": Skill.ENGLISH,
    "医疗": Skill.MEDICAL,
    "医护": Skill.MEDICAL,
    "信息技术": Skill.IT,
    "电脑": Skill.IT,
    "三轮车": Skill.TRICYCLE,
    **{s: s for s in Skill.values},
}
FITNESS_WORDS = {
    "": Fitness.FIT,
    "健康": Fitness.FIT,
    "良好": Fitness.FIT,
    "身体不适": Fitness.UNWELL,
    "隔离": Fitness.ISOLATED,
    **{f: f for f in Fitness.values},
}
SPLIT = re.compile(r"[、,，;；/|\s]+")
FIELDS = (
    "kind",
    "name",
    "agency_id",
    "rank",
    "party_member",
    "birth_year",
    "gender",
    "skills",
    "residence_community_id",
    "fitness",
)


class StaffImporter(Importer):
    """Cadres (rows with an agency, or the coordinator's own agency) or volunteers."""

    kind = "staff"
    columns = COLUMNS

    def prepare(self, header: HeaderMap) -> None:
        actor = self.job.actor
        self.header_fields = set(header.index)
        managed = agency_scope_for(actor, Capability.MANAGE_STAFF)
        self.hq = managed.every
        self.agencies = {a.code: a for a in Agency.objects.filter(managed.q("pk"))}
        own = managed.ids
        self.default_agency = (
            next((a for a in self.agencies.values() if a.pk in own), None)
            if len(own) == 1
            else None
        )
        self.check_in = scope_for(actor, Capability.CHECK_IN)
        self.community_places = {
            p.pk: p for p in Place.objects.filter(self.check_in.q(), kind=PlaceKind.COMMUNITY)
        }
        self.communities = {
            p.code: p.pk for p in Place.objects.filter(kind=PlaceKind.COMMUNITY).only("pk", "code")
        }
        self.today = timezone.localdate()
        # The row each phone was first seen in: one login per phone, so one person per phone.
        self.phone_rows: dict[str, int] = {}

    def check(
        self, rows: Sequence[tuple[int, list[str]]], header: HeaderMap
    ) -> tuple[list[Checked], list[RowError]]:
        errors: list[RowError] = []
        parsed = []
        for number, cells in rows:
            row_errors = RowProblems(number, header.columns)
            bad = row_errors.bad

            get = header.get
            id_number = pii.normalize_document(get(cells, "id_number"))
            code = get(cells, "agency")
            agency = self.agencies.get(code) if code else self.default_agency
            if code and agency is None:
                bad("agency", code, _("No agency with this code that you may import for."))
            rank = RANK_WORDS.get(get(cells, "rank") or "其他")
            if rank is None:
                bad("rank", get(cells, "rank"), _("Rank is 厅级, 县处级, 乡科级, 科员 or 其他."))
            party_text = get(cells, "party").lower()
            if party_text not in YES | NO:
                bad("party", get(cells, "party"), _("Write 是 or 否 for party member."))
            skills = []
            for word in filter(None, SPLIT.split(get(cells, "skills"))):
                if word.lower() in SKILL_WORDS:
                    skills.append(SKILL_WORDS[word.lower()])
                else:
                    bad("skills", get(cells, "skills"), _("Unknown skill “%s”.") % word)
            fitness = FITNESS_WORDS.get(get(cells, "fitness"))
            if fitness is None:
                bad("fitness", get(cells, "fitness"), _("Health is 健康, 身体不适 or 隔离."))
            community_code = get(cells, "community")
            community_id = self.communities.get(community_code) if community_code else None
            if community_code and community_id is None:
                bad("community", community_code, _("No community with this code."))
            born = birth_date_of(id_number) if len(id_number) == 18 else None
            data = {
                "kind": StaffKind.CADRE if agency else StaffKind.VOLUNTEER,
                "name": get(cells, "name"),
                "id_number": id_number,
                "phone": pii.normalize_phone(get(cells, "phone")),
                "agency_id": agency.pk if agency else None,
                "rank": rank or Rank.OTHER,
                "party_member": party_text in YES,
                "birth_year": born.year if born else None,
                "gender": gender_of(id_number) if born else "",
                "skills": skills_to_bits(skills),
                "residence_community_id": community_id,
                "fitness": fitness or Fitness.FIT,
            }
            flagged = {e.column for e in row_errors}
            for field, message in staff_problems(
                kind=data["kind"],
                name=data["name"],
                id_number=id_number,
                phone=data["phone"],
                has_agency=agency is not None,
                rank=data["rank"],
                birth_year=data["birth_year"],
                gender=data["gender"] or "male",
                skills=[],
                fitness=data["fitness"],
                today=self.today,
            ).items():
                column = "id_number" if field in ("birth_year", "gender") else field
                if column in LABELS and LABELS[column] not in flagged:
                    bad(column, get(cells, column), message)
            if row_errors:
                errors.extend(row_errors)
            else:
                data["id_hmac"] = pii.blind_index(id_number, kind="document")
                data["phone_hmac"] = (
                    pii.blind_index(data["phone"], kind="phone") if data["phone"] else ""
                )
                parsed.append((number, data))
        existing = {
            s["id_hmac"]: s
            for s in Staff.objects.filter(id_hmac__in=[d["id_hmac"] for _, d in parsed]).values(
                "pk", "id_hmac", "phone_hmac", "user_id", *FIELDS
            )
        }
        logins = logins_by_phone(d["phone"] for _, d in parsed)
        checked = []
        for number, data in parsed:
            found = existing.get(data["id_hmac"])
            phone = data["phone"]
            if phone:
                first = self.phone_rows.setdefault(phone, number)
                login = logins.get(phone)
                if first != number:
                    errors.append(
                        RowError(
                            number,
                            LABELS["phone"],
                            pii.mask(phone),
                            _("The same phone already appears in row %d; one phone per person.")
                            % first,
                        )
                    )
                    continue
                if login is not None and login.staff_id not in (
                    None,
                    found["pk"] if found else None,
                ):
                    errors.append(
                        RowError(
                            number,
                            LABELS["phone"],
                            pii.mask(phone),
                            _("This phone is already the login of another person."),
                        )
                    )
                    continue
            if found is not None and "agency" not in self.header_fields:
                # No agency column: the file says nothing about it, so it stays as registered.
                data["agency_id"], data["kind"] = found["agency_id"], found["kind"]
            community = self.community_places.get(data["residence_community_id"])
            data["vetting"] = (
                Vetting.APPROVED
                if data["kind"] == StaffKind.CADRE
                or (community is not None and self.check_in.covers(community))
                else Vetting.PENDING
            )
            if found is not None and not self.hq and found["agency_id"] != data["agency_id"]:
                errors.append(
                    RowError(
                        number,
                        LABELS["id_number"],
                        pii.mask(data["id_number"]),
                        _("Registered with another agency; ask the HQ to move them."),
                    )
                )
                continue
            data["_existing"] = found
            checked.append(Checked(number, data["id_hmac"], data, pii.mask(data["id_number"])))
        return checked, errors

    def _columns_present(self) -> set[str]:
        by_column = {
            "agency": "agency_id",
            "rank": "rank",
            "party": "party_member",
            "skills": "skills",
            "community": "residence_community_id",
            "fitness": "fitness",
            "phone": "phone_hmac",
        }
        return {"kind", "name", "birth_year", "gender", "agency_id"} | {
            by_column[c] for c in self.header_fields if c in by_column
        }

    def classify(self, items: Sequence[Checked]) -> list[str]:
        present = self._columns_present()
        out = []
        for c in items:
            found = c.item["_existing"]
            if found is None:
                out.append(CREATED)
            elif all(found[f] == c.item[f] for f in present if f in found):
                out.append(UNCHANGED)
            else:
                out.append(UPDATED)
        return out

    def write(self, items: Sequence[Checked], outcomes: Sequence[str]) -> None:
        present = self._columns_present()
        # Everyone with a phone gets their login (the phone) in the same transaction: made
        # first, so new records are inserted already bound; a re-import links those still
        # without one and never makes a second.
        logins = logins_for(
            (c.item["phone"], c.item["name"])
            for c, outcome in zip(items, outcomes, strict=True)
            if outcome == CREATED
        )
        fresh, changed, unbound = [], [], []
        for c, outcome in zip(items, outcomes, strict=True):
            d = c.item
            values = {f: d[f] for f in FIELDS}
            if outcome == CREATED:
                login = logins.get(d["phone"])
                fresh.append(
                    {
                        **values,
                        "id_number": d["id_number"],
                        "id_hmac": d["id_hmac"],
                        "phone": d["phone"],
                        "phone_hmac": d["phone_hmac"],
                        "vetting": d["vetting"],
                        "user_id": login.user_id if login and login.staff_id is None else None,
                    }
                )
                continue
            if d["phone"] and d["_existing"]["user_id"] is None:
                unbound.append((d["_existing"]["pk"], d["phone"], d["name"]))
            if outcome == UPDATED:
                changed.append(
                    Staff(
                        pk=d["_existing"]["pk"],
                        **values,
                        phone=d["phone"],
                        phone_hmac=d["phone_hmac"],
                    )
                )
        # Straight into the table (core.bulk): encrypted per column, digests as checked.
        insert_records(Staff, fresh)
        if changed:
            fields = [f for f in FIELDS if f in present]
            if "phone_hmac" in present:
                fields += ["phone", "phone_hmac"]
            Staff.objects.bulk_update(changed, fields, batch_size=500)
        bind_logins(unbound)

    def duplicate_errors(self, first: int, again: int, label: str) -> tuple[RowError, RowError]:
        column = LABELS["id_number"]
        return (
            RowError(
                first, column, label, _("The same ID number appears again in row %d.") % again
            ),
            RowError(
                again, column, label, _("The same ID number already appears in row %d.") % first
            ),
        )
