"""The gate page: who may open which gate, what the server renders (rules, the snapshot URL,
the no-JavaScript message), the gate list, and the service worker."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from django.urls import reverse

from shequ.checkpoints import services
from shequ.checkpoints.decisions import reason_text
from shequ.checkpoints.models import Passage
from shequ.duty.models import Post
from tests.checkpoints.conftest import qr


def _url(gate) -> str:
    return reverse("checkpoints:gate", kwargs={"gate_id": gate.pk})


def _config(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="gate-config" type="application/json">') + len(
        '<script id="gate-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.parametrize("who", ["cadre", "staff_a"])
def test_gate_page_renders_for_a_cadre_on_duty_and_for_community_staff(
    login, personas, gates, who
) -> None:
    response = login(getattr(personas, who)).get(_url(gates.gate))
    assert response.status_code == 200
    html = response.content.decode()
    assert "北门" in html
    assert gates.gate.community.name in html
    assert 'data-testid="gate-noscript"' in html
    assert "checkpoints/gate.js" in html
    assert "vendor/dexie.min.js" in html


@pytest.mark.usefixtures("english")
def test_gate_page_shows_the_rules_in_force_and_the_snapshot_url(login, personas, gates) -> None:
    services.rules_set(
        actor=personas.staff_a,
        community=gates.gate.community,
        rules={"fever_at": 37.5, "exit_quota": {"people": 1, "days": 2}, "visitors": False},
    )
    response = login(personas.cadre).get(_url(gates.gate))
    html = response.content.decode()
    assert "Rules in force · version 1" in html
    assert "Fever: 37.5 °C or more is refused" in html
    assert "Exit quota: 1 exit per household in 2 days." in html
    assert "Visitors: not admitted." in html
    config = _config(response)
    snapshot_url = f"/api/v1/checkpoints/gates/{gates.gate.pk}/snapshot"
    assert config["snapshot_url"] == snapshot_url
    assert snapshot_url in html
    assert config["batch_url"] == "/api/v1/checkpoints/passages:batch"
    assert config["gate_id"] == gates.gate.pk
    assert config["rules_version"] == 1
    assert config["sw_url"] == "/checkpoints/gate/sw.js"
    assert config["strings"]["allow"] == "Allow"


def test_gate_page_is_in_chinese_by_default_with_the_direction_toggle(
    login, personas, gates
) -> None:
    html = login(personas.cadre).get(_url(gates.gate)).content.decode()
    assert '<html lang="zh-hans">' in html
    assert 'data-testid="dir-out"' in html
    assert 'data-testid="dir-in"' in html
    assert 'inputmode="decimal"' in html


@pytest.mark.parametrize("who", ["staff_b", "outsider"])
def test_gate_of_another_community_is_404(login, personas, gates, who) -> None:
    response = login(getattr(personas, who)).get(_url(gates.gate))
    assert response.status_code == 404


def test_unknown_gate_is_404_and_a_patrol_post_is_no_gate(login, personas, gates) -> None:
    client = login(personas.staff_a)
    assert client.get(reverse("checkpoints:gate", kwargs={"gate_id": 999_999})).status_code == 404
    patrol = Post.objects.get(name="巡查")
    assert client.get(_url(patrol)).status_code == 404


def test_gate_page_needs_a_login(client, gates) -> None:
    response = client.get(_url(gates.gate))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_gate_list_goes_straight_to_the_only_gate(login, personas, gates) -> None:
    response = login(personas.staff_b).get(reverse("checkpoints:gate_list"))
    assert response.status_code == 302
    assert response["Location"] == _url(gates.gate_b)


def test_gate_list_lists_several_gates(login, personas, gates) -> None:
    from shequ.duty import services as duty_services

    duty_services.post_create(
        actor=personas.staff_a, community=gates.gate.community, name="南门", kind="checkpoint"
    )
    response = login(personas.staff_a).get(reverse("checkpoints:gate_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "北门" in html
    assert "南门" in html
    assert "乙门" not in html


def test_gate_list_without_gates_says_so(login, personas, gates) -> None:
    response = login(personas.outsider).get(reverse("checkpoints:gate_list"))
    assert response.status_code == 200
    assert 'data-testid="gate-list"' in response.content.decode()
    assert "/checkpoints/gate/" + str(gates.gate.pk) not in response.content.decode()


def test_service_worker_is_javascript_with_the_static_files_to_keep(client, db) -> None:
    response = client.get("/checkpoints/gate/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    head = json.loads(body.split("\n", 1)[0].removeprefix("self.SHEQU_OFFLINE = ").rstrip(";"))
    assert head["cache"] == "shequ-gate"
    assert "/static/checkpoints/gate.js" in head["static"]
    assert "/static/shequ/offline.js" in head["static"]
    assert "/static/vendor/zxing-browser.min.js" in head["static"]
    assert 'addEventListener("fetch"' in body
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_plain_form_records_one_passage_with_the_servers_decision(login, personas, gates) -> None:
    client = login(personas.cadre)
    page = client.get(_url(gates.gate)).content.decode()
    assert 'data-testid="gate-plain-form"' in page
    form = {
        "client_uuid": str(uuid.uuid4()),
        "direction": "out",
        "pass_code": qr(gates.p1),
        "temperature": "38,0",
        "health_code": "green",
    }
    response = client.post(_url(gates.gate), form, follow=True)
    assert response.status_code == 200
    row = Passage.objects.get()
    assert (row.entry_pass, row.decision, row.reasons) == (gates.p1, "refuse", ["fever"])
    assert row.temperature == 38.0
    assert row.recorded_by == personas.cadre
    assert "sq-msg-success" in response.content.decode()
    # The same form sent twice (a resubmitted page) is still one passage.
    client.post(_url(gates.gate), form)
    assert Passage.objects.count() == 1


def test_plain_form_with_a_bad_temperature_records_nothing(login, personas, gates) -> None:
    client = login(personas.cadre)
    form = {"direction": "in", "pass_code": qr(gates.p1), "temperature": "hot"}
    response = client.post(_url(gates.gate), form, follow=True)
    assert not Passage.objects.exists()
    assert "sq-msg-error" in response.content.decode()


def test_plain_form_on_another_communitys_gate_is_404(login, personas, gates) -> None:
    form = {"direction": "in", "pass_code": qr(gates.p1), "temperature": "36.5"}
    response = login(personas.staff_b).post(_url(gates.gate), form)
    assert response.status_code == 404
    assert not Passage.objects.exists()


def _worker_head(response) -> dict:
    body = response.content.decode()
    return json.loads(body.split("\n", 1)[0].removeprefix("self.SHEQU_OFFLINE = ").rstrip(";"))


def test_the_gate_worker_may_keep_the_checkpoints_home_and_the_gate_pages_only(client, db) -> None:
    """Served under /checkpoints/gate/, the worker is allowed the scope /checkpoints/ so that
    the home listing the guard's gates reloads offline too; the log, passes and figures under
    /checkpoints/ are not among the pages it keeps."""
    response = client.get("/checkpoints/gate/sw.js")
    assert response["Service-Worker-Allowed"] == "/checkpoints/"
    pages = [re.compile(p) for p in _worker_head(response)["pages"]]

    def kept(path: str) -> bool:
        return any(p.search(path) for p in pages)

    assert kept("/checkpoints/")
    assert kept("/checkpoints/gate/")
    assert kept("/checkpoints/gate/12/")
    for private in ("/checkpoints/passages/", "/checkpoints/passes/", "/checkpoints/figures/"):
        assert not kept(private)
    assert "/static/shequ/shequ.js" in _worker_head(response)["static"]


def test_the_gate_page_and_a_guards_home_register_the_worker_for_checkpoints(
    login, personas, gates
) -> None:
    config = _config(login(personas.cadre).get(_url(gates.gate)))
    assert (config["sw_url"], config["sw_scope"]) == ("/checkpoints/gate/sw.js", "/checkpoints/")
    html = login(personas.cadre).get(reverse("checkpoints:home")).content.decode()
    assert 'id="sq-offline-worker"' in html
    assert "shequ/offline.js" in html


def test_a_home_without_gates_registers_no_worker(login, personas, gates) -> None:
    response = login(personas.district).get(reverse("checkpoints:home"))
    assert response.status_code == 200
    assert 'id="sq-offline-worker"' not in response.content.decode()


@pytest.mark.usefixtures("english")
def test_the_phone_is_not_told_the_community_was_alerted_before_the_server_has_it(
    login, personas, gates, on_shift
) -> None:
    """The snapshot's reason labels are shown before recording (offline, long before): they
    do not say the community was alerted; the page's alert lines say when it will be. A
    recorded passage's reason (log, plain form) does say it."""
    data = login(personas.cadre).get(f"/api/v1/checkpoints/gates/{gates.gate.pk}/snapshot").json()
    for code in ("fever", "health_code_red", "isolation_breach", "isolation_returning"):
        assert "alerted" not in data["reasons"][code]["label"]
    assert data["reasons"]["fever"]["label"] == "Fever (37.3 °C or more)."
    strings = _config(login(personas.cadre).get(_url(gates.gate)))["strings"]
    assert "when this phone is back online" in strings["alert_offline"]
    assert "will be sent when the network is back" in strings["alert_waiting"]
    assert reason_text("fever") == "Fever (37.3 °C or more). Community alerted."
    assert reason_text("no_pass") == "No entry pass."


def test_in_chinese_the_recorded_reason_says_the_community_was_alerted(db) -> None:
    assert reason_text("health_code_red") == "健康码红码。已通知社区。"
