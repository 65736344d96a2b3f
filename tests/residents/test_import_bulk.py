"""The resident import's bulk path (issue #22): rows set aside already checked, new residents
written straight into the table (core.bulk.copy_rows: COPY on PostgreSQL, multi-row INSERT on
SQLite), encrypted and hashed in batches. What it writes is what the ORM wrote; it stays
all-or-nothing and idempotent. Runs on SQLite, and on PostgreSQL with SHEQU_TEST_PG=1 and a
postgres DATABASE_URL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone

from shequ.core import bulk, imports, pii
from shequ.core.imports import CREATED, UPDATED
from shequ.core.models import ImportStatus
from shequ.places.models import Place, PlaceKind
from shequ.residents import selectors, services
from shequ.residents.importers import ROW_FIELDS, ResidentImporter
from shequ.residents.models import Resident, Tag, tags_to_bits
from shequ.testing.models import ResidentTally
from tests.residents.factories import id_number, phone
from tests.residents.sheets import write_csv, write_xlsx
from tests.residents.test_import import import_file, residents_import_audits, snapshot

HEADER = ["姓名", "性别", "出生日期", "证件号码", "手机号码", "小区", "楼栋", "单元", "房号"]
HEADER += ["与户主关系", "居住类型", "重点人群", "备注"]
BORN = dt.date(1950, 1, 1)


def seeded_rows(n: int) -> list[list[str]]:
    """n people of varied shape: with and without phone, birth date, tags, notes; in known
    rooms and in rooms the import has to create."""
    rows = [HEADER]
    for i in range(n):
        born = BORN + dt.timedelta(days=5 * i)
        rows.append(
            [
                f"居民{i}",
                ("男", "女", "")[i % 3],
                born.isoformat() if i % 4 else "",
                id_number(born, seq=i % 1000),
                phone(100 + i) if i % 5 else "",
                "甲小区",
                "1号楼",
                "",
                ("101", "102", f"{201 + i % 7}室")[i % 3],
                ("户主", "配偶", "子女", "")[i % 4],
                ("住户", "租户", "")[i % 3],
                ("独居老人、行动不便", "", "孕妇")[i % 3],
                f"备注{i}" if i % 6 == 0 else "",
            ]
        )
    return rows


def registry() -> list[tuple]:
    """Every resident as a user sees it: decrypted, masked, household by name, tags."""
    out = []
    for r in Resident.objects.select_related("household").order_by("name"):
        out.append(
            (
                r.name,
                r.gender,
                r.birth_date,
                r.document_type,
                r.document_number,
                pii.mask(r.document_number),
                r.document_hmac,
                r.phone,
                pii.mask(r.phone),
                r.phone_hmac,
                r.household.path,
                r.household.name,
                r.relation,
                r.occupancy,
                sorted(r.tag_list),
                r.notes,
                r.health_status,
            )
        )
    return out


def orm_write(self, items, outcomes):
    """The write before issue #22: Resident objects through bulk_create (the fields encrypt
    and hash each value), bulk_update for the changed ones."""
    self._create_households(items)
    now = timezone.now()
    fresh, changed = [], []
    for c, outcome in zip(items, outcomes, strict=True):
        d = c.item
        values = {f: d[f] for f in (*ROW_FIELDS, "phone", "document_number", "household_id")}
        values.update(tags=d["tag_bits"], updated_at=now)
        if outcome == CREATED:
            fresh.append(Resident(**values, created_at=now))
        elif outcome == UPDATED:
            changed.append(Resident(pk=d["_existing"]["pk"], **values))
    Resident.objects.bulk_create(fresh, batch_size=1000)
    fields = ["phone", "document_number", "household_id", "updated_at", "tags", *ROW_FIELDS]
    for resident in changed:
        resident.save(update_fields=fields)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_bulk_path_writes_what_the_orm_wrote(personas, city, tmp_path, monkeypatch, kind):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 40)
    rows = seeded_rows(150)
    write = write_xlsx if kind == "xlsx" else write_csv
    path = write(tmp_path / f"r.{kind}", rows)

    with monkeypatch.context() as old:
        old.setattr(ResidentImporter, "sets_aside_checked", False)
        old.setattr(ResidentImporter, "write", orm_write)
        job = import_file(personas.staff_a, path)
    assert job.status == ImportStatus.DONE, job.message
    by_orm = registry()
    households = set(Place.objects.filter(kind=PlaceKind.HOUSEHOLD).values_list("pk", "code"))
    Resident.objects.all().delete()

    job = import_file(personas.staff_a, path)
    assert job.status == ImportStatus.DONE, job.message
    assert job.summary() == {"created": 150, "updated": 0, "unchanged": 0, "rejected": 0}
    assert registry() == by_orm
    # The households the first import created are found again, none twice.
    assert set(Place.objects.filter(kind=PlaceKind.HOUSEHOLD).values_list("pk", "code")) == (
        households
    )
    assert {r[11] for r in by_orm} == {"101室", "102室", *(f"{201 + i}室" for i in range(7))}


def test_what_the_bulk_path_writes_is_encrypted_found_and_shown_masked(personas, city, tmp_path):
    rows = seeded_rows(30)
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.DONE, job.message
    person = rows[2]  # 居民1: a phone, a birth date, no tags
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document_number, phone FROM residents_resident WHERE name = %s", [person[0]]
        )
        stored_document, stored_phone = cursor.fetchone()
    assert stored_document.startswith(pii.TOKEN_PREFIX)
    assert person[3] not in stored_document
    assert person[4] not in stored_phone
    # Found by document number and by phone through the blind indexes, as the pages do.
    found = Resident.objects.get(document_hmac=pii.blind_index(person[3], kind="document"))
    assert found.name == person[0]
    assert Resident.objects.get(phone_hmac=pii.blind_index(person[4], kind="phone")) == found
    listed = selectors.residents_for(personas.staff_a, text=person[3])
    assert [r.name for r in listed] == [person[0]]
    listed = selectors.residents_for(personas.staff_a, text=person[4])
    assert [r.name for r in listed] == [person[0]]
    assert found.birth_date == dt.date.fromisoformat(person[2])
    assert found.household == city.ha2
    assert found.relation == "spouse"
    elderly = Resident.objects.get(name="居民0")
    assert set(elderly.tag_list) == {Tag.ELDERLY_ALONE, Tag.IMMOBILE}
    assert elderly.tags == tags_to_bits([Tag.ELDERLY_ALONE, Tag.IMMOBILE])
    assert elderly.phone == ""
    assert elderly.notes == "备注0"


def test_importing_a_big_sheet_again_changes_nothing_and_says_so(personas, city, tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", seeded_rows(2500))
    first = import_file(personas.staff_a, path)
    assert first.summary() == {"created": 2500, "updated": 0, "unchanged": 0, "rejected": 0}
    before = snapshot()
    places = Place.objects.count()
    again = import_file(personas.staff_a, path)
    assert again.status == ImportStatus.DONE
    assert again.summary() == {"created": 0, "updated": 0, "unchanged": 2500, "rejected": 0}
    assert snapshot() == before
    assert Place.objects.count() == places


def test_a_changed_phone_in_a_big_sheet_updates_only_that_resident(personas, city, tmp_path):
    rows = seeded_rows(600)
    import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    rows[500][4] = phone(9999)
    job = import_file(personas.staff_a, write_csv(tmp_path / "r2.csv", rows))
    assert job.summary() == {"created": 0, "updated": 1, "unchanged": 599, "rejected": 0}
    assert Resident.objects.get(name=rows[500][0]).phone == phone(9999)


def test_a_bad_row_at_the_end_of_a_big_sheet_writes_nothing_and_says_how_to_fix_it(
    personas, city, tmp_path, monkeypatch
):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 500)
    rows = seeded_rows(3000)
    rows[-1][3] = rows[-1][3][:-1] + ("0" if rows[-1][3][-1] != "0" else "1")
    places = Place.objects.count()
    job = import_file(personas.staff_a, write_xlsx(tmp_path / "r.xlsx", rows))
    assert job.status == ImportStatus.REFUSED
    [error] = job.row_errors.all()
    assert (error.row, error.column) == (3001, "证件号码")
    assert "check digit" in error.reason
    assert "*" in error.value
    assert not Resident.objects.exists()
    assert Place.objects.count() == places
    assert residents_import_audits() == 0


def test_a_person_registered_elsewhere_while_the_file_was_checked_stops_the_whole_write(
    personas, city, tmp_path, monkeypatch
):
    """Between the check and the write, another community registers the sheet's last person:
    the write pass sees it, and nothing of the 3,000 rows lands (nor their new households)."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 500)
    rows = seeded_rows(3000)
    real_write_pass = imports._write_pass

    def registered_meanwhile(*args, **kwargs):
        services.resident_create(
            actor=personas.staff_b, household=city.hb1, name="别处", document_number=rows[-1][3]
        )
        return real_write_pass(*args, **kwargs)

    monkeypatch.setattr(imports, "_write_pass", registered_meanwhile)
    places = Place.objects.count()
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.FAILED
    assert "3001" in job.message
    assert list(Resident.objects.values_list("name", flat=True)) == ["别处"]
    assert Place.objects.count() == places
    assert residents_import_audits() == 0
    # The rolled-back load left the counts as they were, and they go on counting.
    assert tallies_and_rows() == ({city.kb1.pk: 1}, {city.kb1.pk: 1})
    register(personas.staff_a, city.ha1, "甲新", 902)
    assert tallies_and_rows()[0] == {city.kb1.pk: 1, city.ka1.pk: 1}


def register(staff, household, name: str, seq: int) -> None:
    services.resident_create(
        actor=staff, household=household, name=name, document_number=id_number(BORN, seq)
    )


def tallies_and_rows() -> tuple[dict[int, int], dict[int, int]]:
    """Residents per building as the coverage counts keep them, and counted from the rows."""
    kept = {b: n for b, n in ResidentTally.objects.values_list("building_id", "residents") if n}
    rows = dict(
        Resident.objects.values_list("household__parent_id")
        .annotate(n=Count("pk"))
        .values_list("household__parent_id", "n")
    )
    return kept, rows


def test_a_bulk_import_keeps_the_coverage_counts_and_they_go_on_counting(
    personas, city, tmp_path, monkeypatch
):
    """The load is counted per building (PostgreSQL: once for the whole COPY, by a
    statement-level trigger), and residents added and removed afterwards are counted too."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 500)
    register(personas.staff_b, city.hb1, "乙一", 901)
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", seeded_rows(1200)))
    assert job.status == ImportStatus.DONE, job.message
    kept, rows = tallies_and_rows()
    assert kept == rows == {city.ka1.pk: 1200, city.kb1.pk: 1}
    register(personas.staff_a, city.ha1, "甲新", 902)
    assert tallies_and_rows()[0] == {city.ka1.pk: 1201, city.kb1.pk: 1}
    Resident.objects.filter(name__in=["居民0", "居民1", "乙一"]).delete()
    kept, rows = tallies_and_rows()
    assert kept == rows == {city.ka1.pk: 1199}


def test_copy_rows_lands_all_rows_or_none(personas, city):
    now = bulk.db_value(Resident, "created_at", timezone.now())
    fields = ["name", "document_number", "document_hmac", "household", "document_type"]
    fields += ["relation", "occupancy", "tags", "notes", "gender", "phone", "phone_hmac"]
    fields += ["health_status", "created_at", "updated_at"]

    def row(name, digest):
        return [name, "v1:x", digest, city.ha1.pk, "resident_id", "other", "owner", 0, ""]

    rows = [[*row(f"r{i}", f"{i:064d}"), "", "", "", "normal", now, now] for i in range(1200)]
    rows.append(list(rows[0]))  # the same document again: the unique constraint refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.copy_rows(Resident, fields, rows)
    assert not Resident.objects.exists()
    with transaction.atomic():
        bulk.copy_rows(Resident, fields, rows[:-1])
    assert Resident.objects.count() == 1200


def test_insert_records_writes_what_bulk_create_writes(personas, city):
    """core.bulk.insert_records (the staff import's write): defaults filled, numbers and phones
    normalized and encrypted, blind indexes computed where a record does not carry them."""
    born = dt.date(1980, 5, 17)
    one, two, three = (id_number(born, seq=n) for n in (1, 2, 3))
    spaced = one[:6] + " " + one[6:].lower()
    records = [
        {"name": "甲", "document_number": spaced, "phone": "+86 138-0000-0001"},
        {"name": "乙", "document_number": two, "household_id": city.ha2.pk},
    ]
    records[0].update(household=city.ha1, birth_date=born)
    with transaction.atomic():
        bulk.insert_records(Resident, records)
        orm = Resident(name="丙", document_number=three, phone="13800000003", household=city.ha1)
        Resident.objects.bulk_create([orm])
    first, second = Resident.objects.get(name="甲"), Resident.objects.get(name="乙")
    by_orm = Resident.objects.get(name="丙")
    assert first.document_number == one
    assert first.phone == "13800000001"
    assert first.birth_date == born
    assert first.household == city.ha1
    assert second.household == city.ha2
    assert second.phone == ""
    assert second.phone_hmac == ""
    assert Resident.objects.get(phone_hmac=pii.blind_index("13800000001", kind="phone")) == first
    assert Resident.objects.get(document_hmac=pii.blind_index(two, kind="document")) == second
    for resident in (first, second):
        for field in ("document_type", "relation", "occupancy", "tags", "notes", "health_status"):
            assert getattr(resident, field) == getattr(by_orm, field)
        assert resident.created_at is not None


def test_insert_new_records_gives_ids_and_leaves_a_taken_key_out(personas, city):
    """core.bulk.insert_new_records (the staff import's logins): ids of the rows that went in,
    a record whose key is already taken left out (not an error), phones encrypted and indexed."""
    from shequ.core.models import User

    User.objects.create_user("13900000001", phone="13900000001", display_name="先来")
    records = [
        {"username": u, "phone": u, "display_name": n, "password": "!x"}
        for u, n in (("13900000001", "后到"), ("13900000002", "新"))
    ]
    with transaction.atomic():
        made = bulk.insert_new_records(User, records, key="username")
    assert list(made) == ["13900000002"]
    fresh = User.objects.get(pk=made["13900000002"])
    assert (fresh.username, fresh.display_name, fresh.phone) == ("13900000002", "新", "13900000002")
    assert User.objects.with_phone("139 0000 0002").get() == fresh
    assert User.objects.get(username="13900000001").display_name == "先来"
    assert fresh.is_active
    assert fresh.date_joined is not None
