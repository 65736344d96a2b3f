"""Registering a resident picks compound → building → unit → flat instead of typing a
household code: the lists hold only the places where the user may register residents, the
form works without JavaScript (the "show" button sends it back with every value kept), and
shequ.js refills the lists from the JSON of /residents/address-choices/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import translation

from shequ.places.models import PlaceKind
from shequ.residents.models import Resident
from tests.conftest import make_place
from tests.residents.factories import ResidentFactory, id_number

LI = id_number(dt.date(1952, 11, 2), seq=24)


def browser_form(**values) -> dict:
    """What a browser sends for the form (an <input type=date> sends ISO dates)."""
    return {
        "name": "李四",
        "gender": "female",
        "birth_date": "1952-11-02",
        "document_type": "resident_id",
        "document_number": LI,
        "phone": "",
        "compound": "",
        "building": "",
        "unit": "",
        "household": "",
        "relation": "head",
        "occupancy": "owner",
        "notes": "",
        **values,
    }


def options(html: str, name: str) -> list[str]:
    """The labels of a <select name=...>'s options, the blank one left out."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return [
        label.strip()
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select[1])
        if value
    ]


def field_block(html: str, name: str) -> str:
    """The field's <div class="sq-field…"> with its label, input and messages."""
    start = html.index(f'name="{name}"')
    return html[html.rindex('<div class="sq-field', 0, start) : html.index("</div>", start)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_registering_without_javascript_step_by_step(personas, city, client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(personas.staff_a)
    first = client.get("/residents/new/").content.decode()
    assert options(first, "compound") == ["甲小区"]  # not 乙小区 of community B
    with translation.override(language):
        assert translation.gettext("Where the resident lives") in first
    assert options(first, "building") == []
    # Compound picked, "show" pressed: the buildings come, every value typed stays, no error.
    step = client.post("/residents/new/", browser_form(compound=city.ka.pk, pick="1"))
    html = step.content.decode()
    assert step.status_code == 200
    assert options(html, "building") == ["1号楼", "2号楼"]
    assert 'value="李四"' in html
    assert f'value="{LI}"' in html
    assert 'value="1952-11-02"' in html
    assert "sq-field-error" not in html
    assert not Resident.objects.exists()
    step = client.post(
        "/residents/new/", browser_form(compound=city.ka.pk, building=city.ka1.pk, pick="1")
    )
    assert options(step.content.decode(), "household") == ["101室", "102室"]
    done = client.post(
        "/residents/new/",
        browser_form(compound=city.ka.pk, building=city.ka1.pk, household=city.ha2.pk),
    )
    assert done.status_code == 302
    resident = Resident.objects.get()
    assert resident.household == city.ha2
    assert resident.birth_date == dt.date(1952, 11, 2)
    page = client.get(done["Location"]).content.decode()
    assert 'data-testid="address">甲小区 1号楼 102室<' in page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_flat_outside_the_users_places_is_refused_next_to_the_flat_field(
    personas, city, client, language
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(personas.staff_a)
    response = client.post(
        "/residents/new/",
        browser_form(compound=city.ka.pk, building=city.ka1.pk, household=city.hb1.pk),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert not Resident.objects.exists()
    block = field_block(html, "household")
    assert "sq-field-error" in block
    with translation.override(language):
        assert translation.gettext("Flat") in block
        assert (
            translation.gettext(
                "This flat is not among the places where you may register residents, or not "
                "in the chosen building: choose it from the list."
            )
            in block
        )
    assert 'value="李四"' in html  # the input is kept
    # Another community's compound is no choice either.
    tampered = client.post(
        "/residents/new/",
        browser_form(compound=city.kb.pk, building=city.kb1.pk, household=city.hb1.pk),
    )
    assert "sq-field-error" in field_block(tampered.content.decode(), "compound")
    assert not Resident.objects.exists()


def test_units_narrow_the_flats(personas, city, login):
    b = make_place(PlaceKind.BUILDING, "KA-5", "5号楼", city.ka)
    one = make_place(PlaceKind.HOUSEHOLD, "KA-5-U1-101", "1单元101室", b, unit="1")
    two = make_place(PlaceKind.HOUSEHOLD, "KA-5-U2-101", "2单元101室", b, unit="2")
    client = login(personas.staff_a)
    url = "/residents/address-choices/"
    data = client.get(url, {"compound": city.ka.pk, "building": b.pk}).json()
    assert data["unit"] == [["1", "1"], ["2", "2"]]
    assert [label for _v, label in data["household"]] == ["1单元101室", "2单元101室"]
    data = client.get(url, {"compound": city.ka.pk, "building": b.pk, "unit": "2"}).json()
    assert data["household"] == [[str(two.pk), "2单元101室"]]
    # The page's own form picks the unit's flat the same way, and saves into it.
    step = client.post(
        "/residents/new/",
        browser_form(compound=city.ka.pk, building=b.pk, unit="1", pick="1"),
    )
    assert options(step.content.decode(), "household") == ["1单元101室"]
    done = client.post(
        "/residents/new/",
        browser_form(compound=city.ka.pk, building=b.pk, unit="1", household=one.pk),
    )
    assert done.status_code == 302
    assert Resident.objects.get().household == one


def test_the_json_lists_only_the_users_places(personas, city, login):
    client = login(personas.staff_a)
    url = "/residents/address-choices/"
    data = client.get(url, {"compound": city.ka.pk}).json()
    assert [label for _v, label in data["building"]] == ["1号楼", "2号楼"]
    assert [label for _v, label in data["compound"]] == ["甲小区"]
    assert client.get(url, {"compound": city.kb.pk}).json()["building"] == []
    flats = client.get(url, {"compound": city.kb.pk, "building": city.kb1.pk}).json()
    assert flats["household"] == []
    assert login(personas.cadre).get(url).status_code == 403


def test_a_street_officer_sees_which_community_each_compound_is_in(personas, city, login):
    html = login(personas.street).get("/residents/new/").content.decode()
    assert options(html, "compound") == ["甲社区 甲小区"]


def test_a_flats_page_link_starts_with_the_flat_picked(personas, city, login):
    html = login(personas.staff_a).get(f"/residents/new/?household={city.ha2.pk}")
    html = html.content.decode()
    assert re.search(rf'<option value="{city.ha2.pk}" selected>102室</option>', html)
    assert re.search(rf'<option value="{city.ka1.pk}" selected>1号楼</option>', html)


def test_the_edit_form_shows_the_residents_flat_picked(personas, city, login):
    resident = ResidentFactory(household=city.ha1, name="张三")
    html = login(personas.staff_a).get(f"/residents/{resident.pk}/edit/").content.decode()
    assert re.search(rf'<option value="{city.ha1.pk}" selected>101室</option>', html)
    assert options(html, "household") == ["101室", "102室"]


def test_the_resident_list_and_page_say_the_address_not_the_code(personas, city, login):
    resident = ResidentFactory(household=city.ha1, name="张三")
    staff = login(personas.staff_a).get("/residents/").content.decode()
    assert 'data-testid="address">甲小区 1号楼 101室<' in staff
    street = login(personas.street).get("/residents/").content.decode()
    assert 'data-testid="address">甲社区 甲小区 1号楼 101室<' in street
    page = login(personas.staff_a).get(f"/residents/{resident.pk}/").content.decode()
    assert 'data-testid="address">甲小区 1号楼 101室<' in page
    assert page.index("甲小区 1号楼 101室") < page.index(city.ha1.code)  # the code: small print
