"""The mixed load of bench/city.py for locust (`pip install -e '.[bench]'`): gate staff
scanning passes and taking snapshots, community staff reading missed lists, reports and
coverage, the lab posting results. Arguments (tokens, ids) come from the JSON file named by
CITY_WORLD, written by bench/city.py; run it through bench/city.py --locust-users 200.

Each user is a person at a phone: a call, then a pause of CITY_WAIT seconds ("min,max",
5–15 by default: a gate guard scans a pass, checks the person, waves them through). The
users are locust's FastHttpUser (geventhttpclient): the load generator shares the server's
2 cores here, and locust documents that client as using several times less CPU per request.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import uuid

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

WORLD = json.loads(open(os.environ["CITY_WORLD"], encoding="utf-8").read())  # noqa: SIM115


WAIT = [float(x) for x in os.environ.get("CITY_WAIT", "5,15").split(",")]


class CityUser(FastHttpUser):
    wait_time = between(WAIT[0], WAIT[1])
    default_headers = {"Authorization": f"Bearer {WORLD['token']}", "Accept-Language": "zh-hans"}

    def on_start(self) -> None:
        self.rid = WORLD["round"]

    @task(6)
    def gate_check(self) -> None:
        _pk, code, _hh, _c, gate, resident = random.choice(WORLD["passes"])
        item = {
            "client_uuid": str(uuid.uuid4()), "gate_id": gate, "direction": "out",
            "device_time": dt.datetime.now(dt.UTC).isoformat(), "subject": "resident",
            "pass_code": code, "resident_id": resident, "temperature": 36.5,
            "health_code": "green",
        }  # fmt: skip
        self.client.post(
            "/api/v1/checkpoints/passages:batch", json={"items": [item]}, name="gate check (QR)"
        )

    @task(1)
    def snapshot(self) -> None:
        gate = random.choice(WORLD["gates"])
        self.client.get(f"/api/v1/checkpoints/gates/{gate}/snapshot", name="gate snapshot")

    @task(3)
    def missed(self) -> None:
        building = random.choice(WORLD["buildings"])
        self.client.get(
            f"/api/v1/testing/rounds/{self.rid}/missed?place_id={building}", name="missed list"
        )

    @task(1)
    def coverage(self) -> None:
        street = random.choice(WORLD["streets"])
        self.client.get(
            f"/api/v1/testing/rounds/{self.rid}/coverage?place_id={street}&level=community",
            name="street coverage",
        )

    @task(2)
    def report(self) -> None:
        community = random.choice(WORLD["communities"])
        day = dt.date.today().isoformat()
        self.client.get(
            f"/api/v1/reports/communities/{community}/{day}", name="community daily report"
        )

    @task(2)
    def passes(self) -> None:
        community = random.choice(WORLD["communities"])
        self.client.get(
            f"/api/v1/checkpoints/passes?community_id={community}", name="passes of a community"
        )
