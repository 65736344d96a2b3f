"""`shequ init` on an empty database (and its refusal on one that holds data), and
`shequ import places`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shequ.cli import app
from shequ.core.models import AuditEvent, RoleAssignment, User
from shequ.core.roles import Role
from shequ.places.models import Place, PlaceKind
from tests.places.test_import_places import lanzhou_rows
from tests.residents.sheets import write_xlsx

runner = CliRunner()
PASSWORD = "lanzhou-hq-2026-strong"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def test_init_creates_the_city_and_its_first_hq_login_and_says_what_next(db, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD + "\n")
    result = runner.invoke(
        app,
        ["init", "--city", "兰州市", "--code", "620100", "--admin", "lz_hq", "--password-file",
         str(secret)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    city = Place.objects.get(kind=PlaceKind.CITY)
    assert (city.name, city.code, city.path, city.depth) == ("兰州市", "620100", f"/{city.pk}/", 0)
    user = User.objects.get(username="lz_hq")
    assert user.check_password(PASSWORD)
    assert RoleAssignment.objects.filter(user=user, role=Role.CITY_HQ, place=city).exists()
    assert "lz_hq" in result.output
    assert "shequ import places" in result.output
    assert "shequ serve" in result.output
    assert PASSWORD not in result.output
    # Each of its writes is audited (city_init is made of audited services).
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"core.user.create", "core.role.grant"} <= actions
    assert AuditEvent.objects.filter(object_id=str(city.pk)).exists()


def test_init_asks_for_the_password_twice_without_echoing_it(db):
    result = runner.invoke(
        app, ["init", "--city", "兰州市", "--code", "620100"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert User.objects.get(username="hq").check_password(PASSWORD)


def test_init_takes_the_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("SHEQU_ADMIN_PASSWORD", PASSWORD)
    result = runner.invoke(app, ["init", "--city", "兰州市", "--code", "620100"])
    assert result.exit_code == 0, result.output
    assert User.objects.get(username="hq").check_password(PASSWORD)


def test_init_refuses_a_weak_password_and_creates_nothing(db, monkeypatch):
    monkeypatch.setenv("SHEQU_ADMIN_PASSWORD", "123")
    result = runner.invoke(app, ["init", "--city", "兰州市", "--code", "620100"])
    assert result.exit_code == 2
    assert "password" in result.output
    assert not Place.objects.exists()
    assert not User.objects.exists()


def test_a_second_init_is_refused_and_changes_nothing(city, monkeypatch):
    monkeypatch.setenv("SHEQU_ADMIN_PASSWORD", PASSWORD)
    before = (Place.objects.count(), User.objects.count())
    result = runner.invoke(app, ["init", "--city", "兰州市", "--code", "620100"])
    assert result.exit_code == 1
    assert "测试市" in result.output
    assert "空数据库" in result.output  # the default language: zh-hans
    assert (Place.objects.count(), User.objects.count()) == before
    assert not Place.objects.filter(code="620100").exists()


def test_the_places_command_imports_a_sheet_for_the_hq(personas, city, tmp_path):
    path = write_xlsx(tmp_path / "places.xlsx", lanzhou_rows())
    result = runner.invoke(app, ["import", "places", str(path), "--user", "hq", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["status"] == "done"
    assert summary["created"] == 5
    assert Place.objects.get(code="620102100000").level_word == "town"
    again = runner.invoke(app, ["import", "places", str(path), "--user", "hq"])
    assert again.exit_code == 0
    assert "created 0, updated 0, unchanged 5" in again.output


def test_the_places_command_refuses_anyone_but_the_hq(personas, city, tmp_path):
    path = write_xlsx(tmp_path / "places.xlsx", lanzhou_rows())
    result = runner.invoke(app, ["import", "places", str(path), "--user", "street"])
    assert result.exit_code == 2
    assert "city HQ" in result.output or "市指挥部" in result.output
    assert not Place.objects.filter(code="620102000000").exists()


def test_the_template_command_writes_examples_that_import_under_a_new_city(db, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD)
    runner.invoke(
        app, ["init", "--city", "兰州市", "--code", "620100", "--password-file", str(secret)]
    )
    path = tmp_path / "places.xlsx"
    result = runner.invoke(app, ["import", "places-template", str(path)])
    assert result.exit_code == 0, result.output
    again = runner.invoke(app, ["import", "places-template", str(path)])
    assert again.exit_code == 2  # never overwrites a file
    imported = runner.invoke(app, ["import", "places", str(path), "--user", "hq", "--json"])
    assert imported.exit_code == 0, imported.output
    village = Place.objects.get(name="红星村")
    assert village.code == "620199100201"  # district 99 of 兰州市 (6201…)
    assert village.level_label() in ("村", "Village")
