"""Nothing a sheet holds is merged, dropped or left unreported: units keep flats apart, every
column is either read (and said what as) or reported ignored, every check runs on every row,
and the command runs as the login it is told to, never as the whole city by default."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shequ.core import imports
from shequ.core.models import ImportStatus
from shequ.places import services as place_services
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import Resident
from tests.residents.factories import ResidentFactory, id_number, phone
from tests.residents.sheets import write_csv, write_xlsx
from tests.residents.test_import import errors_of, import_file, run_cli

ZHANG = id_number(dt.date(1980, 5, 17), seq=13)
LI = id_number(dt.date(1952, 11, 2), seq=24)
WANG = id_number(dt.date(2001, 2, 3), seq=35)
HEADER = ["姓名", "证件号码", "小区", "楼栋", "单元", "房号"]


def households_of(building: Place) -> dict[str, str]:
    return dict(
        Place.objects.filter(parent=building, kind=PlaceKind.HOUSEHOLD).values_list("code", "name")
    )


# --- units ------------------------------------------------------------------------------------


def test_the_same_flat_number_in_two_units_makes_two_households(personas, city, tmp_path):
    rows = [HEADER, ["张三", ZHANG, "甲小区", "2号楼", "1", "801"],
            ["李四", LI, "甲小区", "2号楼", "3单元", "801"]]  # fmt: skip
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.DONE, list(job.row_errors.values_list("reason", flat=True))
    zhang, li = Resident.objects.get(name="张三"), Resident.objects.get(name="李四")
    assert zhang.household != li.household
    assert (zhang.household.unit, zhang.household.name) == ("1", "1单元801室")
    assert (li.household.unit, li.household.name) == ("3", "3单元801室")
    assert households_of(city.ka2) == {"KA-2-U1-801": "1单元801室", "KA-2-U3-801": "3单元801室"}


@pytest.mark.parametrize("written", ["1", "1单元", "01", "一单元", "Unit 1"])
def test_a_unit_is_read_however_it_is_written(personas, city, tmp_path, written):
    place_services.place_create(
        actor=None, kind=PlaceKind.HOUSEHOLD, code="KA-2-U1-801", name="801", unit="1",
        parent=city.ka2,
    )  # fmt: skip
    rows = [HEADER, ["张三", ZHANG, "甲小区", "2号楼", written, "801室"]]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.DONE
    assert Resident.objects.get().household.code == "KA-2-U1-801"
    assert len(households_of(city.ka2)) == 1


def test_a_room_that_says_its_unit_is_the_same_household_as_unit_and_room_columns(
    personas, city, tmp_path
):
    with_unit = [HEADER, ["张三", ZHANG, "甲小区", "2号楼", "1", "801"]]
    import_file(personas.staff_a, write_csv(tmp_path / "a.csv", with_unit))
    in_room = [["姓名", "证件号码", "楼栋", "房号"], ["李四", LI, "2号楼", "1单元801室"]]
    job = import_file(personas.staff_a, write_csv(tmp_path / "b.csv", in_room))
    assert job.status == ImportStatus.DONE, list(job.row_errors.values_list("reason", flat=True))
    assert (
        Resident.objects.get(name="李四").household == Resident.objects.get(name="张三").household
    )
    assert households_of(city.ka2) == {"KA-2-U1-801": "1单元801室"}


def test_a_flat_without_its_unit_in_a_building_with_units_is_refused(personas, city, tmp_path):
    for unit in ("1", "3"):
        place_services.place_create(
            actor=None, kind=PlaceKind.HOUSEHOLD, code=f"KA-2-U{unit}-801", name="801",
            unit=unit, parent=city.ka2,
        )  # fmt: skip
    rows = [["姓名", "证件号码", "楼栋", "房号"], ["张三", ZHANG, "2号楼", "801"]]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.REFUSED
    [error] = job.row_errors.all()
    assert (error.row, error.column) == (2, "单元")
    assert "unit" in error.reason
    assert not Resident.objects.exists()


def test_an_import_with_units_is_idempotent(personas, city, tmp_path):
    rows = [HEADER, ["张三", ZHANG, "甲小区", "2号楼", "1", "801"],
            ["李四", LI, "甲小区", "2号楼", "3", "801"]]  # fmt: skip
    path = write_csv(tmp_path / "r.csv", rows)
    import_file(personas.staff_a, path)
    again = import_file(personas.staff_a, path)
    assert again.summary() == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    assert len(households_of(city.ka2)) == 2


def test_moving_to_another_unit_is_an_update_not_a_merge(personas, city, tmp_path):
    first = [HEADER, ["张三", ZHANG, "甲小区", "2号楼", "1", "801"]]
    import_file(personas.staff_a, write_csv(tmp_path / "a.csv", first))
    moved = [HEADER, ["张三", ZHANG, "甲小区", "2号楼", "2", "801"]]
    job = import_file(personas.staff_a, write_csv(tmp_path / "b.csv", moved))
    assert job.summary()["updated"] == 1
    assert Resident.objects.get().household.name == "2单元801室"


# --- every column read or reported -----------------------------------------------------------


def test_a_column_the_importer_does_not_know_is_reported_not_dropped(personas, city, tmp_path):
    rows = [["姓名", "身份证号", "户编码", "民族", "联系电话"],
            ["张三", ZHANG, "KA-1-101", "汉", phone(1)]]  # fmt: skip
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows), dry_run=True)
    assert job.status == ImportStatus.DONE
    columns = job.options["columns"]
    assert [(c["header"], c["because"]) for c in columns["ignored"]] == [("民族", "")]
    assert {c["header"]: c["column"] for c in columns["read"]} == {
        "姓名": "姓名",
        "身份证号": "证件号码",
        "户编码": "户编码",
        "联系电话": "手机号码",
    }


def test_the_job_page_says_how_each_column_was_read_and_which_were_ignored(
    personas, city, login, tmp_path
):
    rows = [["姓名", "身份证号码", "户编码", "民族"], ["张三", ZHANG, "KA-1-101", "汉"]]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows), dry_run=True)
    html = login(personas.staff_a).get(f"/residents/import/{job.pk}/").content.decode()
    ignored = html.split('data-testid="ignored"', 1)[1].split("</", 1)[0]
    assert "民族" in ignored
    read = html.split('data-testid="columns"', 1)[1].split("</table>", 1)[0]
    assert "身份证号码" in read
    assert "证件号码" in read


def test_the_api_job_lists_the_columns(personas, city, client, tmp_path):
    from shequ.core import services as core_services

    rows = [["姓名", "身份证号码", "户编码", "民族"], ["张三", ZHANG, "KA-1-101", "汉"]]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows), dry_run=True)
    _token, secret = core_services.api_token_create(actor=None, user=personas.staff_a, name="t")
    body = client.get(
        f"/api/v1/residents/import/{job.pk}", headers={"Authorization": f"Bearer {secret}"}
    ).json()
    assert body["columns"]["ignored"] == [{"header": "民族", "because": "", "column": ""}]
    assert {"header": "身份证号码", "field": "document_number", "column": "证件号码"} in body[
        "columns"
    ]["read"]


def test_the_command_dry_run_says_what_each_column_was_read_as(personas, city, tmp_path):
    rows = [["姓名", "身份证号码", "户编码", "民族"], ["张三", ZHANG, "KA-1-101", "汉"]]
    path = write_csv(tmp_path / "r.csv", rows)
    result = run_cli("import", "residents", str(path), "--user", "staff_a", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "身份证号码 → 证件号码" in result.stdout
    assert "民族" in result.stdout
    assert "ignored" in result.stdout
    as_json = run_cli("import", "residents", str(path), "--user", "staff_a", "--dry-run", "--json")
    summary = json.loads(as_json.stdout)
    assert summary["columns"]["ignored"][0]["header"] == "民族"


@pytest.mark.parametrize(
    "header",
    [
        ["姓名", "性别", "出生日期", "身份证号", "手机号", "小区", "楼栋", "单元", "门牌号"],
        ["姓名", "性别", "出生日期", "身份证号码", "手机号码", "小区", "楼号", "单元号", "房号"],
        ["姓名", "性别", "出生日期", "证件号码", "联系电话", "小区", "楼栋", "单元", "室"],
        ["姓名", "性别", "出生日期", "证件号码", "电话", "小区", "楼栋", "单元号", "房间号"],
    ],
)
def test_the_column_names_real_sheets_use_are_read(personas, city, tmp_path, header):
    rows = [header, ["张三", "男", "1980-05-17", ZHANG, phone(1), "甲小区", "2号楼", "2", "301"]]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.DONE, list(job.row_errors.values_list("reason", flat=True))
    assert job.options["columns"]["ignored"] == []
    zhang = Resident.objects.get()
    assert (zhang.phone, zhang.gender, zhang.birth_date) == (phone(1), "male", dt.date(1980, 5, 17))
    assert zhang.household.name == "2单元301室"


def test_a_second_column_for_the_same_field_is_reported_ignored(personas, city, tmp_path):
    rows = [["姓名", "证件号码", "户编码", "电话", "手机号码"],
            ["张三", ZHANG, "KA-1-101", "0931-1234567", phone(1)]]  # fmt: skip
    job = import_file(personas.staff_a, write_xlsx(tmp_path / "r.xlsx", rows))
    assert job.status == ImportStatus.DONE
    assert Resident.objects.get().phone == phone(1)  # the column named as the template names it
    [ignored] = job.options["columns"]["ignored"]
    assert (ignored["header"], ignored["column"]) == ("电话", "手机号码")


def test_a_missing_required_column_names_the_columns_it_did_not_recognise(personas, city, tmp_path):
    rows = [["姓名", "身份号", "户编码"], ["张三", ZHANG, "KA-1-101"]]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.REFUSED
    assert "证件号码" in job.message
    assert "身份号" in job.message


# --- every check on every row ----------------------------------------------------------------


def test_the_second_copy_of_a_number_is_reported_even_when_the_first_has_another_error(
    personas, city, tmp_path
):
    rows = [["姓名", "性别", "证件号码", "户编码"],
            ["张三", "?", ZHANG, "KA-1-101"],
            ["张三丰", "男", ZHANG, "KA-1-102"]]  # fmt: skip
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert errors_of(job) == [(2, "性别"), (2, "证件号码"), (3, "证件号码")]
    assert "row 3" in job.row_errors.get(row=2, column="证件号码").reason
    assert "row 2" in job.row_errors.get(row=3).reason
    assert job.rejected == 2


def test_a_copy_with_another_error_after_a_good_first_row_is_reported_and_not_counted(
    personas, city, tmp_path, monkeypatch
):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 1)
    rows = [["姓名", "性别", "证件号码", "户编码"],
            ["张三", "男", ZHANG, "KA-1-101"],
            ["李四", "女", LI, "KA-1-101"],
            ["张三丰", "?", ZHANG, "KA-1-102"]]  # fmt: skip
    path = write_csv(tmp_path / "r.csv", rows)
    job = import_file(personas.staff_a, path, skip_invalid=True, dry_run=True)
    assert errors_of(job) == [(2, "证件号码"), (4, "性别"), (4, "证件号码")]
    assert job.summary() == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 2}
    landed = import_file(personas.staff_a, path, skip_invalid=True)
    assert landed.summary() == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 2}
    assert list(Resident.objects.values_list("name", flat=True)) == ["李四"]


def test_three_copies_of_a_refused_number_name_the_first_once(personas, city, tmp_path):
    rows = [["姓名", "性别", "证件号码", "户编码"],
            ["张三", "?", ZHANG, "KA-1-101"],
            ["张三", "男", ZHANG, "KA-1-101"],
            ["张三", "男", ZHANG, "KA-1-101"]]  # fmt: skip
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert errors_of(job) == [(2, "性别"), (2, "证件号码"), (3, "证件号码"), (4, "证件号码")]


def test_a_row_with_a_bad_field_still_has_its_household_checked(personas, city, tmp_path):
    rows = [["姓名", "性别", "证件号码", "户编码"], ["张三", "?", ZHANG, "NOPE-1"]]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert errors_of(job) == [(2, "性别"), (2, "户编码")]


def test_a_row_with_a_bad_field_still_has_its_registration_elsewhere_checked(
    personas, city, tmp_path
):
    ResidentFactory(household=city.hb1, name="王五", document_number=WANG)
    rows = [["姓名", "性别", "证件号码", "户编码"], ["王五", "?", WANG, "KA-1-101"]]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert errors_of(job) == [(2, "性别"), (2, "证件号码")]
    assert "do not cover" in job.row_errors.get(column="证件号码").reason


# --- the command line runs as someone ---------------------------------------------------------


def test_the_import_command_without_user_refuses_and_names_the_option(personas, city, tmp_path):
    path = write_csv(tmp_path / "r.csv", [HEADER, ["张三", ZHANG, "甲小区", "1号楼", "", "101"]])
    result = run_cli("import", "residents", str(path))
    assert result.exit_code == 2
    assert "--user is required" in result.output
    assert not Resident.objects.exists()
    assert not imports.ImportJob.objects.exists()


def test_the_import_command_refuses_an_unknown_user(personas, city, tmp_path):
    path = write_csv(tmp_path / "r.csv", [HEADER, ["张三", ZHANG, "甲小区", "1号楼", "", "101"]])
    result = run_cli("import", "residents", str(path), "--user", "nobody")
    assert result.exit_code == 2
    assert "nobody" in result.output
    assert not Resident.objects.exists()


def test_forming_teams_without_user_refuses_and_names_the_option(personas, city):
    # With exactly one city HQ login (personas.hq) the command used to run as that login.
    result = run_cli("teams", "form", "--order", "1")
    assert result.exit_code == 2
    assert "--user is required" in result.output
