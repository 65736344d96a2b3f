"""The city's places from a sheet: towns and villages with their words, moves and renames
that keep history and people, idempotent re-import, every bad row named, HQ only."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from shequ.core.errors import PermissionDenied
from shequ.core.imports import import_job_create, run_import
from shequ.core.models import AuditEvent, ImportStatus
from shequ.places.import_template import template_workbook
from shequ.places.models import Place, PlaceKind
from shequ.places.selectors import import_city
from shequ.residents.models import Resident
from tests.residents.factories import ResidentFactory
from tests.residents.sheets import write_csv, write_xlsx

HEADER = [
    "区县代码", "区县", "街道代码", "街道", "街道类型", "社区代码", "社区", "社区类型",
    "网格代码", "网格", "小区代码", "小区", "小区类型", "无物业", "楼栋代码", "楼栋",
    "单元", "房号",
]  # fmt: skip


def row(
    district=("620102000000", "城关区"),
    street=("620102001000", "和平街道", ""),
    community=("620102001001", "和平社区", ""),
    grid=("", "1网格"),
    compound=("HP-C01", "和平1号家属院", "", "否"),
    building=("", "1号楼"),
    unit="1",
    room="101",
) -> list[str]:
    return [*district, *street, *community, *grid, *compound, *building, unit, room]


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def import_places(user, path: Path, **options):
    with translation.override("en"), path.open("rb") as fh:
        job = import_job_create(
            actor=user,
            kind="places",
            upload=fh,
            filename=path.name,
            place=import_city(user),
            options=options,
            enqueue=False,
        )
    return run_import(job.pk)


def lanzhou_rows() -> list[list[str]]:
    town = ("620102100000", "青石镇", "镇")
    return [
        HEADER,
        row(room="101"),
        row(room="102"),
        row(unit="2", room="101"),
        row(street=town, community=("620102100201", "红星村", "村"), grid=("", "一组网格"),
            compound=("HX-Y03", "红星村三组", "院落", "是"), building=("", "3组1号"),
            unit="", room="1"),
        # A village named only: its word from the name's end.
        row(street=town, community=("620102100202", "东岭村", ""), grid=("", ""),
            compound=("", "", "", ""), building=("", ""), unit="", room=""),
    ]  # fmt: skip


def tree() -> list[tuple]:
    return list(
        Place.objects.exclude(kind=PlaceKind.CITY)
        .order_by("code")
        .values_list("pk", "code", "name", "kind", "level_word", "parent__code", "path", "depth")
    )


def test_a_city_with_towns_and_villages_is_loaded_and_shown_with_their_words(
    personas, city, tmp_path, client
):
    job = import_places(personas.hq, write_xlsx(tmp_path / "p.xlsx", lanzhou_rows()))
    assert job.status == ImportStatus.DONE, list(job.row_errors.values_list("reason", flat=True))
    assert job.created == 5
    town = Place.objects.get(code="620102100000")
    assert (town.kind, town.level_word, town.parent.code) == ("street", "town", "620102000000")
    village = Place.objects.get(code="620102100202")
    assert (village.kind, village.level_word) == ("community", "village")
    courtyard = Place.objects.get(code="HX-Y03")
    assert courtyard.level_word == "courtyard"
    assert courtyard.no_property_management
    flats = Place.objects.filter(
        kind=PlaceKind.HOUSEHOLD, parent__name="1号楼", code__startswith="HP"
    ).values_list("name", flat=True)
    assert sorted(flats) == ["1单元101室", "1单元102室", "2单元101室"]
    for place in Place.objects.filter(code__startswith="6201").select_related("parent"):
        assert place.path == f"{place.parent.path}{place.pk}/"
        assert place.depth == place.parent.depth + 1
    # The pages name the level with its own word: the town's page, and its district's list.
    client.force_login(personas.hq)
    page = client.get(reverse("places:detail", args=[town.pk])).content.decode()
    assert '<span class="sq-badge">镇</span>' in page
    listing = client.get(reverse("places:detail", args=[town.parent.pk])).content.decode()
    assert "<small>镇 · 620102100000</small>" in listing
    assert "<small>街道 · 620102001000</small>" in listing
    village_page = client.get(reverse("places:detail", args=[town.pk])).content.decode()
    assert "<small>村 · 620102100201</small>" in village_page
    with translation.override("zh-hans"):
        assert town.level_label() == "镇"
        assert village.level_label() == "村"
        assert Place.objects.get(code="620102001000").level_label() == "街道"
    with translation.override("en"):
        assert town.level_label() == "Town"
        assert village.level_label() == "Village"


def test_importing_the_same_sheet_again_changes_nothing(personas, city, tmp_path):
    path = write_csv(tmp_path / "p.csv", lanzhou_rows())
    import_places(personas.hq, path)
    before = tree()
    again = import_places(personas.hq, path)
    assert again.status == ImportStatus.DONE
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert tree() == before
    assert not AuditEvent.objects.filter(action="places.place.update").exists()


def test_a_community_moved_under_another_street_keeps_its_people_and_history(
    personas, city, tmp_path, client
):
    import_places(personas.hq, write_xlsx(tmp_path / "p.xlsx", lanzhou_rows()))
    community = Place.objects.get(code="620102001001")
    household = Place.objects.get(name="1单元101室", parent__name="1号楼")
    resident = ResidentFactory(household=household)
    other = ("620102002000", "东风街道", "")
    moved = [
        HEADER,
        row(street=other, community=("620102001001", "和平新社区", "")),
        row(street=other, community=("620102001001", "和平新社区", ""), room="102"),
    ]
    # The community keeps its national code; its new street's code is not its prefix, so
    # the sheet uses the city's own code for the street instead.
    moved = [HEADER] + [[*r[:2], "HP-S2", "东风街道", "", *r[5:]] for r in moved[1:]]
    job = import_places(personas.hq, write_xlsx(tmp_path / "moved.xlsx", moved))
    assert job.status == ImportStatus.DONE, list(job.row_errors.values_list("reason", flat=True))
    community.refresh_from_db()
    assert community.parent.code == "HP-S2"
    assert community.name == "和平新社区"
    household.refresh_from_db()
    assert household.path.startswith(community.path)
    assert household.depth == 7
    assert household.path == f"{community.path}{household.path[len(community.path) :]}"
    resident.refresh_from_db()
    assert resident.household_id == household.pk
    event = AuditEvent.objects.get(action="places.place.update", object_id=str(community.pk))
    assert event.changes["parent"] == ["620102001000", "HP-S2"]
    assert event.changes["name"] == ["和平社区", "和平新社区"]
    client.force_login(personas.hq)
    page = client.get(reverse("places:detail", args=[community.pk])).content.decode()
    assert "由 和平社区 改名为 和平新社区" in page
    assert "由 620102001000 下移至 HP-S2 下" in page
    # The street it left is still there, with nothing deleted.
    assert Place.objects.filter(code="620102001000").exists()


def errors(job) -> list[tuple[int, str, str]]:
    return list(job.row_errors.order_by("row", "id").values_list("row", "column", "reason"))


def test_every_kind_of_bad_row_is_named_and_nothing_is_written(personas, city, tmp_path):
    before = tree()
    rows = [
        HEADER,
        row(),  # 2: good
        row(community=("", "无码社区", ""), room="201"),  # 3: missing code
        row(community=("62010200100", "短码社区", ""), room="301"),  # 4: 11 digits
        row(community=("620103001009", "错区社区", ""), room="302"),  # 5: not under its street
        row(street=("620102001000", "和平街道", "区"), room="401"),  # 6: unknown level word
        row(community=("620102001001", "和平社区", ""), street=("HP-S9", "X街道", ""),
            room="501"),  # 7: the same community under another street
        row(community=("620102001001", "改名社区", ""), room="601"),  # 8: same code, other name
        row(building=("", "楼" * 101), room="701"),  # 9: name too long
        row(building=("", ""), unit="", room="801"),  # 10: room without building
        row(grid=("", ""), room="901"),  # 11: compound without its grid
        row(compound=("HP-C01", "和平1号家属院", "", "也许"), room="902"),  # 12: yes or no?
        row(),  # 13: the same household again
    ]  # fmt: skip
    job = import_places(personas.hq, write_xlsx(tmp_path / "bad.xlsx", rows))
    assert job.status == ImportStatus.REFUSED
    found = errors(job)
    by_row = {}
    for number, column, reason in found:
        by_row.setdefault(number, []).append((column, reason))
    assert [c for c, _r in by_row[3]] == ["社区代码"]
    assert "12 digits" in by_row[4][0][1]
    assert "does not lie under 620102001000" in by_row[5][0][1]
    assert by_row[6][0][0] == "街道类型"
    assert "Unknown level word" in by_row[6][0][1]
    assert "puts 620102001001 under 620102001000" in by_row[7][-1][1]
    assert "one code, one name" in by_row[8][0][1]
    assert by_row[9][0][0] == "楼栋"
    assert "100 characters" in by_row[9][0][1]
    assert by_row[10][0][0] == "房号"
    assert "needs its building" in by_row[10][0][1]
    assert by_row[11][0][0] == "网格"
    assert "needs its Grid" in by_row[11][0][1]
    assert by_row[12][0][0] == "无物业"
    assert "already appears in row 2" in by_row[13][0][1]
    assert 2 in by_row  # the first copy of the repeated household is named too
    assert tree() == before


def test_a_code_already_used_by_another_kind_of_place_is_refused(personas, city, tmp_path):
    rows = [HEADER, row(community=("KA", "甲社区", ""))]  # KA is a compound of the city
    job = import_places(personas.hq, write_xlsx(tmp_path / "p.xlsx", rows))
    assert job.status == ImportStatus.REFUSED
    assert "already the Compound 甲小区" in errors(job)[0][2]


@pytest.mark.parametrize("who", ["district", "street", "staff_a", "outsider"])
def test_only_the_city_hq_may_import_places(personas, city, who, client):
    user = getattr(personas, who)
    with pytest.raises(PermissionDenied):
        import_city(user)
    client.force_login(user)
    assert client.get(reverse("places:import")).status_code == 403
    assert client.get(reverse("places:import_template")).status_code == 403


def test_a_queued_import_of_a_user_who_lost_hq_is_refused(personas, city, tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", lanzhou_rows())
    with path.open("rb") as fh:
        job = import_job_create(
            actor=personas.street,
            kind="places",
            upload=fh,
            filename="p.xlsx",
            place=city.c,
            enqueue=False,
        )
    job = run_import(job.pk)
    assert job.status == ImportStatus.REFUSED
    assert not Place.objects.filter(code="620102000000").exists()


def test_the_page_lists_the_columns_and_offers_the_template(personas, city, client, tmp_path):
    client.force_login(personas.hq)
    page = client.get(reverse("places:import"))
    assert page.status_code == 200
    text = page.content.decode()
    for label in ("区县代码", "街道类型", "社区类型", "小区类型", "无物业", "房号"):
        assert label in text
    template = client.get(reverse("places:import_template"))
    path = tmp_path / "template.xlsx"
    path.write_bytes(template.content)
    sheet = load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    # The template's example rows import as they are.
    job = import_places(personas.hq, path)
    assert job.status == ImportStatus.DONE, errors(job)
    assert Place.objects.get(code="629901100201").level_word == "village"
    assert template_workbook()[:2] == b"PK"


def test_the_api_queues_an_import_for_the_hq_and_refuses_others(personas, city, client, tmp_path):
    path = write_csv(tmp_path / "p.csv", lanzhou_rows())
    client.force_login(personas.street)
    with path.open("rb") as fh:
        refused = client.post("/api/v1/places/import", {"file": fh})
    assert refused.status_code == 403
    client.force_login(personas.hq)
    with path.open("rb") as fh:
        answer = client.post("/api/v1/places/import", {"file": fh, "dry_run": "true"})
    assert answer.status_code == 202
    job_id = answer.json()["id"]
    run_import(job_id)
    status = client.get(f"/api/v1/places/import/{job_id}").json()
    assert status["status"] == "done"
    assert status["created"] == 5
    assert not status["saved"]
    assert not Place.objects.filter(code="620102000000").exists()  # a dry run


def test_residents_are_never_lost_when_their_building_moves(personas, city, tmp_path):
    import_places(personas.hq, write_xlsx(tmp_path / "p.xlsx", lanzhou_rows()))
    building = Place.objects.get(code="HP-C01-1号楼")
    people = [ResidentFactory(household=h) for h in building.children.all()]
    # The compound moves to another grid of the same community.
    moved = [HEADER, row(grid=("", "2网格"))]
    job = import_places(personas.hq, write_xlsx(tmp_path / "m.xlsx", moved))
    assert job.status == ImportStatus.DONE, errors(job)
    compound = Place.objects.get(code="HP-C01")
    assert compound.parent.name == "2网格"
    assert Resident.objects.filter(household__path__startswith=compound.path).count() == len(people)
