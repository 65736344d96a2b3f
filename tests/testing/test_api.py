"""/api/v1/testing over HTTP with bearer tokens: the swab batch's answers, coverage numbers,
the missed list (phones masked without VIEW_PII), the recall list, and 404 for rounds and
recalls of another community."""

from __future__ import annotations

from shequ.testing import labwork
from shequ.testing.models import Recall, Sample
from tests.testing.conftest import swab

API = "/api/v1/testing"


def _batch(client, items):
    response = client.post(f"{API}/swabs:batch", {"items": items})
    assert response.status_code == 200, response.content
    return response.json()


def test_swab_batch_answers_each_item(personas, rnd, api) -> None:
    client = api(personas.staff_a)
    first = swab(rnd, "T0000001", rnd.a[0])
    answers = _batch(client, [first, swab(rnd, "T0000001", rnd.b0), {"client_uuid": "x"}])
    assert [a["status"] for a in answers] == ["created", "created", "rejected"]
    assert answers[0]["tube"] == "T0000001"
    assert answers[0]["tube_count"] == 1
    assert answers[1]["out_of_scope"] is True  # b0 lives in B: sampled, but flagged
    assert answers[2]["field"] == "client_uuid"
    again = _batch(client, [first, swab(rnd, "T0000002", rnd.a[0], station=rnd.s2)])
    assert again[0]["status"] == "duplicate"
    assert again[1]["status"] == "rejected"
    assert "甲小区广场" in again[1]["message"]
    assert "T0000001" in again[1]["message"]
    assert Sample.objects.count() == 2


def test_swab_batch_closes_a_full_tube_and_refuses_more(personas, rnd, api) -> None:
    client = api(personas.staff_a)
    answers = _batch(client, [swab(rnd, "T0000001", r) for r in rnd.a[:11]])
    assert [a["tube_count"] for a in answers[:10]] == list(range(1, 11))
    assert answers[9]["tube_closed"] is True
    assert answers[10]["status"] == "rejected"
    assert answers[10]["field"] == "tube"


def test_swab_batch_needs_a_station_one_samples_at(personas, rnd, api) -> None:
    answers = _batch(api(personas.staff_b), [swab(rnd, "T0000001", rnd.a[0])])
    assert answers[0]["status"] == "rejected"
    assert answers[0]["field"] == "station_id"


def test_coverage_numbers(personas, rnd, city, api) -> None:
    _batch(api(personas.staff_a), [swab(rnd, "T0000001", r) for r in rnd.a[:6]])
    response = api(personas.street).get(
        f"{API}/rounds/{rnd.round.pk}/coverage", place_id=city.a.pk, level="community"
    )
    assert response.status_code == 200
    [row] = response.json()
    assert (row["residents"], row["sampled"], row["exempt"], row["missed"]) == (12, 6, 1, 5)
    assert row["percent"] == round(100 * 6 / 11, 1)
    buildings = (
        api(personas.street)
        .get(f"{API}/rounds/{rnd.round.pk}/coverage", place_id=city.a.pk, level="building")
        .json()
    )
    assert {b["name"]: b["sampled"] for b in buildings} == {"1号楼": 6, "2号楼": 0}


def test_missed_list_masks_phones_for_roles_without_view_pii(personas, rnd, city, api) -> None:
    _batch(api(personas.staff_a), [swab(rnd, "T0000001", r) for r in rnd.a[:8]])
    url = f"{API}/rounds/{rnd.round.pk}/missed"
    full = api(personas.staff_a).get(url, place_id=city.a.pk).json()
    assert {p["name"] for p in full["items"]} == {"a8", "a9", "a10"}
    assert all("*" not in p["phone"] and len(p["phone"]) == 11 for p in full["items"])
    masked = api(personas.street).get(url, place_id=city.a.pk).json()
    assert {p["name"] for p in masked["items"]} == {"a8", "a9", "a10"}
    assert all("*" in p["phone"] for p in masked["items"])
    assert all(p["building"] == "1号楼" for p in masked["items"])


def test_recall_api_lists_the_members(personas, rnd, api) -> None:
    _batch(api(personas.staff_a), [swab(rnd, "T0000001", r) for r in rnd.a[:10]])
    labwork.transfer_create(
        actor=personas.staff_a,
        round_=rnd.round,
        community=rnd.site.community,
        code="J-1",
        barcodes=["T0000001"],
    )
    lab = api(rnd.lab)
    answers = lab.post(
        f"{API}/rounds/{rnd.round.pk}/results",
        {"results": [{"tube": "T0000001", "result": "positive"}]},
    ).json()
    assert answers[0]["status"] == "recorded"
    assert answers[0]["recall_id"]
    recall = Recall.objects.get()
    assert answers[0]["recall_id"] == recall.pk
    body = api(personas.street).get(f"{API}/recalls/{recall.pk}").json()
    assert body["tube"] == "T0000001"
    assert body["kind"] == "positive"
    assert len(body["members"]) == 10
    assert all("*" in m["phone"] and not m["retested"] for m in body["members"])
    # Retest one member in a single tube: the list shows it.
    _batch(api(personas.staff_a), [swab(rnd, "R0000001", rnd.a[0])])
    body = api(personas.staff_a).get(f"{API}/recalls/{recall.pk}").json()
    assert [m["retested"] for m in body["members"]].count(True) == 1


def test_another_communitys_round_and_recall_are_404(personas, rnd, city, api) -> None:
    _batch(api(personas.staff_a), [swab(rnd, "T0000001", r) for r in rnd.a[:10]])
    labwork.transfer_create(
        actor=personas.staff_a,
        round_=rnd.round,
        community=rnd.site.community,
        code="J-1",
        barcodes=["T0000001"],
    )
    labwork.results_record(actor=rnd.lab, round_=rnd.round, results=[("T0000001", "positive")])
    recall = Recall.objects.get()
    other = api(personas.staff_b)
    assert other.get(f"{API}/rounds/{rnd.round.pk}").status_code == 404
    assert other.get(f"{API}/rounds/{rnd.round.pk}/coverage", place_id=city.a.pk).status_code == 404
    assert other.get(f"{API}/rounds/{rnd.round.pk}/missed", place_id=city.a.pk).status_code == 404
    assert other.get(f"{API}/recalls/{recall.pk}").status_code == 404
    assert rnd.round.pk not in [r["id"] for r in other.get(f"{API}/rounds").json()["items"]]
    assert api(personas.outsider).get(f"{API}/recalls/{recall.pk}").status_code == 404
