"""The help pages as people use them: open a request, claim it, deliver; the queue, my tasks,
figures and their Excel; bad input keeps what was typed and says which field."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from shequ.assistance import services
from shequ.assistance.models import HelpKind, HelpRequest, HelpStatus
from tests.assistance.conftest import open_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_staff_open_a_request_from_the_form(personas, city, login):
    client = login(personas.staff_a)
    response = client.post(
        "/help/new/",
        {"household": "KA-1-101", "kind": "water", "details": "两桶水", "channel": "hotline"},
    )
    created = HelpRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/help/{created.pk}/"
    assert created.household == city.ha1


def test_a_wrong_household_keeps_the_input_and_names_the_field(personas, city, login):
    client = login(personas.staff_a)
    response = client.post(
        "/help/new/",
        {"household": "KB-1-101", "kind": "water", "details": "送药到门口", "channel": "hotline"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "No household with this code where you may open help requests." in html
    assert "送药到门口" in html
    assert HelpRequest.objects.count() == 0


def test_a_cadre_claims_sets_off_and_delivers_on_the_request_page(personas, city, login):
    request = open_request(personas.staff_a, city.ha1)
    client = login(personas.cadre)
    page = client.get(f"/help/{request.pk}/").content.decode()
    assert 'data-testid="claim"' in page
    for step in ("claim", "set_off", "deliver"):
        assert client.post(f"/help/{request.pk}/", {"do": step}).status_code == 302
    request.refresh_from_db()
    assert request.status == HelpStatus.DELIVERED
    timeline = client.get(f"/help/{request.pk}/").content.decode()
    assert "Delivered" in timeline
    assert "On the way" in timeline


def test_a_claim_someone_else_took_says_who(personas, city, login, helpers):
    request = open_request(personas.staff_a, city.ha1)
    services.help_claim(actor=helpers.cadre2, request=request)
    response = login(personas.cadre).post(f"/help/{request.pk}/", {"do": "claim"})
    assert response.status_code == 200
    assert "Already claimed by cadre2." in response.content.decode()


def test_closing_without_a_reason_says_so(personas, city, login):
    request = open_request(personas.staff_a, city.ha1)
    response = login(personas.staff_a).post(f"/help/{request.pk}/", {"do": "close"})
    assert "Say why" in response.content.decode()
    request.refresh_from_db()
    assert request.status == HelpStatus.NEW


def test_a_cadre_of_b_gets_404_for_a_request_of_a(personas, city, login, helpers):
    request = open_request(personas.staff_a, city.ha1)
    assert login(helpers.cadre_b).get(f"/help/{request.pk}/").status_code == 404
    assert login(helpers.cadre_b).post(f"/help/{request.pk}/", {"do": "claim"}).status_code == 404


def test_the_queue_lists_and_exports_only_what_the_user_sees(personas, city, login):
    open_request(personas.staff_a, city.ha1, details="甲的水")
    open_request(personas.staff_b, city.hb1, details="乙的水")
    client = login(personas.cadre)
    html = client.get("/help/").content.decode()
    assert "甲社区" in html
    assert "乙社区" not in html
    sheet = load_workbook(io.BytesIO(client.get("/help/?format=xlsx").content)).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "甲的水" in cells
    assert "乙的水" not in cells


def test_the_queue_refuses_a_role_without_help_requests(personas, login):
    assert login(personas.coordinator).get("/help/").status_code == 403


def test_my_tasks_show_doors_grouped_by_building(personas, city, login):
    for household in (city.ha1, city.ha2):
        services.help_claim(actor=personas.cadre, request=open_request(personas.staff_a, household))
    html = login(personas.cadre).get("/help/mine/").content.decode()
    assert html.count('data-testid="building"') == 1
    assert "101室" in html
    assert "102室" in html


def test_figures_count_per_community_with_a_chart_and_excel(personas, city, login):
    done = open_request(personas.staff_a, city.ha1)
    services.help_claim(actor=personas.cadre, request=done)
    services.help_deliver(actor=personas.cadre, request=done)
    open_request(personas.staff_a, city.ha2, "medical")
    client = login(personas.street)
    html = client.get("/help/figures/").content.decode()
    assert 'data-testid="chart"' in html
    assert "甲社区" in html
    sheet = load_workbook(io.BytesIO(client.get("/help/figures/?format=xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:5] == ("甲社区", "All", 2, 1, 0)
    street = client.get("/help/figures/?level=street").content.decode()
    assert "一街道" in street


def test_the_queue_export_writes_a_formula_like_request_as_text(personas, city, login):
    hostile = '=HYPERLINK("http://x","y")'
    open_request(personas.staff_a, city.ha1, details=hostile)
    content = login(personas.staff_a).get("/help/?format=xlsx").content
    sheet = load_workbook(io.BytesIO(content)).active
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == hostile)
    assert cell.data_type == "s"  # text, not a formula


def test_the_request_page_speaks_chinese(personas, city, client):
    from django.conf import settings

    request = open_request(personas.staff_a, city.ha1, HelpKind.MEDICAL)
    client.force_login(personas.cadre)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    text = client.get(f"/help/{request.pk}/").content.decode()
    assert "就医或送医" in text
    assert "我来" in text
    assert "进度" in text


def test_the_receipt_photo_opens_for_those_who_see_the_request(
    personas, city, login, helpers, settings, tmp_path
):
    from decimal import Decimal

    from PIL import Image

    settings.VAR_DIR = tmp_path
    request = open_request(personas.staff_a, city.ha1)
    services.help_claim(actor=personas.cadre, request=request)
    photo = io.BytesIO()
    Image.new("RGB", (4, 4)).save(photo, "JPEG")
    photo.seek(0)
    photo.name = "receipt.jpg"
    response = login(personas.cadre).post(
        f"/help/{request.pk}/", {"do": "purchase", "amount": "12.50", "receipt": photo}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.amount == Decimal("12.50")
    shown = login(personas.staff_a).get(f"/help/{request.pk}/receipt/")
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/jpeg"
    assert shown.content == photo.getvalue()
    assert login(helpers.cadre_b).get(f"/help/{request.pk}/receipt/").status_code == 404


def test_a_purchase_without_an_amount_keeps_the_form_and_says_so(personas, city, login):
    request = open_request(personas.staff_a, city.ha1)
    services.help_claim(actor=personas.cadre, request=request)
    response = login(personas.cadre).post(f"/help/{request.pk}/", {"do": "purchase"})
    assert response.status_code == 200
    assert "Give the amount paid in yuan." in response.content.decode()


def _families(personas, city):
    from shequ.residents import services as resident_services
    from tests.mobilization.conftest import id_number

    for household, name in ((city.ha1, "张阿姨"), (city.ha2, "张大爷"), (city.hb1, "张乙")):
        resident_services.resident_create(
            actor=personas.hq, household=household, name=name, document_number=id_number(1950)
        )


def test_staff_search_a_name_without_javascript_then_pick_and_open(personas, city, login):
    _families(personas, city)
    client = login(personas.staff_a)
    form = {"kind": "medicine", "details": "胰岛素两盒", "channel": "hotline", "urgent": "on"}
    searched = client.post("/help/new/", {**form, "household": "张", "action": "search"})
    html = searched.content.decode()
    assert searched.status_code == 200
    assert "张阿姨" in html
    assert "张大爷" in html
    assert "张乙" not in html  # community B's resident is not offered
    assert "胰岛素两盒" in html  # what was typed is kept
    assert "This field is required" not in html
    assert 'role="alert"' not in html
    from shequ.residents.models import Resident

    aunt = Resident.objects.get(name="张阿姨")
    assert f'value="r{aunt.pk}"' in html
    # Submitted without a pick: it asks for one and keeps the input.
    unpicked = client.post("/help/new/", {**form, "household": "张", "action": "open"})
    assert "Pick who needs help from the list below." in unpicked.content.decode()
    assert "胰岛素两盒" in unpicked.content.decode()
    opened = client.post(
        "/help/new/", {**form, "household": "张", "pick": f"r{aunt.pk}", "action": "open"}
    )
    assert opened.status_code == 302
    created = HelpRequest.objects.get()
    assert (created.household, created.resident, created.urgent) == (city.ha1, aunt, True)


def test_a_flat_is_found_by_building_and_room_and_picked(personas, city, login):
    client = login(personas.staff_a)
    page = client.get("/help/new/", {"household": "1-102"})
    assert f'value="h{city.ha2.pk}"' in page.content.decode()
    response = client.post(
        "/help/new/",
        {
            "household": "1-102",
            "pick": f"h{city.ha2.pk}",
            "kind": "water",
            "details": "两桶水",
            "channel": "community",
        },
    )
    assert response.status_code == 302
    assert HelpRequest.objects.get().household == city.ha2


def test_a_pick_outside_the_users_places_is_refused(personas, city, login):
    client = login(personas.staff_a)
    response = client.post(
        "/help/new/",
        {
            "household": "KB",
            "pick": f"h{city.hb1.pk}",
            "kind": "water",
            "details": "两桶水",
            "channel": "community",
        },
    )
    assert response.status_code == 200
    assert "No household with this code where you may open help requests." in response.text
    assert HelpRequest.objects.count() == 0


def test_htmx_gets_only_the_matches(personas, city, login):
    _families(personas, city)
    client = login(personas.staff_a)
    response = client.get("/help/new/", {"household": "张阿"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="sq-field sq-matches" id="matches"')
    assert "张阿姨" in html
    assert "<form" not in html


def test_the_picker_speaks_chinese(personas, city, login):
    _families(personas, city)
    client = login(personas.staff_a)
    client.cookies["shequ_language"] = "zh-hans"
    html = client.post(
        "/help/new/",
        {
            "household": "张",
            "kind": "food",
            "details": "米面",
            "channel": "hotline",
            "action": "open",
        },
    ).content.decode()
    assert "请从下面的列表中选择需要帮助的人。" in html
    assert "米面" in html
    html = client.post(
        "/help/new/", {"household": "无此人", "details": "米面", "action": "search"}
    ).content.decode()
    assert "没有找到" in html
