"""Date and time inputs show and keep their value in both languages.

A browser's `<input type="date">` reads only ISO values (`1985-03-12`); given `1985/03/12`
(Django's Chinese input format) it shows an empty field, and saving the form erased the date.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import re

import pytest
from django import forms
from django.utils import timezone, translation

import shequ
from shequ.duty.models import Roster
from shequ.mobilization.models import Need
from tests.duty import conftest as duty_conftest
from tests.duty.helpers import run_roster_jobs
from tests.residents.factories import ResidentFactory
from tests.web.forms_in_pages import read_form

duty = duty_conftest.duty  # community A with posts and people on duty

LANGUAGES = ["zh-hans", "en"]
KNOWN = {
    forms.DateTimeField: dt.datetime(2025, 3, 12, 8, 30),  # made aware in the city's zone
    forms.DateField: dt.date(1985, 3, 12),
    forms.TimeField: dt.time(8, 30),
}
ISO = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "time": re.compile(r"^\d{2}:\d{2}(:\d{2})?$"),
    "datetime-local": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$"),
}


def _modules() -> list[str]:
    """Every forms module and every module of views (where a form may be defined too)."""
    names = []
    for info in pkgutil.walk_packages(shequ.__path__, "shequ."):
        last = info.name.rsplit(".", 1)[-1]
        if last in {"forms", "views"} or last.endswith("_views"):
            names.append(info.name)
    return names


def _date_forms() -> list[tuple[type[forms.BaseForm], list[str]]]:
    found = []
    for name in _modules():
        module = importlib.import_module(name)
        for cls in vars(module).values():
            if not (inspect.isclass(cls) and issubclass(cls, forms.BaseForm)):
                continue
            if cls.__module__ != name:
                continue
            dated = [
                field_name
                for field_name, field in cls.base_fields.items()
                if isinstance(field, tuple(KNOWN))
            ]
            if dated:
                found.append((cls, dated))
    return found


def _known(field: forms.Field):
    for kind in (forms.DateTimeField, forms.DateField, forms.TimeField):
        if isinstance(field, kind):
            value = KNOWN[kind]
            return timezone.make_aware(value) if kind is forms.DateTimeField else value
    raise AssertionError(field)


DATE_FORMS = _date_forms()


def test_the_forms_with_dates_are_all_found():
    names = {cls.__name__ for cls, _fields in DATE_FORMS}
    # The forms the issue named, so the walk cannot silently find nothing.
    assert {"ResidentForm", "GenerateForm", "PostForm", "NeedForm", "StatusForm"} <= names
    assert len(DATE_FORMS) >= 10


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("form_class", "field_names"), DATE_FORMS, ids=[c.__name__ for c, _f in DATE_FORMS]
)
def test_every_date_or_time_input_shows_and_keeps_an_iso_value(form_class, field_names, language):
    with translation.override(language):
        initial = {name: _known(form_class.base_fields[name]) for name in field_names}
        form = form_class(initial=initial)
        for name in field_names:
            html = str(form[name])
            kind = re.search(r'type="([^"]+)"', html).group(1)
            assert kind in ISO, f"{form_class.__name__}.{name} renders type={kind!r}"
            value = re.search(r'value="([^"]*)"', html)
            assert value is not None, f"{form_class.__name__}.{name} shows no value: {html}"
            assert ISO[kind].match(value.group(1)), (
                f"{form_class.__name__}.{name} shows {value.group(1)!r} in {language}"
            )
            # The browser sends back what it shows.
            again = form_class(data={name: value.group(1)})
            again.is_valid()
            assert name not in again.errors, again.errors[name]
            assert again.cleaned_data[name] == initial[name]


# --- the pages the issue named ---------------------------------------------------------------


def _language(client, language: str) -> None:
    client.cookies["shequ_language"] = language


@pytest.mark.parametrize("language", LANGUAGES)
def test_editing_a_resident_keeps_the_birth_date(personas, city, login, language):
    resident = ResidentFactory(name="王五", household=city.ha1, birth_date=dt.date(1985, 3, 12))
    client = login(personas.staff_a)
    _language(client, language)
    url = f"/residents/{resident.pk}/edit/"
    page = client.get(url)
    assert page["Content-Language"] == language
    data, inputs = read_form(page.content.decode(), action="")
    assert inputs["birth_date"]["value"] == "1985-03-12"
    data["notes"] = ["改了备注"]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    resident.refresh_from_db()
    assert resident.notes == "改了备注"
    assert resident.birth_date == dt.date(1985, 3, 12)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_roster_form_on_the_duty_page_keeps_its_first_day(
    personas, city, duty, login, language
):
    client = login(personas.staff_a)
    _language(client, language)
    page = client.get("/duty/")
    data, inputs = read_form(page.content.decode(), action="/duty/rosters/new/")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert inputs["starts_on"]["value"] == tomorrow.isoformat()
    data["place"] = [str(city.a.pk)]
    response = client.post("/duty/rosters/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    run_roster_jobs()  # the page only queues the roster; the worker makes it
    assert Roster.objects.get(place=city.a).starts_on == tomorrow


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_needs_form_keeps_its_dates_when_shown_again(personas, city, login, language):
    client = login(personas.street)
    _language(client, language)
    starts, ends = timezone.localdate(), timezone.localdate() + dt.timedelta(days=6)
    bad = {
        "community": city.a.pk,
        "people_per_day": 0,  # refused: the form comes back with the dates as typed
        "starts_on": starts.isoformat(),
        "ends_on": ends.isoformat(),
    }
    again = client.post("/mobilization/needs/", bad)
    assert again.status_code == 200
    data, inputs = read_form(again.content.decode(), action="")
    assert (inputs["starts_on"]["value"], inputs["ends_on"]["value"]) == (
        starts.isoformat(),
        ends.isoformat(),
    )
    data["people_per_day"] = ["5"]
    response = client.post("/mobilization/needs/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    need = Need.objects.get(community=city.a)
    assert (need.starts_on, need.ends_on) == (starts, ends)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_patrol_findings_due_day_is_kept_when_its_follow_up_is_saved_again(
    personas, city, login, language
):
    from shequ.patrols import services as patrol_services

    due = timezone.localdate() + dt.timedelta(days=2)
    finding = patrol_services.finding_record(
        actor=personas.cadre, place=city.ka, kind="crowd", note="聚集",
        assignee=personas.staff_a, due_on=due,
    )  # fmt: skip
    client = login(personas.staff_a)
    _language(client, language)
    page = client.get(f"/patrols/findings/{finding.pk}/").content.decode()
    data, inputs = read_form(page, action="")
    assert inputs["due_on"]["value"] == due.isoformat()
    response = client.post(f"/patrols/findings/{finding.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    finding.refresh_from_db()
    assert (finding.due_on, finding.assignee) == (due, personas.staff_a)
