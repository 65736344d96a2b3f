from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from shequ.places.models import ZoneDesignation, ZoneLevel
from shequ.places.services import zone_set


def test_the_tree_starts_at_the_top_of_the_users_scope(personas, city, login):
    page = login(personas.street).get("/places/").content.decode()
    assert "一街道" in page
    assert "二街道" not in page
    assert "东区" not in page


def test_searching_the_tree_finds_only_places_in_scope(personas, city, login):
    page = login(personas.street).get("/places/", {"q": "小区"}).content.decode()
    assert "甲小区" in page
    assert "乙小区" not in page


def test_search_by_kind_lists_the_kind(personas, city, login):
    page = login(personas.hq).get("/places/", {"kind": "compound"}).content.decode()
    assert "甲小区" in page
    assert "乙小区" in page
    assert "1号楼" not in page


def test_the_tree_search_answers_htmx_with_only_the_results(personas, city, login):
    response = login(personas.hq).get("/places/", {"q": "甲"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="results"' in html
    assert "甲小区" in html
    assert "<html" not in html
    full = login(personas.hq).get("/places/", {"q": "甲"}).content.decode()
    assert "<html" in full
    assert 'id="results"' in full


def test_a_user_with_no_role_is_told_they_cover_no_place(personas, city, login):
    response = login(personas.outsider).get("/places/")
    assert response.status_code == 200
    assert 'data-testid="empty"' in response.content.decode()
    assert "测试市" not in response.content.decode()


def test_another_streets_compound_page_is_404(personas, city, login):
    client = login(personas.street)
    assert client.get(f"/places/{city.kb.pk}/").status_code == 404
    assert client.get(f"/places/{city.kb.pk}/zone/").status_code == 404
    assert client.post(f"/places/{city.kb.pk}/zone/lift/").status_code == 404


def test_the_compound_page_shows_buildings_flag_and_zone_history(personas, city, login):
    zone_set(
        actor=personas.street,
        place=city.ka,
        level=ZoneLevel.CONTROL,
        starts_at=timezone.now() - timedelta(days=2),
        reason="周边阳性",
    )
    zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.LOCKDOWN)
    page = login(personas.staff_a).get(f"/places/{city.ka.pk}/").content.decode()
    assert "1号楼" in page
    assert "2号楼" in page
    assert 'data-testid="zone-history"' in page
    assert page.count("sq-zone-lockdown") >= 2  # the heading badge and the history row
    assert "sq-zone-control" in page
    assert "周边阳性" in page
    assert "sq-flag" in page  # no property management


def test_a_household_page_shows_the_zone_of_its_building(personas, city, login):
    zone_set(actor=personas.street, place=city.ka1, level=ZoneLevel.LOCKDOWN)
    page = login(personas.staff_a).get(f"/places/{city.ha1.pk}/").content.decode()
    assert "sq-zone-lockdown" in page


def test_setting_a_zone_asks_for_confirmation_first(personas, city, login):
    client = login(personas.street)
    form = {"level": "lockdown", "starts_at": "2026-11-20T08:00", "ends_at": "", "reason": "阳性"}
    confirm = client.post(f"/places/{city.ka.pk}/zone/", form)
    assert confirm.status_code == 200
    assert 'data-testid="confirm-text"' in confirm.content.decode()
    assert not ZoneDesignation.objects.exists()
    done = client.post(f"/places/{city.ka.pk}/zone/", {**form, "confirm": "yes"})
    assert done.status_code == 302
    designation = ZoneDesignation.objects.get()
    assert designation.level == ZoneLevel.LOCKDOWN
    assert (
        timezone.localtime(designation.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-11-20 08:00"
    )
    assert designation.set_by == personas.street


def test_back_to_edit_returns_to_the_form_with_the_input(personas, city, login):
    form = {"level": "control", "starts_at": "2026-11-20T08:00", "reason": "复核", "confirm": "no"}
    page = login(personas.street).post(f"/places/{city.ka.pk}/zone/", form).content.decode()
    assert 'value="复核"' in page
    assert 'value="2026-11-20T08:00"' in page
    assert not ZoneDesignation.objects.exists()


def test_a_bad_zone_form_keeps_the_input_and_marks_the_field(personas, city, login):
    form = {
        "level": "control",
        "starts_at": "2026-11-20T08:00",
        "ends_at": "2026-11-19T08:00",
        "reason": "复核",
        "confirm": "yes",
    }
    response = login(personas.street).post(f"/places/{city.ka.pk}/zone/", form)
    page = response.content.decode()
    assert response.status_code == 200
    assert "sq-field-error" in page
    assert 'value="复核"' in page
    assert 'value="2026-11-19T08:00"' in page
    assert not ZoneDesignation.objects.exists()


def test_an_empty_start_means_the_moment_of_confirming(personas, city, login):
    form = {"level": "control", "starts_at": "", "confirm": "yes"}
    before = timezone.now()
    response = login(personas.street).post(f"/places/{city.ka.pk}/zone/", form)
    assert response.status_code == 302
    assert ZoneDesignation.objects.get().starts_at >= before.replace(microsecond=0)


def test_an_unreadable_start_is_marked_on_the_form(personas, city, login):
    form = {"level": "control", "starts_at": "tomorrow-ish", "confirm": "yes"}
    page = login(personas.street).post(f"/places/{city.ka.pk}/zone/", form).content.decode()
    assert "sq-field-error" in page
    assert 'value="tomorrow-ish"' in page
    assert not ZoneDesignation.objects.exists()


def test_a_building_page_warns_that_the_compounds_stricter_zone_still_applies(
    personas, city, login
):
    zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.LOCKDOWN)
    client = login(personas.street)
    form = {"level": "precaution", "starts_at": ""}
    page = client.post(f"/places/{city.ka1.pk}/zone/", form).content.decode()
    assert 'data-testid="above"' in page
    client.post(f"/places/{city.ka1.pk}/zone/", {**form, "confirm": "yes"})
    building = client.get(f"/places/{city.ka1.pk}/").content.decode()
    assert "/zone/lift/" in building  # the building's own zone can be lifted
    assert "sq-zone-lockdown" in building  # while the compound's lockdown still governs


def test_going_back_to_a_searched_list_restores_the_whole_page(personas, city, login):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    page = login(personas.hq).get("/places/", {"q": "甲"}, headers=headers)
    assert "<html" in page.content.decode()
    assert "HX-Request" in page["Vary"]


def test_community_staff_get_403_on_the_zone_form_and_see_no_button(personas, city, login):
    client = login(personas.staff_a)
    assert client.get(f"/places/{city.ka.pk}/zone/").status_code == 403
    assert "/zone/" not in client.get(f"/places/{city.ka.pk}/").content.decode()


def test_lifting_a_zone_from_the_page(personas, city, login):
    zone_set(
        actor=personas.street,
        place=city.ka,
        level=ZoneLevel.LOCKDOWN,
        starts_at=timezone.now() - timedelta(hours=1),
    )
    response = login(personas.street).post(f"/places/{city.ka.pk}/zone/lift/")
    assert response.status_code == 302
    assert ZoneDesignation.objects.get().ends_at is not None


def test_the_children_list_paginates(personas, city, login, settings):
    settings.PAGE_SIZE = 1
    client = login(personas.hq)
    first = client.get(f"/places/{city.ka.pk}/").content.decode()
    second = client.get(f"/places/{city.ka.pk}/", {"page": 2}).content.decode()
    assert "1号楼" in first
    assert "2号楼" not in first
    assert "2号楼" in second
    assert 'rel="next"' in first
