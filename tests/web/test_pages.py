from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings

from shequ.core.models import User
from shequ.places.models import ZoneLevel
from shequ.places.services import zone_set
from tests.conftest import PASSWORD


def test_pages_need_a_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_login_page_is_in_chinese_by_default(client, db):
    page = client.get("/login/").content.decode()
    assert 'lang="zh-hans"' in page
    assert "登录" in page


def test_a_wrong_password_says_so_and_keeps_the_login_name(client, personas):
    response = client.post("/login/", {"username": "street", "password": "nope"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "sq-error-box" in page
    assert 'value="street"' in page


def test_an_empty_login_form_marks_both_fields(client, db):
    page = client.post("/login/", {"username": "", "password": ""}).content.decode()
    assert page.count("sq-field-msg") == 2


def test_repeated_failures_lock_the_login_even_with_the_right_password(client, personas, settings):
    limit = django_settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert client.post("/login/", {"username": "street", "password": "nope"}).status_code == 200
    locked = client.post("/login/", {"username": "street", "password": "nope"})
    assert locked.status_code == 429
    again = client.post("/login/", {"username": "street", "password": PASSWORD})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_of_one_name_does_not_lock_another(client, personas):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "street", "password": "nope"})
    ok = client.post("/login/", {"username": "hq", "password": PASSWORD})
    assert ok.status_code == 302


def test_logging_in_serves_the_users_own_language(client, personas):
    response = client.post("/login/", {"username": "outsider", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/").content.decode()
    assert 'lang="en"' in page
    assert "You have no role yet" in page


def test_login_does_not_redirect_to_another_site(client, personas):
    response = client.post(
        "/login/?next=https://evil.example/", {"username": "hq", "password": PASSWORD}
    )
    assert response["Location"] == "/"


def test_switching_language_is_remembered_for_the_user(client, personas, login):
    client = login(personas.street)
    response = client.post("/language/", {"language": "en", "next": "/places/"})
    assert response["Location"] == "/places/"
    assert 'lang="en"' in client.get("/places/").content.decode()
    assert User.objects.get(pk=personas.street.pk).language == "en"
    client.post("/language/", {"language": "zh-hans"})
    page = client.get("/places/").content.decode()
    assert 'lang="zh-hans"' in page
    assert "地点" in page


def test_an_unknown_language_changes_nothing(client, personas, login):
    client = login(personas.street)
    client.post("/language/", {"language": "xx"})
    assert User.objects.get(pk=personas.street.pk).language == "zh-hans"


def test_home_counts_what_the_street_holds(personas, city, login):
    zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.LOCKDOWN)
    page = login(personas.street).get("/").content.decode()
    assert 'data-testid="count-compound">1<' in page
    assert 'data-testid="count-building">2<' in page
    assert 'data-testid="count-household">2<' in page
    assert 'data-testid="count-lockdown">1<' in page


def test_home_counts_the_whole_city_for_hq(personas, city, login):
    page = login(personas.hq).get("/").content.decode()
    assert 'data-testid="count-compound">2<' in page
    assert 'data-testid="count-household">3<' in page


def test_home_for_a_user_with_no_role_shows_nothing(personas, city, login):
    page = login(personas.outsider).get("/").content.decode()
    assert 'data-testid="no-role"' in page
    assert "count-compound" not in page


@pytest.mark.parametrize(("language", "text"), [("zh-hans", "页面不存在"), ("en", "Not found")])
def test_the_404_page_speaks_the_users_language(client, personas, login, language, text):
    client = login(personas.street)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/places/999999/")
    assert response.status_code == 404
    assert text in response.content.decode()


@pytest.mark.parametrize(("language", "text"), [("zh-hans", "无权"), ("en", "You may not")])
def test_the_403_page_speaks_the_users_language(client, personas, city, login, language, text):
    client = login(personas.staff_a)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(f"/places/{city.ka.pk}/zone/")
    assert response.status_code == 403
    assert text in response.content.decode()


def test_the_500_page_renders_in_english_and_chinese(rf, db):
    from django.utils import translation

    from shequ.web.views import server_error

    for language, text in (("en", "Something went wrong"), ("zh-hans", "出错")):
        with translation.override(language):
            request = rf.get("/")
            response = server_error(request)
        assert response.status_code == 500
        assert text in response.content.decode()


def test_the_language_chosen_on_the_login_page_is_kept_after_login(client, personas):
    # The street officer's own language is zh-hans; they switch to English before logging in.
    client.get("/login/")
    client.post("/language/", {"language": "en", "next": "/login/"})
    assert 'lang="en"' in client.get("/login/").content.decode()
    response = client.post("/login/", {"username": "street", "password": PASSWORD})
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert 'lang="en"' in client.get("/").content.decode()
    assert User.objects.get(pk=personas.street.pk).language == "en"


def test_without_a_choice_on_the_login_page_the_users_language_wins(client, personas):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"  # left by someone else
    response = client.post("/login/", {"username": "street", "password": PASSWORD})
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert User.objects.get(pk=personas.street.pk).language == "zh-hans"


def test_the_ctrl_hint_of_a_multiple_choice_is_for_desks_only(personas, city, login):
    page = login(personas.staff_a).get("/testing/rounds/new/").content.decode()
    hint = re.search(r'<small class="([^"]*)">[^<]*Ctrl', page)
    assert hint is not None
    assert "sq-desk-only" in hint.group(1).split()
    assert "手机" not in hint.group(0)
