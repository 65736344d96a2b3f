"""Pass and gate-rule pages: list, issue, a pass with its QR code and changes, rules, scope."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
import segno
from django.urls import reverse

from shequ.checkpoints import services
from shequ.checkpoints.decisions import DEFAULT_RULES
from shequ.checkpoints.forms import GateRulesForm
from shequ.checkpoints.models import EntryPass, GateRules, PassStatus
from shequ.checkpoints.passes import pass_token
from shequ.core.models import AuditEvent
from shequ.residents.models import Resident
from tests.conftest import make_place
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ha3(city):
    household = make_place("household", "KA-1-103", "103室", city.ka1)
    ResidentFactory(name="甲四", household=household)
    ResidentFactory(name="甲五", household=household)
    return household


def _field_error(html: str, field_id: str) -> str:
    """The error message shown in the field block of input `field_id` ('' if none)."""
    block = re.search(
        rf'<div class="sq-field sq-field-error">(?:(?!<div class="sq-field).)*?id="{field_id}"'
        r'(?:(?!<div class="sq-field).)*?<p class="sq-field-msg" role="alert">([^<]+)</p>',
        html,
        re.S,
    )
    return block[1] if block else ""


def _dates(today: dt.date, days: int = 30) -> dict[str, str]:
    return {
        "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days)).isoformat(),
    }


# -- list -----------------------------------------------------------------------------------


def test_list_shows_the_communitys_passes_with_holders_validity_status_and_version(
    client, login, personas, city, gates
):
    login(personas.staff_a)
    response = client.get(reverse("checkpoints:pass_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="pass"') == 2
    assert "甲一、甲二" in html
    assert "甲三" in html
    assert "乙一" not in html  # community B's pass
    assert gates.p1.valid_until.isoformat() in html
    assert reverse("checkpoints:pass_detail", args=[gates.p1.pk]) in html


def test_list_filters_by_building_status_and_text(client, login, personas, city, gates, ha3):
    services.pass_revoke(actor=personas.staff_a, entry_pass=gates.p2, reason="moved")
    login(personas.staff_a)
    url = reverse("checkpoints:pass_list")
    by_status = client.get(url, {"community": city.a.pk, "status": "revoked"}).content.decode()
    assert by_status.count('data-testid="pass"') == 1
    assert "甲三" in by_status
    assert "甲一" not in by_status
    by_holder = client.get(url, {"q": "甲二"}).content.decode()
    assert by_holder.count('data-testid="pass"') == 1
    assert reverse("checkpoints:pass_detail", args=[gates.p1.pk]) in by_holder
    by_code = client.get(url, {"q": "KA-1-102"}).content.decode()
    assert by_code.count('data-testid="pass"') == 1
    # A building chosen: its passes, its households without one, the PDF link.
    empty = client.get(url, {"building": city.ka2.pk}).content.decode()
    assert 'data-testid="pass"' not in empty
    assert 'data-testid="empty"' in empty
    ka1 = client.get(url, {"building": city.ka1.pk}).content.decode()
    assert ka1.count('data-testid="pass"') == 2
    assert reverse("checkpoints:pass_issue_household", args=[ha3.pk]) in ka1
    assert reverse("checkpoints:passes_building_pdf", args=[city.ka1.pk]) in ka1


def test_list_is_paginated_and_keeps_the_filters(client, login, personas, city, gates, settings):
    settings.PAGE_SIZE = 1
    login(personas.staff_a)
    html = client.get(reverse("checkpoints:pass_list"), {"status": "active"}).content.decode()
    assert html.count('data-testid="pass"') == 1
    assert "status=active" in html
    assert 'rel="next"' in html
    second = client.get(reverse("checkpoints:pass_list"), {"status": "active", "page": 2})
    assert second.content.decode().count('data-testid="pass"') == 1


def test_htmx_list_answers_only_the_results(client, login, personas, gates):
    login(personas.staff_a)
    response = client.get(reverse("checkpoints:pass_list"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert '<div id="results">' in html
    assert "<html" not in html
    assert 'hx-swap-oob="true"' in html  # the building choice follows the community


# -- issue ----------------------------------------------------------------------------------


def test_issue_for_a_building_creates_passes_and_skips_households_that_have_one(
    client, login, personas, city, gates, ha3
):
    login(personas.staff_a)
    before = EntryPass.objects.get(pk=gates.p1.pk)
    response = client.post(
        reverse("checkpoints:pass_issue_building"),
        {"building": city.ka1.pk, **_dates(gates.today)},
    )
    assert response.status_code == 302
    assert f"building={city.ka1.pk}" in response["Location"]
    assert EntryPass.objects.filter(household__parent=city.ka1).count() == 3
    new = EntryPass.objects.get(household=ha3)
    assert {r.name for r in new.holders.all()} == {"甲四", "甲五"}
    after = EntryPass.objects.get(pk=gates.p1.pk)
    assert (after.version, after.valid_until) == (before.version, before.valid_until)
    # Again: nothing left to issue, nothing created.
    again = client.post(
        reverse("checkpoints:pass_issue_building"),
        {"building": city.ka1.pk, **_dates(gates.today)},
    )
    assert again.status_code == 302
    assert EntryPass.objects.filter(household__parent=city.ka1).count() == 3


def test_issue_for_a_building_with_bad_dates_shows_the_error_and_issues_nothing(
    client, login, personas, city, gates, ha3
):
    login(personas.staff_a)
    response = client.post(
        reverse("checkpoints:pass_issue_building"),
        {
            "building": city.ka1.pk,
            "valid_from": gates.today.isoformat(),
            "valid_until": (gates.today - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["valid_until"]
    assert _field_error(response.content.decode(), "id_valid_until")
    # The input is kept.
    assert f'value="{gates.today.isoformat()}"' in response.content.decode()
    assert not EntryPass.objects.filter(household=ha3).exists()


def test_issue_for_a_building_without_a_building_shows_the_error(client, login, personas, gates):
    login(personas.staff_a)
    response = client.post(reverse("checkpoints:pass_issue_building"), _dates(gates.today))
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "id_building")


def test_issue_one_households_pass_with_chosen_holders(client, login, personas, gates, ha3):
    login(personas.staff_a)
    url = reverse("checkpoints:pass_issue_household", args=[ha3.pk])
    page = client.get(url).content.decode()
    assert "甲四" in page
    assert "甲五" in page
    holder = Resident.objects.filter(household=ha3).order_by("id").first()
    response = client.post(url, {"holders": [holder.pk], **_dates(gates.today)})
    assert response.status_code == 302
    p = EntryPass.objects.get(household=ha3)
    assert list(p.holders.all()) == [holder]
    assert response["Location"] == reverse("checkpoints:pass_detail", args=[p.pk])


def test_issue_one_household_without_holders_or_twice_is_refused(
    client, login, personas, city, gates, ha3
):
    login(personas.staff_a)
    url = reverse("checkpoints:pass_issue_household", args=[ha3.pk])
    response = client.post(url, _dates(gates.today))
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "id_holders_0")
    assert not EntryPass.objects.filter(household=ha3).exists()
    # A household that has a pass leads to it.
    existing = client.get(reverse("checkpoints:pass_issue_household", args=[city.ha1.pk]))
    assert existing.status_code == 302
    assert existing["Location"] == reverse("checkpoints:pass_detail", args=[gates.p1.pk])


# -- one pass -------------------------------------------------------------------------------


def test_detail_shows_holders_validity_qr_and_history(client, login, personas, gates):
    login(personas.staff_a)
    html = client.get(reverse("checkpoints:pass_detail", args=[gates.p1.pk])).content.decode()
    assert "甲一、甲二" in html
    assert gates.p1.valid_from.isoformat() in html
    assert reverse("checkpoints:pass_qr", args=[gates.p1.pk]) in html
    assert 'data-testid="history"' in html
    assert html.count("<tr><td>") == 1  # issued


def test_qr_is_the_current_token_and_changes_on_reissue(client, login, personas, gates):
    def expected(p: EntryPass) -> bytes:
        out = io.BytesIO()
        segno.make(pass_token(p.pk, p.version), error="m").save(out, kind="svg", scale=8, border=2)
        return out.getvalue()

    login(personas.staff_a)
    url = reverse("checkpoints:pass_qr", args=[gates.p1.pk])
    first = client.get(url)
    assert first["Content-Type"] == "image/svg+xml"
    assert first.content == expected(gates.p1)
    services.pass_reissue(actor=personas.staff_a, entry_pass=gates.p1)
    second = client.get(url)
    assert second.content == expected(EntryPass.objects.get(pk=gates.p1.pk))
    assert second.content != first.content


def test_revoke_without_a_reason_shows_the_error_next_to_the_field_and_changes_nothing(
    client, login, personas, gates
):
    login(personas.staff_a)
    events = AuditEvent.objects.count()
    response = client.post(
        reverse("checkpoints:pass_detail", args=[gates.p1.pk]),
        {"action": "revoke", "revoke-reason": "  "},
    )
    assert response.status_code == 400
    assert response.context["revoke_form"].errors["reason"]
    assert (
        _field_error(response.content.decode(), "id_revoke-reason")
        == (response.context["revoke_form"].errors["reason"][0])
    )
    p = EntryPass.objects.get(pk=gates.p1.pk)
    assert (p.status, p.note) == (PassStatus.ACTIVE, "")
    assert AuditEvent.objects.count() == events


def test_revoke_with_a_reason_revokes_and_says_so(client, login, personas, gates):
    login(personas.staff_a)
    url = reverse("checkpoints:pass_detail", args=[gates.p1.pk])
    response = client.post(url, {"action": "revoke", "revoke-reason": "搬走了"}, follow=True)
    assert response.redirect_chain[-1][0] == url
    p = EntryPass.objects.get(pk=gates.p1.pk)
    assert (p.status, p.note) == (PassStatus.REVOKED, "搬走了")
    html = response.content.decode()
    assert "sq-msg-success" in html
    assert 'name="revoke-reason"' not in html  # nothing left to revoke
    assert 'name="lost-note"' not in html


def test_report_lost_then_reporting_again_is_not_offered_and_refused(
    client, login, personas, gates
):
    login(personas.staff_a)
    url = reverse("checkpoints:pass_detail", args=[gates.p1.pk])
    assert client.post(url, {"action": "lost", "lost-note": ""}).status_code == 302
    assert EntryPass.objects.get(pk=gates.p1.pk).status == PassStatus.LOST
    again = client.post(url, {"action": "lost", "lost-note": ""})
    assert again.status_code == 400
    assert again.context["lost_form"].errors["__all__"]
    assert EntryPass.objects.get(pk=gates.p1.pk).status == PassStatus.LOST


def test_reissue_raises_the_version_with_an_optional_new_last_day(client, login, personas, gates):
    login(personas.staff_a)
    url = reverse("checkpoints:pass_detail", args=[gates.p1.pk])
    assert client.post(url, {"action": "reissue", "reissue-valid_until": ""}).status_code == 302
    p = EntryPass.objects.get(pk=gates.p1.pk)
    assert (p.version, p.valid_until) == (2, gates.p1.valid_until)
    new_until = gates.today + dt.timedelta(days=100)
    client.post(url, {"action": "reissue", "reissue-valid_until": new_until.isoformat()})
    p = EntryPass.objects.get(pk=gates.p1.pk)
    assert (p.version, p.valid_until) == (3, new_until)
    html = client.get(url).content.decode()
    assert html.count("<tr><td>") == 3  # issued, reissued twice


def test_reissue_with_a_bad_last_day_shows_the_error_and_keeps_the_version(
    client, login, personas, gates
):
    login(personas.staff_a)
    url = reverse("checkpoints:pass_detail", args=[gates.p1.pk])
    for bad in ["2020-01-01", "not a date", (gates.today + dt.timedelta(days=800)).isoformat()]:
        response = client.post(url, {"action": "reissue", "reissue-valid_until": bad})
        assert response.status_code == 400
        assert _field_error(response.content.decode(), "id_reissue-valid_until")
        assert f'value="{bad}"' in response.content.decode()
    assert EntryPass.objects.get(pk=gates.p1.pk).version == 1


def test_an_unknown_action_is_404(client, login, personas, gates):
    login(personas.staff_a)
    url = reverse("checkpoints:pass_detail", args=[gates.p1.pk])
    assert client.post(url, {"action": "delete"}).status_code == 404


def test_pass_actions_need_the_csrf_token(personas, gates):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.staff_a)
    url = reverse("checkpoints:pass_detail", args=[gates.p1.pk])
    response = client.post(url, {"action": "revoke", "revoke-reason": "x"})
    assert response.status_code == 403
    assert EntryPass.objects.get(pk=gates.p1.pk).status == PassStatus.ACTIVE


# -- who cannot see -------------------------------------------------------------------------


def _a_urls(city, gates) -> list[str]:
    """Every page about community A's passes and rules."""
    return [
        reverse("checkpoints:pass_list") + f"?community={city.a.pk}",
        reverse("checkpoints:pass_list") + f"?building={city.ka1.pk}",
        reverse("checkpoints:pass_issue_building") + f"?building={city.ka1.pk}",
        reverse("checkpoints:pass_issue_household", args=[city.ha1.pk]),
        reverse("checkpoints:pass_detail", args=[gates.p1.pk]),
        reverse("checkpoints:pass_qr", args=[gates.p1.pk]),
        reverse("checkpoints:passes_building_pdf", args=[city.ka1.pk]),
        reverse("checkpoints:rules", args=[city.a.pk]),
    ]


@pytest.mark.parametrize("who", ["staff_b", "cadre", "outsider", "coordinator"])
def test_every_page_of_community_a_is_closed_to_others(client, login, personas, city, gates, who):
    login(getattr(personas, who))
    for url in _a_urls(city, gates):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert "甲一" not in response.content.decode(), url


@pytest.mark.parametrize("who", ["cadre", "outsider"])
def test_list_and_issue_pages_are_403_for_roles_that_issue_no_passes(client, login, personas, who):
    login(getattr(personas, who))
    assert client.get(reverse("checkpoints:pass_list")).status_code == 403
    assert client.get(reverse("checkpoints:pass_issue_building")).status_code == 403


def test_staff_of_b_can_change_nothing_of_a(client, login, personas, city, gates, ha3):
    login(personas.staff_b)
    url = reverse("checkpoints:pass_detail", args=[gates.p1.pk])
    assert client.post(url, {"action": "revoke", "revoke-reason": "x"}).status_code == 404
    assert client.post(url, {"action": "reissue"}).status_code == 404
    issue = client.post(
        reverse("checkpoints:pass_issue_building"), {"building": city.ka1.pk, **_dates(gates.today)}
    )
    assert issue.status_code == 404
    one = client.post(
        reverse("checkpoints:pass_issue_household", args=[ha3.pk]), _dates(gates.today)
    )
    assert one.status_code == 404
    rules = client.post(reverse("checkpoints:rules", args=[city.a.pk]), {"fever_at": "37"})
    assert rules.status_code == 404
    p = EntryPass.objects.get(pk=gates.p1.pk)
    assert (p.status, p.version) == (PassStatus.ACTIVE, 1)
    assert not EntryPass.objects.filter(household=ha3).exists()
    assert not GateRules.objects.exists()
    # Their own list holds only B's pass.
    html = client.get(reverse("checkpoints:pass_list")).content.decode()
    assert html.count('data-testid="pass"') == 1
    assert "乙一" in html


def test_street_officer_and_hq_see_the_passes_of_their_places(client, login, personas, gates):
    login(personas.street)  # S1: community A only
    assert (
        client.get(reverse("checkpoints:pass_list")).content.decode().count('data-testid="pass"')
        == 2
    )
    login(personas.hq)
    assert (
        client.get(reverse("checkpoints:pass_list")).content.decode().count('data-testid="pass"')
        == 3
    )


# -- gate rules -----------------------------------------------------------------------------


def _rules_post(**changes: Any) -> dict[str, Any]:
    """The rules form as a browser posts it: the defaults with `changes` (False: unchecked)."""
    values = {**GateRulesForm.initial_from(DEFAULT_RULES), **changes}
    data: dict[str, Any] = {}
    for key, value in values.items():
        if value is True:
            data[key] = "on"
        elif value is False or value is None:
            continue
        else:
            data[key] = value
    return data


def test_rules_page_shows_the_defaults_in_words(client, login, personas, city):
    login(personas.staff_a)
    response = client.get(reverse("checkpoints:rules", args=[city.a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "37.3" in html
    assert 'data-testid="rules-in-words"' in html
    assert 'data-testid="save-rules"' in html


def test_saving_a_change_makes_the_next_version(client, login, personas, city):
    login(personas.staff_a)
    url = reverse("checkpoints:rules", args=[city.a.pk])
    response = client.post(url, _rules_post(fever_at="37.5", quota_people=1, quota_days=2))
    assert response.status_code == 302
    version, rules = services.current_rules(city.a)
    assert version == 1
    assert rules["fever_at"] == 37.5
    assert rules["exit_quota"] == {"people": 1, "days": 2}
    row = GateRules.objects.get(community=city.a, version=1)
    assert row.set_by == personas.staff_a
    assert set(row.rules) == {"fever_at", "exit_quota"}  # stored as changes from the defaults
    client.post(
        url,
        _rules_post(
            fever_at="37.5",
            quota_people=1,
            quota_days=2,
            visitors=False,
            isolation_statuses=["home_isolation"],
        ),
    )
    version, rules = services.current_rules(city.a)
    assert version == 2
    assert rules["visitors"] is False
    assert rules["isolation_statuses"] == ["home_isolation"]
    html = client.get(url).content.decode()
    assert 'data-testid="rules-history"' in html
    assert html.count("<li><p><strong>") == 2
    assert "37.5" in html


def test_saving_the_same_rules_makes_no_new_version(client, login, personas, city):
    login(personas.staff_a)
    response = client.post(reverse("checkpoints:rules", args=[city.a.pk]), _rules_post())
    assert response.status_code == 302
    assert not GateRules.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"fever_at": "45"}, "fever_at"),
        ({"fever_at": "warm"}, "fever_at"),
        ({"fever_at": ""}, "fever_at"),
        ({"quota_people": 1, "quota_days": 0}, "quota_days"),
        ({"quota_people": 30, "quota_days": 2}, "quota_days"),
        ({"quota_people": 1}, "quota_days"),
        ({"quota_days": 3}, "quota_people"),
        ({"isolation_statuses": ["normal"]}, "isolation_statuses"),
    ],
)
def test_bad_rules_show_the_error_next_to_the_field_and_create_nothing(
    client, login, personas, city, changes, field
):
    login(personas.staff_a)
    response = client.post(reverse("checkpoints:rules", args=[city.a.pk]), _rules_post(**changes))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    first_id = f"id_{field}_0" if field == "isolation_statuses" else f"id_{field}"
    assert _field_error(response.content.decode(), first_id)
    assert not GateRules.objects.exists()
    if changes.get("fever_at"):
        assert f'value="{changes["fever_at"]}"' in response.content.decode()


def test_district_officer_reads_the_rules_but_may_not_change_them(client, login, personas, city):
    login(personas.district)
    url = reverse("checkpoints:rules", args=[city.a.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="save-rules"' not in page.content.decode()
    assert client.post(url, _rules_post(fever_at="38")).status_code == 403
    assert not GateRules.objects.exists()


def test_rules_index_goes_straight_to_the_only_community(client, login, personas, city):
    login(personas.staff_a)
    response = client.get(reverse("checkpoints:rules_index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("checkpoints:rules", args=[city.a.pk])
    login(personas.district)
    html = client.get(reverse("checkpoints:rules_index")).content.decode()
    assert reverse("checkpoints:rules", args=[city.b.pk]) in html
    login(personas.cadre)
    assert client.get(reverse("checkpoints:rules_index")).status_code == 403


def test_issue_for_a_building_that_is_no_id_is_404(client, login, personas, gates, ha3):
    login(personas.staff_a)
    url = reverse("checkpoints:pass_issue_building")
    assert client.post(url, {"building": "1 OR 1=1", **_dates(gates.today)}).status_code == 404
    assert client.get(f"{url}?building=abc").status_code == 404
    assert not EntryPass.objects.filter(household=ha3).exists()
