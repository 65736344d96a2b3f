"""Every spreadsheet download writes user text as text: a person named like a formula comes
out as those characters, never as a live formula (OWASP: CSV / formula injection)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

import shequ
from shequ.core.exports import Sheet, csv_cell, csv_table, xlsx_workbook
from shequ.duty import planning
from shequ.duty.models import Post
from shequ.mobilization import services as mob_services
from shequ.mobilization.models import Staff, Team, TeamMember
from shequ.places.models import Place
from shequ.residents.selectors import import_target
from shequ.testing.ingest import swabs_batch
from tests.duty import conftest as duty_conftest
from tests.mobilization import conftest as mob_conftest
from tests.residents.factories import ResidentFactory
from tests.residents.sheets import CN_HEADER, write_csv
from tests.testing import conftest as testing_conftest

duty = duty_conftest.duty
mob = mob_conftest.mob
rnd = testing_conftest.rnd

HOSTILE = '=HYPERLINK("http://x","y")'
OTHERS = ["+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1"]


def cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_formula_and_literal(content: bytes, *texts: str) -> None:
    everything = cells(content)
    formulas = [(c.coordinate, c.value) for c in everything if c.data_type == "f"]
    assert formulas == []
    values = [c.value for c in everything]
    for text in texts:
        assert any(isinstance(v, str) and text in v for v in values), (text, values)


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def test_the_missed_list_writes_a_formula_like_name_as_text(personas, rnd, city, login):
    ResidentFactory(name=HOSTILE, household=city.ha1)
    swabs_batch(
        actor=personas.staff_a, items=[testing_conftest.swab(rnd, "T1", r) for r in rnd.a[:2]]
    )
    response = login(personas.staff_a).get(
        f"/outreach/rounds/{rnd.round.pk}/missed.xlsx", {"building": city.ka1.pk}
    )
    assert response.status_code == 200
    assert_no_formula_and_literal(response.content, HOSTILE)
    names = [c.value for c in cells(response.content) if c.column == 3]
    assert HOSTILE in names


def test_the_roster_writes_formula_like_posts_and_names_as_text(personas, city, duty, login):
    Post.objects.filter(pk=duty.gate.pk).update(name=HOSTILE)
    Staff.objects.filter(pk__in=[p.pk for p in duty.people]).update(name=OTHERS[0])
    roster = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=duty.tomorrow, days=2
    )
    response = login(personas.staff_a).get(f"/duty/rosters/{roster.pk}/roster.xlsx")
    assert response.status_code == 200
    assert_no_formula_and_literal(response.content, HOSTILE, OTHERS[0])
    assert HOSTILE in [c.value for c in cells(response.content)]


def test_the_reported_in_list_writes_formula_like_names_as_text(personas, mob, login):
    Staff.objects.filter(pk=mob.a1.pk).update(name=HOSTILE)
    Staff.objects.filter(pk=mob.a2.pk).update(name=OTHERS[1])
    for name in ("甲一", "甲二"):
        mob_services.report_in(actor=personas.staff_a, enlistment=mob.e[name])
    response = login(personas.hq).get(f"/mobilization/orders/{mob.order.pk}/reported.xlsx")
    assert response.status_code == 200
    assert_no_formula_and_literal(response.content, HOSTILE, OTHERS[1])
    assert HOSTILE in [c.value for c in cells(response.content)]
    # The time is still the local time, as text.
    stamps = [c.value for c in cells(response.content) if c.column == 6 and c.row > 1]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", s) for s in stamps)


def test_the_teams_list_writes_formula_like_names_as_text(personas, city, mob, login):
    Staff.objects.filter(pk=mob.b1.pk).update(name=OTHERS[2])
    team = Team.objects.create(order=mob.order, number=1, leader=mob.b1, community=city.b)
    TeamMember.objects.create(team=team, order=mob.order, staff=mob.b1, is_leader=True)
    Place.objects.filter(pk=city.b.pk).update(name=HOSTILE)
    response = login(personas.hq).get(f"/mobilization/orders/{mob.order.pk}/teams.xlsx")
    assert response.status_code == 200
    assert_no_formula_and_literal(response.content, HOSTILE, OTHERS[2])
    numbers = [c for c in cells(response.content) if c.column == 1 and c.row > 1]
    assert [(c.value, c.data_type) for c in numbers] == [(1, "n")]  # numbers stay numbers


def test_the_import_problems_list_writes_what_was_typed_as_text(personas, city, login, tmp_path):
    from shequ.core.imports import import_job_create, run_import

    path = write_csv(
        tmp_path / "r.csv",
        [CN_HEADER, ["张三", HOSTILE, "", "123", OTHERS[3], "甲小区", "1号楼", "101", ""]],
    )
    with path.open("rb") as fh:
        job = import_job_create(
            actor=personas.staff_a,
            kind="residents",
            upload=fh,
            filename=path.name,
            place=import_target(personas.staff_a, ""),
            options={},
            enqueue=False,
        )
    job = run_import(job.pk)
    response = login(personas.staff_a).get(f"/residents/import/{job.pk}/errors.xlsx")
    assert response.status_code == 200
    assert_no_formula_and_literal(response.content, HOSTILE)


def test_the_helper_writes_every_kind_of_value_by_its_type():
    moment = timezone.make_aware(dt.datetime(2025, 3, 12, 8, 30))
    content = xlsx_workbook(
        Sheet("x", ["a", "b", "c", "d", "e"], [[HOSTILE, 3, True, moment, dt.date(2025, 3, 12)]])
    )
    row = [c for c in cells(content) if c.row == 2]
    assert [(c.value, c.data_type) for c in row] == [
        (HOSTILE, "s"),
        (3, "n"),
        (True, "b"),
        ("2025-03-12 08:30", "s"),
        ("2025-03-12", "s"),
    ]


@pytest.mark.parametrize("text", [HOSTILE, *OTHERS, "\r=1+1"])
def test_a_csv_cell_that_a_spreadsheet_would_run_is_neutralised(text):
    assert csv_cell(text) == "'" + text
    rows = list(csv.reader(io.StringIO(csv_table(["name"], [[text]]).decode("utf-8-sig"))))
    assert rows == [["name"], ["'" + text]]


def test_csv_keeps_plain_text_and_numbers():
    assert [csv_cell(v) for v in ("张三", -2, 1.5, None, "a=b")] == ["张三", "-2", "1.5", "", "a=b"]


def test_no_module_but_the_export_helper_writes_spreadsheets():
    root = Path(shequ.__file__).parent
    writers = re.compile(r"xlsxwriter|csv\.writer|csv\.DictWriter|openpyxl\.Workbook|Workbook\(")
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "exports.py" or path.parent.name != "core"
        if writers.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
