"""Notices: who may write to which place, the resident pages (published only, of the
compound's places), opens counted once per device a day, versions, attachments, SMS per
place, staff inboxes and their read marks, the poster, every bad input."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from PIL import Image

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import Notification
from shequ.notices import selectors, services
from shequ.notices.models import NoticeStatus, NoticeText, TextStatus
from shequ.notices.texts import send_notice_texts
from shequ.residents.models import Resident

pytestmark = pytest.mark.django_db


def _notice(actor, place, **kw):
    fields = {"title": "核酸检测告知书", "body": "明天7点在北门做核酸。"} | kw
    return services.notice_create(actor=actor, place=place, **fields)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def var(tmp_path):
    with override_settings(VAR_DIR=tmp_path):
        yield tmp_path


# --- scope -----------------------------------------------------------------------------------


def test_a_community_worker_cannot_publish_to_the_street(personas, city):
    with pytest.raises(PermissionDenied):
        _notice(personas.staff_a, city.s1)


def test_a_community_worker_writes_to_their_own_compound_and_building(personas, city):
    assert _notice(personas.staff_a, city.ka).place == city.ka
    assert _notice(personas.staff_a, city.ka1).place == city.ka1


def test_a_street_officer_writes_to_the_street_but_not_to_the_next_one(personas, city):
    assert _notice(personas.street, city.s1).status == NoticeStatus.DRAFT
    with pytest.raises(PermissionDenied):
        _notice(personas.street, city.s2)


def test_a_cadre_publishes_nothing(personas, city, login):
    with pytest.raises(PermissionDenied):
        _notice(personas.cadre, city.a)
    assert login(personas.cadre).get("/notices/").status_code == 403


def test_another_community_s_notice_is_not_found(personas, city, login):
    notice = _notice(personas.staff_b, city.b)
    assert login(personas.staff_a).get(f"/notices/{notice.pk}/").status_code == 404
    assert not selectors.notices_for(personas.staff_a).filter(pk=notice.pk).exists()


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "长" * 101}, "title"),
        ({"body": ""}, "body"),
        ({"to_public": False}, "channels"),
    ],
)
def test_bad_input_is_refused_naming_the_field(personas, city, fields, field):
    with pytest.raises(ValidationError) as exc:
        _notice(personas.staff_a, city.a, **fields)
    assert field in exc.value.errors


def test_the_editor_keeps_the_input_and_names_the_field(personas, city, login):
    response = login(personas.staff_a).post(
        "/notices/new/", {"place": city.a.pk, "title": "", "body": "保留这段话", "to_public": "on"}
    )
    assert response.status_code == 400
    assert "保留这段话" in response.content.decode()
    assert "sq-field-error" in response.content.decode()


def test_the_editor_refuses_a_place_that_is_not_theirs(personas, city, login):
    response = login(personas.staff_a).post(
        "/notices/new/", {"place": city.b.pk, "title": "t", "body": "b", "to_public": "on"}
    )
    assert response.status_code in (400, 403)
    assert not selectors.notices_for(personas.hq).exists()


def test_a_file_too_large_or_of_the_wrong_type_is_refused(personas, city, var):
    notice = _notice(personas.staff_a, city.a)
    with pytest.raises(ValidationError) as exc:
        services.notice_attach(
            actor=personas.staff_a, notice=notice, upload=io.BytesIO(b"%PDF-" + b"x" * 6 * 2**20)
        )
    assert "5 MB" in exc.value.errors["attachment"]
    with pytest.raises(ValidationError) as exc:
        services.notice_attach(
            actor=personas.staff_a, notice=notice, upload=io.BytesIO(b"MZ\x90\x00 an exe")
        )
    assert "PDF" in exc.value.errors["attachment"]
    assert not selectors.attachments_of(notice).exists()


def test_a_pdf_and_an_image_are_attached_sealed_and_read_back(personas, city, var, login):
    notice = _notice(personas.staff_a, city.a)
    client = login(personas.staff_a)
    upload = SimpleUploadedFile("map.png", _png(), content_type="image/png")
    response = client.post(f"/notices/{notice.pk}/", {"action": "attach", "attachment": upload})
    assert response.status_code == 302
    pdf = services.notice_attach(
        actor=personas.staff_a, notice=notice, upload=io.BytesIO(b"%PDF-1.4 rest"), name="a.pdf"
    )
    [stored] = [p for p in (var / "notices").iterdir() if p.name == pdf.path]
    assert b"%PDF" not in stored.read_bytes()  # sealed, not kept in clear
    answer = client.get(f"/notices/{notice.pk}/files/{pdf.pk}/")
    assert answer.status_code == 200
    assert answer.content == b"%PDF-1.4 rest"
    assert answer["Content-Type"] == "application/pdf"
    # Residents read the files of a published notice only.
    assert Client().get(f"/n/{notice.token}/f/{pdf.pk}/").status_code == 404
    services.notice_publish(actor=personas.staff_a, notice=notice)
    assert Client().get(f"/n/{notice.token}/f/{pdf.pk}/").content == b"%PDF-1.4 rest"


# --- residents' pages -----------------------------------------------------------------------


def test_the_compound_page_shows_only_published_notices_of_its_places(personas, city):
    mine = _notice(personas.street, city.s1, title="街道通知")
    building = _notice(personas.staff_a, city.ka1, title="1号楼通知")
    draft = _notice(personas.staff_a, city.ka, title="草稿不应出现")
    other = _notice(personas.staff_b, city.kb, title="乙小区通知")
    gone = _notice(personas.staff_a, city.a, title="已撤回通知")
    for n in (mine, building, other, gone):
        services.notice_publish(actor=n.created_by, notice=n)
    services.notice_withdraw(actor=personas.staff_a, notice=gone)
    page = Client().get(f"/h/{city.ka.code}/").content.decode()
    assert "街道通知" in page
    assert "1号楼通知" in page
    assert "草稿不应出现" not in page
    assert "乙小区通知" not in page
    assert "已撤回通知" not in page
    assert draft.status == NoticeStatus.DRAFT


def test_the_resident_page_shows_a_published_notice_and_nothing_else(personas, city):
    notice = _notice(personas.staff_a, city.a)
    assert Client().get(f"/n/{notice.token}/").status_code == 404  # a draft
    services.notice_publish(actor=personas.staff_a, notice=notice)
    response = Client().get(f"/n/{notice.token}/")
    assert response.status_code == 200
    assert "明天7点在北门做核酸" in response.content.decode()
    services.notice_withdraw(actor=personas.staff_a, notice=notice)
    assert Client().get(f"/n/{notice.token}/").status_code == 404


def test_a_reload_is_not_counted_twice_but_another_phone_is(personas, city):
    notice = _notice(personas.staff_a, city.a)
    services.notice_publish(actor=personas.staff_a, notice=notice)
    phone = Client()
    for _ in range(3):
        assert phone.get(f"/n/{notice.token}/").status_code == 200
    Client().get(f"/n/{notice.token}/")
    notice.refresh_from_db()
    assert notice.opens == 2


# --- versions ------------------------------------------------------------------------------


def test_editing_a_published_notice_keeps_each_version(personas, city, login):
    notice = _notice(personas.staff_a, city.a)
    services.notice_edit(actor=personas.staff_a, notice=notice, title="草稿改", body="草稿正文")
    assert not selectors.versions_of(notice).exists()  # a draft keeps no versions
    services.notice_publish(actor=personas.staff_a, notice=notice)
    services.notice_edit(actor=personas.staff_a, notice=notice, title="时间改为8点", body="8点开始")
    versions = list(selectors.versions_of(notice))
    assert [(v.number, v.title) for v in versions] == [(2, "时间改为8点"), (1, "草稿改")]
    page = login(personas.staff_a).get(f"/notices/{notice.pk}/").content.decode()
    assert "v1" in page
    assert "v2" in page
    assert "8点开始" in Client().get(f"/n/{notice.token}/").content.decode()


def test_a_notice_is_published_once_and_a_withdrawn_one_is_not_edited(personas, city):
    notice = _notice(personas.staff_a, city.a)
    services.notice_publish(actor=personas.staff_a, notice=notice)
    with pytest.raises(ValidationError):
        services.notice_publish(actor=personas.staff_a, notice=notice)
    services.notice_withdraw(actor=personas.staff_a, notice=notice)
    with pytest.raises(ValidationError) as exc:
        services.notice_edit(actor=personas.staff_a, notice=notice, title="x", body="y")
    assert "status" in exc.value.errors


# --- channels ------------------------------------------------------------------------------


def _resident(household, name, phone):
    return Resident.objects.create(
        name=name, household=household, document_number=f"doc-{name}", phone=phone
    )


def test_sms_goes_to_each_phone_in_the_place_once_and_is_counted(personas, city, outbox):
    _resident(city.ha1, "甲", "13900000001")
    _resident(city.ha1, "乙", "13900000001")  # the household's shared phone: one text
    _resident(city.ha2, "丙", "13900000002")
    _resident(city.ha2, "丁", "")  # no phone
    _resident(city.hb1, "戊", "13900000003")  # another community
    notice = _notice(personas.staff_a, city.a, to_sms=True)
    published = services.notice_publish(actor=personas.staff_a, notice=notice)
    assert published.texts_queued == 2
    assert send_notice_texts() == 2
    assert send_notice_texts() == 0  # none twice
    assert sorted(t.phone for t in outbox) == ["13900000001", "13900000002"]
    assert notice.token in outbox[0].text
    assert selectors.texts_sent(notice) == 2


def test_a_withdrawn_notice_sends_no_more_texts(personas, city, outbox):
    _resident(city.ha1, "甲", "13900000001")
    notice = _notice(personas.staff_a, city.a, to_sms=True)
    services.notice_publish(actor=personas.staff_a, notice=notice)
    services.notice_withdraw(actor=personas.staff_a, notice=notice)
    assert send_notice_texts() == 0
    assert not outbox
    assert not NoticeText.objects.filter(status=TextStatus.QUEUED).exists()


@override_settings(NOTICES_SMS_MAX=1)
def test_a_place_with_more_phones_than_the_cap_is_refused(personas, city):
    _resident(city.ha1, "甲", "13900000001")
    _resident(city.ha2, "丙", "13900000002")
    notice = _notice(personas.staff_a, city.a, to_sms=True)
    with pytest.raises(ValidationError) as exc:
        services.notice_publish(actor=personas.staff_a, notice=notice)
    assert "channels" in exc.value.errors
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DRAFT
    assert not NoticeText.objects.exists()


def test_staff_within_the_place_get_it_in_their_inbox_and_reads_are_counted(personas, city, login):
    notice = _notice(personas.street, city.s1, to_staff=True)
    published = services.notice_publish(actor=personas.street, notice=notice)
    told = set(Notification.objects.filter(kind="notice").values_list("user__username", flat=True))
    assert told == {"staff_a", "cadre"}  # bound inside the street; not the HQ, not B
    assert published.staff_told == 2
    note = Notification.objects.get(user=personas.cadre, kind="notice")
    login(personas.cadre).get(f"/inbox/{note.pk}/")
    rows = list(selectors.notices_for(personas.street))
    selectors.inbox_opens(rows)
    assert rows[0].inbox_read == 1


def test_the_poster_is_an_a4_pdf(personas, city, login):
    notice = _notice(personas.staff_a, city.a)
    response = login(personas.staff_a).get(f"/notices/{notice.pk}/poster.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_list_and_its_excel(personas, city, login):
    _notice(personas.staff_a, city.a, title="=HYPERLINK(1)")
    client = login(personas.staff_a)
    assert "=HYPERLINK(1)" in client.get("/notices/").content.decode()
    sheet = client.get("/notices/?format=xlsx")
    assert sheet.status_code == 200
    assert sheet.content[:2] == b"PK"


def test_the_api_writes_publishes_and_refuses_another_place(personas, city, api):
    staff = api(personas.staff_a)
    created = staff.post(
        "/api/v1/notices/notices",
        {"place_id": city.a.pk, "title": "API通知", "body": "正文", "to_staff": True},
    )
    assert created.status_code == 200, created.content
    notice_id = created.json()["id"]
    published = staff.post(f"/api/v1/notices/notices/{notice_id}/publish")
    assert published.json()["status"] == "published"
    cadre = api(personas.cadre).post(
        "/api/v1/notices/notices", {"place_id": city.a.pk, "title": "t", "body": "b"}
    )
    assert cadre.status_code == 403  # the cadre sees the community but publishes nothing
    unseen = staff.post(
        "/api/v1/notices/notices", {"place_id": city.b.pk, "title": "t", "body": "b"}
    )
    assert unseen.status_code == 404
    empty = staff.post("/api/v1/notices/notices", {"place_id": city.a.pk, "title": "", "body": "b"})
    assert empty.status_code == 400
    assert empty.json()["errors"][0]["field"] == "title"
    assert api(personas.staff_b).get(f"/api/v1/notices/notices/{notice_id}").status_code == 404


def test_the_editor_s_messages_are_in_the_user_s_language(personas, city, client, login):
    login(personas.staff_a)
    posted = {"place": city.a.pk, "title": "", "body": "", "to_public": "on"}
    chinese = client.post("/notices/new/", posted).content.decode()
    assert "请填写告知标题" in chinese
    assert "请填写告知内容" in chinese
    client.cookies["shequ_language"] = "en"
    english = client.post("/notices/new/", posted, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Give the notice a title." in english


def test_the_editor_takes_a_building_by_its_code(personas, city, login):
    response = login(personas.staff_a).post(
        "/notices/new/",
        {"place_code": city.ka1.code, "title": "1号楼停水", "body": "明天停水", "to_public": "on"},
    )
    assert response.status_code == 302
    assert selectors.notices_for(personas.staff_a).get().place == city.ka1
