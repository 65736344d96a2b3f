"""Who may reach what: every page and every API operation × every role × own or another scope.

The endpoints are enumerated from the URL conf and from the API's OpenAPI schema; one that has
no row in EXPECT fails `test_every_endpoint_has_a_row`. Each row says what each role gets:

- on a page or a GET operation, the exact status for side A's objects ("own": every persona is
  bound to side A) and for side B's ("other": outside every persona's places but the HQ's);
  a 200 answer to anyone but the HQ must not name any of side B's objects (residents, people,
  rounds, sites, tubes…), read from the HTML, the JSON or the Excel sheet;
- on a page, also which roles may POST: any other role's POST (empty form) must be refused
  (302 to the login page for the anonymous, 403, 404 or 405), never 2xx and never 500;
- on an unsafe API operation (Act), which roles may act: any other role, sending a minimal
  valid body made from the schema, must get 401, 403 or 404 (or a 400 whose every error is
  an id in the body: "unknown or not yours"), never 2xx and never 500. Batch endpoints
  answer 200 per item: no item of a refused role may be created.
Allowed roles' writes are not sent: this file checks refusals; each app's tests check writes.

Codes: 200 shown; 302 redirected (the anonymous to the login page; some roles to their own
page); 401 no login (API); 403 refused (the role may not); 404 not found (out of the role's
places, not theirs, or no such object); 405 wrong method (a POST-only page read with GET).

Where today's answer is wrong, the row holds the right answer and KNOWN_WRONG names the cell,
with what is wrong: those tests are xfail(strict=True), so a fix makes them pass and the
entry must then go.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client

from shequ.core import services as core_services
from shequ.core.roles import Role
from tests.web.access_matrix import (
    api_operations,
    api_request,
    has_params,
    page_routes,
    shown_text,
    side_markers,
    url_for,
)
from tests.web.access_world import ROLES, World, build_world

HQ = Role.CITY_HQ.value
DISTRICT = Role.DISTRICT_OFFICER.value
STREET = Role.STREET_OFFICER.value
STAFF = Role.COMMUNITY_STAFF.value
COORDINATOR = Role.AGENCY_COORDINATOR.value
CADRE = Role.CADRE.value
VOLUNTEER = Role.VOLUNTEER.value
INSPECTOR = Role.INSPECTOR.value
LAB = Role.LAB_OPERATOR.value
WAREHOUSE = Role.WAREHOUSE_KEEPER.value
ANONYMOUS = "anonymous"
EVERYONE = frozenset(Role.values)
ALL = EVERYONE | {ANONYMOUS}  # the language switch works before logging in too
# Role groups that recur (capabilities in core/roles.py).
PLANNERS = {HQ, STREET, STAFF}  # plan duty, issue passes, run testing, edit residents
VIEWERS = {HQ, DISTRICT, STREET, STAFF, INSPECTOR}  # see duty, passages, testing, residents
PLACE_VIEWERS = {*VIEWERS, CADRE, VOLUNTEER}
MOBILIZED = {*VIEWERS, COORDINATOR, CADRE, VOLUNTEER}  # have a mobilization role
ZONE_SETTERS = {HQ, DISTRICT, STREET}
ISSUERS = {HQ, DISTRICT}  # issue orders
MANAGERS = {HQ, STREET}  # manage users
HELPERS = {STAFF, CADRE, VOLUNTEER}  # open and claim help requests (claim_help)
KEEPERS = {HQ, WAREHOUSE}  # see warehouses and move stock (view_supplies, move_stock)
# Ask the level above for supplies and see requisitions (request_supplies…); approve them.
REQUISITIONERS = {HQ, DISTRICT, STREET, STAFF, WAREHOUSE}
APPROVERS = {HQ, DISTRICT, STREET}
# Those who see a help request but keep no store serving it: refused the one-tap issue.
HELP_SEERS = {DISTRICT, STREET, STAFF, INSPECTOR, CADRE, VOLUNTEER}
# Disinfection and patrols: who sees them, records rounds and findings, sets areas up.
PATROL_VIEWERS = {HQ, DISTRICT, STREET, STAFF, INSPECTOR, CADRE, VOLUNTEER}
PATROLLERS = {HQ, STAFF, CADRE, VOLUNTEER}
PATROL_MANAGERS = {HQ, STREET, STAFF}
# Publish notices and take hotline calls over their places (publish_notices, take_hotline).
PUBLISHERS = {HQ, DISTRICT, STREET, STAFF}
# Door-to-door: who sees a campaign (residents' viewers, the cadre given the building) and who
# records at its doors (those who edit residents, that cadre).
DOOR_SEERS = {*VIEWERS, CADRE}
DOOR_RECORDERS = {*PLANNERS, CADRE}


@dataclass(frozen=True)
class Row:
    """A page or a GET operation. `ok` roles get `code` on side A; every other role gets
    `deny`. On side B the HQ gets `code` (it covers the city), `ok` roles get 404 and the
    rest their side-A answer, unless `other_ok` (roles shown side B's object too) or
    `other` says otherwise. `own`/`other` override single cells. `post`: who may POST
    (default: roles answered 2xx/3xx on side A)."""

    ok: frozenset[str] | set[str]
    code: int = 200
    deny: int = 404
    own: dict[str, int] = field(default_factory=dict)
    other: dict[str, int] = field(default_factory=dict)
    other_ok: frozenset[str] | set[str] | None = None
    post: frozenset[str] | set[str] | None = None
    shows_other: bool = False  # side B's object is shown by design (a capability link)

    def expected(self, scope: str, role: str, api: bool) -> int:
        if role == ANONYMOUS:
            default = 401 if api else 302
            return self.own.get(ANONYMOUS, default)
        own = self.own.get(role, self.code if role in self.ok else self.deny)
        if scope == "own":
            return own
        if role in self.other:
            return self.other[role]
        if self.code == 405:
            return 405
        shown = self.other_ok if self.other_ok is not None else {HQ} & set(self.ok)
        if role in shown:
            return own
        return 404 if role in self.ok else own

    def may_post(self, scope: str, role: str) -> bool:
        if role == ANONYMOUS:  # public pages take POSTs too (the login form)
            return ANONYMOUS in (self.post or ()) or self.own.get(ANONYMOUS) == 200
        writers = self.post
        if writers is None:
            writers = {r for r in EVERYONE if 200 <= self.expected("own", r, False) < 400}
        if scope == "other":
            shown = self.other_ok if self.other_ok is not None else {HQ}
            writers = set(writers) & set(shown)
        return role in writers


@dataclass(frozen=True)
class Act:
    """An unsafe API operation: `ok` roles may act on side A's objects; `other_ok` on side B's
    (default: the HQ, if it may act at all). `batch`: answers 200 per item."""

    ok: frozenset[str] | set[str]
    other_ok: frozenset[str] | set[str] | None = None
    batch: bool = False

    def may(self, scope: str, role: str) -> bool:
        if role == ANONYMOUS:
            return False
        if scope == "own":
            return role in self.ok
        shown = self.other_ok if self.other_ok is not None else {HQ} & set(self.ok)
        return role in shown


# fmt: off
EXPECT: dict[str, Row | Act] = {
    # --- pages: web, the admin, the API's own pages -----------------------------------------
    "web:home": Row(ok=EVERYONE),
    "web:login": Row(ok=EVERYONE, own={ANONYMOUS: 200}),
    "web:code_login": Row(ok=EVERYONE, own={ANONYMOUS: 200}),
    "web:forgot_password": Row(ok=EVERYONE, own={ANONYMOUS: 200}),
    # A personal sign-in link: the world's token is no invitation, so 410 "not valid" to all.
    "web:invitation": Row(ok=EVERYONE, code=410, own={ANONYMOUS: 410}, other_ok=ALL, post=ALL),
    "web:logout": Row(ok=EVERYONE, code=405, own={ANONYMOUS: 405}, post=ALL),
    "web:language": Row(ok=EVERYONE, code=405, own={ANONYMOUS: 405}, post=ALL),
    "web:inbox": Row(ok=EVERYONE),
    # The header's search: for roles that see places or residents, each list in their scope.
    # A coordinator sees the compounds their agency is paired with: they may search them.
    "web:search": Row(
        ok=PLACE_VIEWERS | {COORDINATOR}, deny=403, other_ok=PLACE_VIEWERS | {COORDINATOR}
    ),
    "web:inbox_badge": Row(ok=EVERYONE),
    # A message opens (302 to where it points) for its addressee only.
    "web:inbox_open": Row(ok={STAFF}, code=302, other_ok=set()),
    # The API's map needs a login (SHEQU_API_DOCS_PUBLIC opens it).
    "api:openapi-json": Row(ok=EVERYONE, own={ANONYMOUS: 401}),
    "api:openapi-view": Row(ok=EVERYONE, own={ANONYMOUS: 302}),
    "api:api-root": Row(ok=EVERYONE, code=404, own={ANONYMOUS: 404}, post=set()),
    # --- places ------------------------------------------------------------------------------
    "places:tree": Row(ok=EVERYONE),
    # The coordinator's places are the compound their agency is paired with, not community A.
    "places:detail": Row(ok=PLACE_VIEWERS),
    "places:set_zone": Row(
        ok=ZONE_SETTERS, deny=403, own={LAB: 404, WAREHOUSE: 404},
        other={STAFF: 404, CADRE: 404, VOLUNTEER: 404, INSPECTOR: 404, COORDINATOR: 404},
    ),
    "places:lift_zone": Row(ok=EVERYONE, code=405, post=ZONE_SETTERS),
    # --- users (core/users): managers are the HQ and street officers; the user of each side
    # is its community staff (side B lies outside the street officer's street).
    "core_users:list": Row(ok=MANAGERS, deny=403),
    "core_users:user": Row(ok=MANAGERS, deny=403),
    "core_users:role_add": Row(ok=EVERYONE, code=405, post=MANAGERS),
    "core_users:role_remove": Row(ok=EVERYONE, code=405, post=MANAGERS),
    "core_users:lock": Row(ok=EVERYONE, code=405, post=MANAGERS),
    "core_users:reset": Row(ok=EVERYONE, code=405, post=MANAGERS),
    "core_users:set_password": Row(
        ok=EVERYONE, own={ANONYMOUS: 200}, other_ok=EVERYONE, post=ALL
    ),
    # The city's place tree from a sheet: the city HQ only (manage_places).
    "places:import": Row(ok={HQ}, deny=403),
    "places:import_template": Row(ok={HQ}, deny=403),
    # An import job is its starter's alone (the world's job is community staff's).
    "places:import_job": Row(ok={STAFF}, other_ok=set()),
    "places:import_errors": Row(ok={STAFF}, other_ok=set()),
    # --- residents ---------------------------------------------------------------------------
    "residents:list": Row(ok=VIEWERS, deny=403),  # no filter form for roles that see no one
    "residents:new": Row(ok=PLANNERS, deny=403),
    # The address picker's next lists (JSON), for whom may register residents.
    "residents:address_choices": Row(ok=PLANNERS, deny=403),
    "residents:detail": Row(ok=VIEWERS),
    # Those who see the resident but may not change them are told why (docs/access.md).
    "residents:edit": Row(
        ok=PLANNERS, own={DISTRICT: 403, INSPECTOR: 403}, other={DISTRICT: 404, INSPECTOR: 404}
    ),
    "residents:status": Row(
        ok=PLANNERS, own={DISTRICT: 403, INSPECTOR: 403}, other={DISTRICT: 404, INSPECTOR: 404}
    ),
    "residents:import": Row(ok=PLANNERS, deny=403),
    "residents:import_template": Row(ok=EVERYONE),
    # An import job is its starter's alone.
    "residents:import_job": Row(ok={STAFF}, other_ok=set()),
    "residents:import_errors": Row(ok={STAFF}, other_ok=set()),
    # --- mobilization: orders reach every agency and community, so anyone with a
    # mobilization role sees every order; what is listed under it is narrowed to their places.
    "mobilization:board": Row(ok=EVERYONE),
    "mobilization:order_new": Row(ok=ISSUERS, deny=403),
    "mobilization:me": Row(ok=EVERYONE, post=set()),
    "mobilization:check_in": Row(ok=PLANNERS, deny=403),
    "mobilization:needs": Row(ok=EVERYONE, post={HQ, DISTRICT, STREET, STAFF}),
    # The page answers every login with a redirect: the enlist service decides per person.
    "mobilization:staff": Row(ok=EVERYONE),
    "mobilization:staff_import": Row(ok={HQ, COORDINATOR}, deny=403),
    # An import job is its starter's alone (the world's job is community staff's).
    "mobilization:staff_import_job": Row(ok={STAFF}, other_ok=set()),
    "mobilization:staff_import_errors": Row(ok={STAFF}, other_ok=set()),
    # A sign-in link for a staff member: their agency's coordinator and the HQ.
    "mobilization:staff_invite": Row(ok={HQ, COORDINATOR}),
    "mobilization:agency_import": Row(ok={HQ}, deny=403),
    "mobilization:agency_import_job": Row(ok={STAFF}, other_ok=set()),
    "mobilization:agency_import_errors": Row(ok={STAFF}, other_ok=set()),
    # Vetting volunteers and their community's poster: who checks people in there.
    "mobilization:vetting": Row(ok=PLANNERS, deny=403),
    "mobilization:volunteer_poster": Row(ok=PLANNERS),
    # The public sign-up page of any community, for anyone (it names the community).
    "volunteer:signup": Row(ok=EVERYONE, own={ANONYMOUS: 200}, other_ok=ALL, shows_other=True),
    "mobilization:teams": Row(ok=MOBILIZED, post={HQ}),  # the open order is side B's
    "mobilization:batches": Row(ok=MOBILIZED),
    "mobilization:moves": Row(ok={HQ, DISTRICT, STREET, STAFF}, deny=403,
                              own={LAB: 404, WAREHOUSE: 404}),
    "mobilization:draft": Row(ok=ISSUERS),  # a draft of an order over district 1
    # Pairings in one's places (the coordinator: their agency's); the HQ and districts pair.
    "mobilization:pairings": Row(ok=MOBILIZED, deny=403, post=ISSUERS),
    "mobilization:pairing_end": Row(ok=EVERYONE, code=405, post=ISSUERS),
    # The report-in QR: its owner (the cadre), those who check people in, their coordinator.
    "mobilization:report_in": Row(ok={*PLANNERS, COORDINATOR, CADRE}, post=PLANNERS),
    "mobilization:qr": Row(ok={*PLANNERS, COORDINATOR, CADRE}),
    "mobilization:reported_export": Row(ok=MOBILIZED, other_ok=MOBILIZED),
    "mobilization:teams_export": Row(ok=MOBILIZED, other_ok=MOBILIZED),
    # --- duty ----------------------------------------------------------------------------------
    "duty:home": Row(ok=VIEWERS, deny=403, own={CADRE: 302, VOLUNTEER: 302}),
    "duty:me": Row(ok=EVERYONE),
    # The calendar feed and a post's QR are capability links: the link is the key.
    "duty:ical": Row(ok=EVERYONE, own={ANONYMOUS: 200}, other_ok=EVERYONE, shows_other=True),
    "duty:scan": Row(ok=EVERYONE, other_ok=EVERYONE, shows_other=True),
    "duty:post_qr": Row(ok=VIEWERS),
    "duty:changes": Row(ok=EVERYONE, post=set()),
    # --- help requests -----------------------------------------------------------------------
    "assistance:queue": Row(ok=PLACE_VIEWERS, deny=403),
    # --- supplies (docs/supplies.md): the HQ and the warehouse keepers of their places ------
    "supplies:stock": Row(ok=KEEPERS, deny=403),
    "supplies:receive": Row(ok=KEEPERS, deny=403),
    "supplies:issue": Row(ok=KEEPERS, deny=403),
    "supplies:transfer": Row(ok=KEEPERS, deny=403),
    "supplies:adjust": Row(ok=KEEPERS, deny=403),
    "supplies:transfers": Row(ok=KEEPERS, deny=403),
    "supplies:transfer_receive": Row(ok=KEEPERS),
    "supplies:warehouse": Row(ok=KEEPERS),
    # Ledgers (the first warehouse seen, this month) and its Excel file; the stock-take sheet.
    "supplies:ledger": Row(ok=KEEPERS, deny=403),
    "supplies:ledger_xlsx": Row(ok=KEEPERS, deny=403),
    "supplies:stocktake": Row(ok=KEEPERS),
    # Points of use (which posts draw from the warehouse): its keepers; removing is a POST.
    "supplies:points": Row(ok=KEEPERS),
    "supplies:point_remove": Row(ok=EVERYONE, code=405, post=KEEPERS),
    # The scanner's lookup: asked for no barcode it answers 404 "no such item" to keepers.
    "supplies:barcode": Row(ok=KEEPERS, code=404, deny=403),
    "supplies:donations": Row(ok=KEEPERS, deny=403),
    "supplies:donations_export": Row(ok=KEEPERS, deny=403),
    "supplies:donations_trace": Row(ok=KEEPERS, deny=403),
    "supplies:donation_goods": Row(ok=KEEPERS, deny=403),
    "supplies:donation_cash": Row(ok=KEEPERS, deny=403),
    "supplies:donor_new": Row(ok=KEEPERS, deny=403),
    "supplies:donation": Row(ok=KEEPERS),
    "supplies:donation_receipt": Row(ok=KEEPERS),
    "supplies:purchase": Row(ok=KEEPERS),
    # Requisitions: the board and one requisition for whoever asks, approves or keeps stock.
    "supplies:requisitions": Row(ok=REQUISITIONERS, deny=403),
    "supplies:requisition_new": Row(ok=REQUISITIONERS, deny=403),
    "supplies:requisition": Row(ok=REQUISITIONERS),
    # The one-tap issue to a help request: who sees it and keeps a store serving it.
    "supplies:help_issue": Row(
        ok={HQ}, own=dict.fromkeys(HELP_SEERS, 403), other=dict.fromkeys(HELP_SEERS, 404)
    ),
    "assistance:new": Row(ok=HELPERS, deny=403),
    "assistance:mine": Row(ok=EVERYONE),
    "assistance:figures": Row(ok=PLACE_VIEWERS, deny=403),
    "assistance:request": Row(ok=PLACE_VIEWERS, post=HELPERS),
    # The world's request has no receipt: 404 for everyone (tests/assistance test the photo).
    "assistance:receipt": Row(ok=set()),
    # A compound's poster of the residents' help page: who manages help there.
    # Who is isolated at home: whoever sees help there; cadres record, staff release.
    "assistance:isolation": Row(ok=PLACE_VIEWERS, deny=403),
    "assistance:watch": Row(ok=PLACE_VIEWERS, deny=403),
    "assistance:poster": Row(ok={STAFF}, other_ok=set()),
    # The residents' public help page of any compound, for anyone (it names the compound);
    # without the household's code it shows nothing else.
    "help:page": Row(ok=EVERYONE, own={ANONYMOUS: 200}, other_ok=ALL, shows_other=True),
    "duty:calls": Row(ok=EVERYONE, post=PLANNERS),
    "duty:call": Row(ok={*VIEWERS, CADRE}, post={*PLANNERS, CADRE}),  # the cadre is on duty
    "duty:hours": Row(ok=EVERYONE),
    "duty:roster_new": Row(ok=EVERYONE, code=405, post=PLANNERS),
    "duty:roster_job": Row(ok=PLANNERS, post=set()),  # a roster made in the background
    "duty:roster": Row(ok=VIEWERS),
    "duty:roster_action": Row(ok=EVERYONE, code=405, post=PLANNERS),
    "duty:roster_export": Row(ok=VIEWERS),
    "duty:roster_pdf": Row(ok=VIEWERS),  # the world's roster is published
    "duty:roster_cell": Row(ok=VIEWERS, post=PLANNERS),
    "duty:roster_check": Row(ok=VIEWERS),
    "duty:posts": Row(ok=VIEWERS, post=PLANNERS),
    "duty:requirement": Row(ok=VIEWERS, post=PLANNERS),
    # --- checkpoints ---------------------------------------------------------------------------
    "checkpoints:home": Row(ok={*VIEWERS, CADRE}),
    "checkpoints:log": Row(ok=VIEWERS),
    "checkpoints:passage": Row(ok=VIEWERS),
    "checkpoints:figures": Row(ok=VIEWERS),
    # One gate of one's own: the list sends one to it.
    "checkpoints:gate_list": Row(
        ok={HQ, DISTRICT, COORDINATOR, VOLUNTEER, INSPECTOR, LAB, WAREHOUSE},
        own={STREET: 302, STAFF: 302, CADRE: 302},
    ),
    "checkpoints:gate": Row(ok={*PLANNERS, CADRE}),  # the cadre is on the gate's roster
    "checkpoints:gate_sw": Row(ok=EVERYONE, own={ANONYMOUS: 200}),
    # Web Push: the worker that shows pushes, and a user turning their own phone on or off.
    "notify:service_worker": Row(ok=EVERYONE, own={ANONYMOUS: 200}),
    "notify:push_subscribe": Row(ok=EVERYONE, code=405, post=EVERYONE),
    "notify:push_unsubscribe": Row(ok=EVERYONE, code=405, post=EVERYONE),
    "checkpoints:pass_list": Row(ok=PLANNERS, deny=403),
    "checkpoints:pass_issue_building": Row(ok=PLANNERS, deny=403),
    "checkpoints:pass_issue_household": Row(ok=PLANNERS, code=302, deny=403),
    "checkpoints:pass_detail": Row(ok=PLANNERS),
    "checkpoints:pass_qr": Row(ok=PLANNERS),
    "checkpoints:passes_building_pdf": Row(ok=PLANNERS, deny=403),
    "checkpoints:rules_index": Row(
        ok={HQ}, deny=403, own={DISTRICT: 302, STREET: 302, STAFF: 302, INSPECTOR: 302}
    ),
    "checkpoints:rules": Row(ok=VIEWERS, post=PLANNERS),
    # --- testing -------------------------------------------------------------------------------
    "testing:home": Row(ok={*VIEWERS, CADRE}, deny=403, own={LAB: 302}),
    "testing:round_new": Row(ok=PLANNERS, deny=403),
    "testing:site_new": Row(ok=PLANNERS, deny=403),
    "testing:round": Row(ok=VIEWERS, deny=403),
    "testing:round_finish": Row(ok=EVERYONE, code=405, post=PLANNERS),
    # The missed walk and home sampling moved to outreach: the old addresses redirect.
    "testing:missed": Row(ok=EVERYONE, code=301, other_ok=EVERYONE),
    "testing:home_tasks": Row(ok=EVERYONE, code=301, other_ok=EVERYONE),
    "testing:home_swab": Row(ok=EVERYONE, code=301, other_ok=EVERYONE),
    # A cadre or volunteer opens only the buildings given to their team (none here: 403).
    "outreach_rounds:missed": Row(ok=VIEWERS, deny=403),
    "outreach_rounds:missed_send": Row(ok=EVERYONE, code=405, post=PLANNERS),
    "outreach_rounds:missed_xlsx": Row(ok=VIEWERS, deny=403),
    "outreach_rounds:missed_pdf": Row(ok=VIEWERS, deny=403),
    "outreach_rounds:outcome": Row(ok=EVERYONE, code=405, post=PLANNERS),
    "outreach_rounds:home_request": Row(ok=EVERYONE, code=405, post=PLANNERS),
    "outreach_rounds:home_tasks": Row(ok=VIEWERS, deny=403),
    "outreach_rounds:home_assign": Row(ok=EVERYONE, code=405, post=PLANNERS),
    "outreach_rounds:home_swab": Row(ok=PLANNERS),
    "testing:recalls": Row(ok=VIEWERS, deny=403),
    "testing:recall": Row(ok=VIEWERS, deny=403),
    "testing:summary_pdf": Row(ok=VIEWERS, deny=403),
    "testing:transfers": Row(ok=PLANNERS),
    # A cadre on duty in the community may sample at its sites (information entry).
    "testing:station": Row(ok={*PLANNERS, CADRE}),
    # Offline data goes to a cadre only while on a shift there; the world's roster starts
    # tomorrow, so side A's cadre is off shift now (tests/testing/test_station_snapshot.py).
    "testing:station_snapshot": Row(ok=PLANNERS, own={CADRE: 403}, other={CADRE: 404}),
    "testing:station_sw": Row(ok=EVERYONE, own={ANONYMOUS: 200}),
    "testing:lab": Row(ok={HQ, LAB}, deny=403),
    "testing:lab_import": Row(ok={HQ, LAB}, deny=403),
    "testing:lab_import_job": Row(ok={LAB}, other_ok=set()),
    "testing:lab_import_errors": Row(ok={LAB}, other_ok=set()),
    # --- API: places ---------------------------------------------------------------------------
    "GET /api/v1/health": Row(ok=EVERYONE, own={ANONYMOUS: 200}),
    "GET /api/v1/places": Row(ok=EVERYONE),
    "GET /api/v1/places/{place_id}": Row(ok=PLACE_VIEWERS),
    "GET /api/v1/places/{place_id}/zones": Row(ok=PLACE_VIEWERS),
    "GET /api/v1/places/{place_id}/current-zone": Row(ok=PLACE_VIEWERS),
    "POST /api/v1/places/{place_id}/zones": Act(ok=ZONE_SETTERS),
    "POST /api/v1/places/{place_id}/zones/lift": Act(ok=ZONE_SETTERS),
    "POST /api/v1/places/import": Act(ok={HQ}),
    "GET /api/v1/places/import/{job_id}": Row(ok={STAFF}, other_ok=set()),
    "GET /api/v1/places/import/{job_id}/errors": Row(ok={STAFF}, other_ok=set()),
    # --- API: residents and imports ------------------------------------------------------------
    "GET /api/v1/residents": Row(ok=EVERYONE),
    "POST /api/v1/residents": Act(ok=PLANNERS),
    "GET /api/v1/residents/{resident_id}": Row(ok=VIEWERS),
    "PATCH /api/v1/residents/{resident_id}": Act(ok=PLANNERS),
    "GET /api/v1/residents/{resident_id}/status": Row(ok=VIEWERS),
    "POST /api/v1/residents/{resident_id}/status": Act(ok=PLANNERS),
    "POST /api/v1/residents/import": Act(ok=PLANNERS),
    "GET /api/v1/residents/import/{job_id}": Row(ok={STAFF}, other_ok=set()),
    "GET /api/v1/residents/import/{job_id}/errors": Row(ok={STAFF}, other_ok=set()),
    "GET /api/v1/imports/{job_id}": Row(ok={STAFF}, other_ok=set()),
    "GET /api/v1/imports/{job_id}/errors": Row(ok={STAFF}, other_ok=set()),
    # --- API: mobilization ---------------------------------------------------------------------
    "GET /api/v1/mobilization/staff": Row(ok=EVERYONE),
    "POST /api/v1/mobilization/staff": Act(ok={HQ, COORDINATOR}),
    "POST /api/v1/mobilization/staff/import": Act(ok={HQ, COORDINATOR}),
    "POST /api/v1/mobilization/agencies/import": Act(ok={HQ}),
    "GET /api/v1/mobilization/staff/{staff_id}/history": Row(ok={*VIEWERS, COORDINATOR, CADRE}),
    "GET /api/v1/mobilization/volunteers/pending": Row(ok=EVERYONE),
    "POST /api/v1/mobilization/volunteers/{staff_id}/vet": Act(ok=PLANNERS),
    "GET /api/v1/mobilization/orders": Row(ok=EVERYONE),
    "POST /api/v1/mobilization/orders": Act(ok=ISSUERS),
    "POST /api/v1/mobilization/orders/{order_id}/close": Act(ok=ISSUERS),
    "POST /api/v1/mobilization/orders/{order_id}/enlist": Act(ok={HQ, COORDINATOR}),
    "GET /api/v1/mobilization/orders/{order_id}/enlistments": Row(ok=MOBILIZED,
                                                                  other_ok=MOBILIZED),
    "GET /api/v1/mobilization/orders/{order_id}/board": Row(ok=MOBILIZED, other_ok=MOBILIZED),
    "POST /api/v1/mobilization/report-ins": Act(ok=PLANNERS, batch=True),
    "POST /api/v1/mobilization/enlistments/{enlistment_id}/release": Act(ok=PLANNERS),
    "GET /api/v1/mobilization/needs": Row(ok=EVERYONE),
    "POST /api/v1/mobilization/needs": Act(ok={HQ, DISTRICT, STREET, STAFF}),
    "POST /api/v1/mobilization/moves": Act(ok={HQ, DISTRICT, STREET, STAFF}),
    "POST /api/v1/mobilization/orders/{order_id}/team-drafts": Act(ok=ISSUERS),
    "POST /api/v1/mobilization/team-drafts/{draft_id}/swap": Act(ok=ISSUERS),
    "POST /api/v1/mobilization/team-drafts/{draft_id}/confirm": Act(ok=ISSUERS),
    "POST /api/v1/mobilization/orders/{order_id}/batches": Act(ok={HQ, DISTRICT, STREET, STAFF}),
    "POST /api/v1/mobilization/batches/{batch_id}/rotate": Act(ok={HQ, DISTRICT, STREET, STAFF}),
    "POST /api/v1/mobilization/pairings": Act(ok=ISSUERS),
    # --- API: duty -----------------------------------------------------------------------------
    "GET /api/v1/duty/posts": Row(ok=EVERYONE),
    "POST /api/v1/duty/posts": Act(ok=PLANNERS),
    "GET /api/v1/duty/rosters": Row(ok=EVERYONE),
    "POST /api/v1/duty/rosters": Act(ok=PLANNERS),
    "GET /api/v1/duty/rosters/{roster_id}": Row(ok=VIEWERS),
    "POST /api/v1/duty/rosters/{roster_id}/publish": Act(ok=PLANNERS),
    "POST /api/v1/duty/rosters/{roster_id}/replan": Act(ok=PLANNERS),
    "GET /api/v1/duty/me/shifts": Row(ok=EVERYONE),
    # One's own attendance: the cadre and the volunteer have staff records; the others none.
    "POST /api/v1/duty/attendance/check-in": Act(ok={CADRE, VOLUNTEER}),
    "POST /api/v1/duty/attendance/check-out": Act(ok={CADRE, VOLUNTEER}),
    "POST /api/v1/duty/attendance/manual": Act(ok=PLANNERS),
    "POST /api/v1/duty/attendance/batch": Act(ok={CADRE, VOLUNTEER}, batch=True),
    "GET /api/v1/duty/attendance": Row(ok=EVERYONE),
    "GET /api/v1/duty/no-shows": Row(ok=VIEWERS),
    # --- help requests (docs/assistance.md): seen by place viewers; claimed by the
    # community's cadres, volunteers and staff; managed by its staff. Steps only the claimer
    # takes are refused by the request's state, not the role, for those who may claim.
    "GET /api/v1/help/requests": Row(ok=PLACE_VIEWERS, deny=403),
    "POST /api/v1/help/requests": Act(ok=HELPERS),
    "GET /api/v1/help/requests/mine": Row(ok=EVERYONE),
    "GET /api/v1/help/requests/{request_id}": Row(ok=PLACE_VIEWERS),
    "POST /api/v1/help/requests/{request_id}/claim": Act(ok=HELPERS),
    "POST /api/v1/help/requests/{request_id}/set-off": Act(ok=HELPERS),
    "POST /api/v1/help/requests/{request_id}/release": Act(ok=HELPERS),
    "POST /api/v1/help/requests/{request_id}/deliver": Act(ok=HELPERS),
    "POST /api/v1/help/requests/{request_id}/confirm": Act(ok={STAFF}),
    "POST /api/v1/help/requests/{request_id}/close": Act(ok={STAFF}),
    "POST /api/v1/help/requests/{request_id}/cancel": Act(ok={STAFF}),
    "POST /api/v1/help/requests/{request_id}/purchase": Act(ok={STAFF}),
    "POST /api/v1/help/requests/{request_id}/repaid": Act(ok={STAFF}),
    "POST /api/v1/help/requests/{request_id}/ledger": Act(ok={STAFF}),
    "GET /api/v1/help/figures": Row(ok=PLACE_VIEWERS, deny=403),
    # --- supplies: warehouses and stock outside one's places are 404 ---------------------------
    "GET /api/v1/supplies/warehouses": Row(ok=KEEPERS, deny=403),
    "GET /api/v1/supplies/items": Row(ok=KEEPERS, deny=403),
    "GET /api/v1/supplies/stock": Row(ok=KEEPERS, deny=403),
    "GET /api/v1/supplies/transfers": Row(ok=KEEPERS, deny=403),
    "GET /api/v1/supplies/warehouses/{warehouse_id}/movements": Row(ok=KEEPERS),
    "GET /api/v1/supplies/warehouses/{warehouse_id}/fefo": Row(ok=KEEPERS),
    "GET /api/v1/supplies/warehouses/{warehouse_id}/ledger": Row(ok=KEEPERS),
    "GET /api/v1/supplies/warehouses/{warehouse_id}/points": Row(ok=KEEPERS),
    "GET /api/v1/supplies/transfers/{shipment_id}": Row(ok=KEEPERS),
    "POST /api/v1/supplies/receive": Act(ok=KEEPERS),
    "POST /api/v1/supplies/issue": Act(ok=KEEPERS),
    "POST /api/v1/supplies/transfers": Act(ok=KEEPERS),
    "POST /api/v1/supplies/transfers/{shipment_id}/receive": Act(ok=KEEPERS),
    "POST /api/v1/supplies/adjust": Act(ok=KEEPERS),
    "POST /api/v1/supplies/warehouses/{warehouse_id}/points": Act(ok=KEEPERS),
    "POST /api/v1/supplies/warehouses/{warehouse_id}/points/{point_id}/remove": Act(ok=KEEPERS),
    # --- donations: donors' contacts masked for keepers; others' donations are 404 ---------
    "GET /api/v1/supplies/donations/donors": Row(ok=KEEPERS, deny=403),
    "GET /api/v1/supplies/donations": Row(ok=KEEPERS, deny=403),
    "GET /api/v1/supplies/donations/{donation_id}": Row(ok=KEEPERS),
    "GET /api/v1/supplies/donations/{donation_id}/purchases": Row(ok=KEEPERS),
    "GET /api/v1/supplies/donations/{donation_id}/trace": Row(ok=KEEPERS),
    "POST /api/v1/supplies/donations/donors": Act(ok=KEEPERS),
    "POST /api/v1/supplies/donations/goods": Act(ok=KEEPERS),
    "POST /api/v1/supplies/donations/cash": Act(ok=KEEPERS),
    "POST /api/v1/supplies/donations/{donation_id}/purchases": Act(ok=KEEPERS),
    "GET /api/v1/supplies/requisitions": Row(ok=REQUISITIONERS, deny=403),
    "GET /api/v1/supplies/requisitions/totals": Row(ok=REQUISITIONERS, deny=403),
    "GET /api/v1/supplies/requisitions/{requisition_id}": Row(ok=REQUISITIONERS),
    "POST /api/v1/supplies/requisitions": Act(ok=REQUISITIONERS),
    "POST /api/v1/supplies/requisitions/{requisition_id}/submit": Act(ok=REQUISITIONERS),
    "POST /api/v1/supplies/requisitions/{requisition_id}/decide": Act(ok=APPROVERS),
    "POST /api/v1/supplies/requisitions/{requisition_id}/ship": Act(ok=KEEPERS),
    "POST /api/v1/supplies/requisitions/{requisition_id}/receive": Act(ok=KEEPERS),
    "POST /api/v1/supplies/requisitions/{requisition_id}/cancel": Act(ok=REQUISITIONERS),
    "POST /api/v1/supplies/help-requests/{request_id}/issue": Act(ok={HQ}),

    # Isolation at home: the world's resident is not isolated, so one resident is 404 to all.
    "GET /api/v1/help/isolation": Row(ok=PLACE_VIEWERS, deny=403),
    "POST /api/v1/help/isolation/{resident_id}/readings": Act(ok=set()),
    "POST /api/v1/help/isolation/{resident_id}/release": Act(ok=set()),
    "GET /api/v1/help/watch": Row(ok=PLACE_VIEWERS, deny=403),
    "POST /api/v1/help/watch/{check_id}/outcome": Act(ok=HELPERS),
    "POST /api/v1/duty/calls": Act(ok=PLANNERS),
    "GET /api/v1/duty/calls": Row(ok=EVERYONE),
    "GET /api/v1/duty/calls/open": Row(ok=EVERYONE),
    "POST /api/v1/duty/calls/{call_id}/answer": Act(ok={CADRE}),  # people on duty there
    "POST /api/v1/duty/calls/{call_id}/close": Act(ok=PLANNERS),
    "GET /api/v1/duty/changes": Row(ok=EVERYONE),
    # A swap or a sick report is the assignee's (or a planner's for them); the assignment in
    # the body is nobody's here.
    "POST /api/v1/duty/changes/swap": Act(ok=set()),
    "POST /api/v1/duty/changes/sick": Act(ok=PLANNERS),
    "POST /api/v1/duty/changes/{change_id}/decide": Act(ok=PLANNERS),
    "POST /api/v1/duty/changes/{change_id}/cancel": Act(ok={CADRE}),  # the cadre's own report
    "GET /api/v1/duty/reports/hours": Row(ok=EVERYONE),
    # --- API: checkpoints ----------------------------------------------------------------------
    "POST /api/v1/checkpoints/passages:batch": Act(ok={*PLANNERS, CADRE}, batch=True),
    "GET /api/v1/checkpoints/gates": Row(ok=EVERYONE),
    # Likewise the gate's offline data (tests/checkpoints/test_gate_snapshot.py).
    "GET /api/v1/checkpoints/gates/{gate_id}/snapshot": Row(
        ok=PLANNERS, own={CADRE: 403}, other={CADRE: 404}
    ),
    "GET /api/v1/checkpoints/passes": Row(ok=EVERYONE),
    "POST /api/v1/checkpoints/passes": Act(ok=PLANNERS),
    "GET /api/v1/checkpoints/passes/{pass_id}": Row(ok=PLANNERS),
    "POST /api/v1/checkpoints/passes/{pass_id}/revoke": Act(ok=PLANNERS),
    "POST /api/v1/checkpoints/passes/{pass_id}/lost": Act(ok=PLANNERS),
    "POST /api/v1/checkpoints/passes/{pass_id}/reissue": Act(ok=PLANNERS),
    "GET /api/v1/checkpoints/communities/{community_id}/rules": Row(ok=VIEWERS),
    "PUT /api/v1/checkpoints/communities/{community_id}/rules": Act(ok=PLANNERS),
    "GET /api/v1/checkpoints/passages": Row(ok=EVERYONE),
    "GET /api/v1/checkpoints/communities/{community_id}/hours": Row(ok=VIEWERS),
    # --- API: testing --------------------------------------------------------------------------
    "GET /api/v1/testing/rounds": Row(ok=EVERYONE),
    "POST /api/v1/testing/rounds": Act(ok=PLANNERS),
    "GET /api/v1/testing/rounds/{round_id}": Row(ok=VIEWERS),
    "POST /api/v1/testing/rounds/{round_id}/finish": Act(ok=PLANNERS),
    "GET /api/v1/testing/rounds/{round_id}/coverage": Row(ok=VIEWERS),
    "GET /api/v1/testing/rounds/{round_id}/missed": Row(ok=VIEWERS),
    "POST /api/v1/testing/rounds/{round_id}/exemptions": Act(ok=PLANNERS),
    "GET /api/v1/testing/sites": Row(ok=EVERYONE),
    "POST /api/v1/testing/sites": Act(ok=PLANNERS),
    "POST /api/v1/testing/swabs:batch": Act(ok={*PLANNERS, CADRE}, batch=True),
    "POST /api/v1/testing/rounds/{round_id}/transfers": Act(ok=PLANNERS),
    "POST /api/v1/testing/transfers/{transfer_id}/receive": Act(ok={HQ, LAB}),
    "POST /api/v1/testing/rounds/{round_id}/results": Act(ok={HQ, LAB}),
    "GET /api/v1/testing/recalls/{recall_id}": Row(ok=VIEWERS),
    # --- daily reports (issue #19) ------------------------------------------------------------
    "reports:home": Row(ok={*VIEWERS, COORDINATOR}, deny=403),
    "reports:community": Row(ok=VIEWERS, post={HQ, STAFF}),
    "reports:rollup": Row(ok=VIEWERS),
    "reports:agency": Row(ok={COORDINATOR}, deny=403, other_ok={COORDINATOR}),
    "reports:subscriptions": Row(ok={*VIEWERS, COORDINATOR}, deny=403),
    "GET /api/v1/reports/communities": Row(ok=EVERYONE),
    "GET /api/v1/reports/communities/{community_id}/{day}": Row(ok=VIEWERS),
    "GET /api/v1/reports/communities/{community_id}/{day}/export": Row(ok=VIEWERS),
    "POST /api/v1/reports/communities/{community_id}/{day}/compile": Act(ok={HQ, STAFF}),
    "POST /api/v1/reports/communities/{community_id}/{day}/corrections": Act(ok={HQ, STAFF}),
    "POST /api/v1/reports/communities/{community_id}/{day}/submit": Act(ok={HQ, STAFF}),
    "GET /api/v1/reports/places/{place_id}/{day}": Row(ok=VIEWERS),
    "GET /api/v1/reports/places/{place_id}/{day}/export": Row(ok=VIEWERS),
    "GET /api/v1/reports/agencies": Row(ok=EVERYONE),
    # --- inspections (issue #19 item 3) --------------------------------------------------------
    "inspections:home": Row(ok={HQ, DISTRICT, STREET, INSPECTOR, STAFF}, deny=403),
    "inspections:new": Row(ok={HQ, INSPECTOR}, deny=403),
    "inspections:phone": Row(ok={HQ, INSPECTOR}, deny=403),
    "inspections:phone_sw": Row(ok=EVERYONE, own={ANONYMOUS: 200}),
    "inspections:visit": Row(ok={HQ, INSPECTOR}),
    "inspections:tasks": Row(ok={HQ, DISTRICT, STREET, INSPECTOR, STAFF}, deny=403),
    "inspections:task": Row(ok={HQ, INSPECTOR, STAFF}),
    "inspections:summary": Row(ok={HQ, INSPECTOR}, deny=403),
    "inspections:summary_xlsx": Row(ok={HQ, INSPECTOR}, deny=403),
    "inspections:summary_pdf": Row(ok={HQ, INSPECTOR}, deny=403),
    "inspections:setup": Row(ok={HQ, DISTRICT, STREET, INSPECTOR}, deny=403),
    # The world's photo row has no file: 404 for everyone (tests/inspections test the photo).
    "inspections:photo": Row(ok=set()),
    "GET /api/v1/inspections/visits": Row(ok=EVERYONE),
    "GET /api/v1/inspections/rectifications": Row(ok=EVERYONE),
    "POST /api/v1/inspections/rectifications/{rectification_id}/follow-ups": Act(
        ok={HQ, INSPECTOR, STAFF}
    ),
    "POST /api/v1/inspections/rectifications/{rectification_id}/close": Act(ok={HQ, INSPECTOR}),
    "GET /api/v1/inspections/plans": Row(ok=EVERYONE),
    "POST /api/v1/inspections/visits": Act(ok={HQ, INSPECTOR}),
    "POST /api/v1/inspections/visits:batch": Act(ok={HQ, INSPECTOR}, batch=True),
    # --- disinfection and patrols (issue #21 part 3, docs/patrols.md) ----------------------------
    "patrols:checklist": Row(ok=PATROL_VIEWERS, deny=403),
    "patrols:phone": Row(ok=PATROLLERS, deny=403),
    "patrols:phone_sw": Row(ok=EVERYONE, own={ANONYMOUS: 200}),
    "patrols:setup": Row(ok=PATROL_MANAGERS, deny=403),
    "patrols:history": Row(ok=PATROL_VIEWERS, deny=403),
    # The world's round has no photo: 404 for everyone (tests/patrols test the photo).
    "patrols:round_photo": Row(ok=set()),
    "patrols:findings": Row(ok=PATROL_VIEWERS, deny=403),
    "patrols:new_finding": Row(ok=PATROLLERS, deny=403),
    "patrols:finding": Row(ok=PATROL_VIEWERS),
    "patrols:finding_photo": Row(ok=set()),
    "GET /api/v1/patrols/areas": Row(ok=EVERYONE),
    "POST /api/v1/patrols/areas": Act(ok=PATROL_MANAGERS),
    "POST /api/v1/patrols/areas:buildings": Act(ok=PATROL_MANAGERS),
    "GET /api/v1/patrols/checklist": Row(ok=EVERYONE),
    "GET /api/v1/patrols/rounds": Row(ok=EVERYONE),
    "POST /api/v1/patrols/rounds": Act(ok=PATROLLERS),
    "POST /api/v1/patrols/rounds:batch": Act(ok=PATROLLERS, batch=True),
    "GET /api/v1/patrols/week": Row(ok=PATROL_VIEWERS),
    "GET /api/v1/patrols/findings": Row(ok=EVERYONE),
    "POST /api/v1/patrols/findings": Act(ok=PATROLLERS),
    "POST /api/v1/patrols/findings/{finding_id}/assign": Act(ok=PATROL_MANAGERS),
    "POST /api/v1/patrols/findings/{finding_id}/resolve": Act(ok=PATROL_MANAGERS),
    "POST /api/v1/reports/agencies/{day}": Act(ok={COORDINATOR}),
    # --- notices, policy answers, hotline (issue #21 part 2) ----------------------------------
    "notices:list": Row(ok=PUBLISHERS, deny=403),
    "notices:new": Row(ok=PUBLISHERS, deny=403),
    "notices:detail": Row(ok=PUBLISHERS),
    "notices:poster": Row(ok=PUBLISHERS),
    # The world's file row has no file: 404 for everyone (tests/notices test the file).
    "notices:file": Row(ok=set()),
    "notices:answers": Row(ok=PUBLISHERS, deny=403),
    # Answers are the city's (both sides'): only the HQ keeps them.
    "notices:answer_new": Row(ok={HQ}, deny=403),
    "notices:answer": Row(ok={HQ}, deny=403),
    "notices:calls": Row(ok=PUBLISHERS, deny=403),
    "notices:call": Row(ok=PUBLISHERS),
    # The residents' pages: a published notice and the city's answers, for anyone.
    "notice:page": Row(ok=EVERYONE, own={ANONYMOUS: 200}, other_ok=ALL, shows_other=True),
    "notice:file": Row(ok=set(), own={ANONYMOUS: 404}),
    "notice:answers": Row(ok=EVERYONE, own={ANONYMOUS: 200}, other_ok=ALL, shows_other=True),
    "GET /api/v1/notices/notices": Row(ok=PUBLISHERS, deny=403),
    "POST /api/v1/notices/notices": Act(ok=PUBLISHERS),
    "GET /api/v1/notices/notices/{notice_id}": Row(ok=PUBLISHERS),
    "PATCH /api/v1/notices/notices/{notice_id}": Act(ok=PUBLISHERS),
    "POST /api/v1/notices/notices/{notice_id}/publish": Act(ok=PUBLISHERS),
    "POST /api/v1/notices/notices/{notice_id}/withdraw": Act(ok=PUBLISHERS),
    "GET /api/v1/notices/notices/{notice_id}/versions": Row(ok=PUBLISHERS),
    "POST /api/v1/notices/notices/{notice_id}/attachments": Act(ok=PUBLISHERS),
    "GET /api/v1/notices/answers": Row(ok=PUBLISHERS, deny=403),
    "POST /api/v1/notices/answers": Act(ok={HQ}),
    "POST /api/v1/notices/answers/{answer_id}/check": Act(ok={HQ}),
    "GET /api/v1/notices/hotline/calls": Row(ok=PUBLISHERS, deny=403),
    "GET /api/v1/notices/hotline/suggestions": Row(ok=PUBLISHERS, deny=403),
    "POST /api/v1/notices/hotline/calls": Act(ok=PUBLISHERS),
    "POST /api/v1/notices/hotline/calls/{call_id}/propose": Act(ok=PUBLISHERS),
    # --- door-to-door (outreach, issue #21): seen by those who see residents and by the cadre
    # the side's building is given to; run (and recorded at any door) by those who edit them.
    "outreach:home": Row(ok=DOOR_SEERS, deny=403),
    "outreach:new": Row(ok=PLANNERS, deny=403),
    "outreach:board": Row(ok=DOOR_SEERS, post=PLANNERS),
    # Seen but not theirs to change: 403; not seen at all: 404.
    "outreach:questions": Row(
        ok=PLANNERS,
        post=PLANNERS,
        own=dict.fromkeys(DOOR_SEERS - PLANNERS, 403),
        other=dict.fromkeys(DOOR_SEERS - PLANNERS, 404),
    ),
    "outreach:tasks_export": Row(ok=DOOR_SEERS),
    "outreach:doors": Row(ok=DOOR_SEERS),
    "outreach:task": Row(ok=DOOR_SEERS, post=DOOR_RECORDERS),
    "outreach:mine": Row(ok=DOOR_SEERS, deny=403),
    "outreach:proposals": Row(ok=PLANNERS, deny=403),
    "outreach:sw": Row(ok=EVERYONE, own={ANONYMOUS: 200}),
    "GET /api/v1/outreach/campaigns": Row(ok=EVERYONE),
    "POST /api/v1/outreach/campaigns": Act(ok=PLANNERS),
    "GET /api/v1/outreach/campaigns/{campaign_id}": Row(ok=DOOR_SEERS),
    "POST /api/v1/outreach/campaigns/{campaign_id}/assignments": Act(ok=PLANNERS),
    "PUT /api/v1/outreach/campaigns/{campaign_id}/questions": Act(ok=PLANNERS),
    "GET /api/v1/outreach/campaigns/{campaign_id}/progress": Row(ok=DOOR_SEERS),
    "GET /api/v1/outreach/campaigns/{campaign_id}/buildings/{building_id}/tasks": Row(
        ok=DOOR_SEERS
    ),
    "GET /api/v1/outreach/my-buildings": Row(ok=EVERYONE),
    "POST /api/v1/outreach/tasks/{task_id}/outcome": Act(ok=DOOR_RECORDERS),
    "POST /api/v1/outreach/visits:batch": Act(ok=DOOR_RECORDERS, batch=True),
    "GET /api/v1/outreach/proposals": Row(ok=EVERYONE),
    "POST /api/v1/outreach/proposals/{proposal_id}/confirm": Act(ok=PLANNERS),
    "POST /api/v1/outreach/proposals/{proposal_id}/reject": Act(ok=PLANNERS),
    # A roster made in the background (POST /api/v1/duty/rosters answers 202 with it).
    "GET /api/v1/duty/roster-jobs/{job_id}": Row(ok=PLANNERS),
}
# fmt: on

# Cells whose right answer (above) is not today's answer. Each entry: (row, role, scope) →
# what is wrong. Their tests are xfail(strict=True): when a fix lands they pass, and the
# entry must go.
KNOWN_WRONG: dict[tuple[str, str, str], str] = {}

# The admin is Django's own (is_staff logins only, its own permission checks): one row, not
# one per model; every persona here is not staff and is sent to the admin's login.
ADMIN_URL = "/admin/"


def _endpoints() -> dict[str, tuple[str, str, dict | None]]:
    """Every endpoint: key → (kind, pattern, API operation or None)."""
    found: dict[str, tuple[str, str, dict | None]] = {
        key: ("page", pattern, None) for key, pattern in page_routes().items()
    }
    for key, op in api_operations().items():
        found[key] = ("api", op["path"], op)
    return found


ENDPOINTS = _endpoints()


def _cases() -> list:
    cases = []
    for key in sorted(set(ENDPOINTS) & set(EXPECT)):  # a missing row fails the test above
        for role in ROLES:
            wrong = [w for (k, r, _s), w in KNOWN_WRONG.items() if k == key and r == role]
            marks = [pytest.mark.xfail(strict=True, reason="; ".join(wrong))] if wrong else []
            cases.append(pytest.param(key, role, id=f"{key}|{role}", marks=marks))
    return cases


def test_every_endpoint_has_a_row() -> None:
    missing = sorted(set(ENDPOINTS) - set(EXPECT))
    stale = sorted(set(EXPECT) - set(ENDPOINTS))
    assert not missing, (
        "These endpoints have no row in EXPECT (tests/web/test_access_matrix.py): add one "
        "saying which roles may reach each, on their own places and on others' "
        "(and, for a new kind of path parameter, its object in tests/web/access_world.py):\n  "
        + "\n  ".join(missing)
    )
    assert not stale, "These rows name no endpoint any more; remove them:\n  " + "\n  ".join(stale)


def test_known_wrong_cells_name_real_rows_and_roles() -> None:
    for key, role, scope in KNOWN_WRONG:
        assert key in EXPECT, key
        assert role in ROLES, role
        assert scope in ("own", "other"), scope


def test_the_admin_sends_every_persona_to_its_login(world, db) -> None:
    for role in ROLES:
        response = world.clients[role].get(ADMIN_URL)
        assert response.status_code == 302, role
        assert "/admin/login/" in response["Location"], role


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One world for the whole module, rolled back at its end; each test runs inside it in
    its own savepoint (the `db` fixture), so a write by one test is gone for the next."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
            for role, user in built.users.items():
                client = Client()
                if user is not None:
                    client.force_login(user)
                    _token, built.tokens[role] = core_services.api_token_create(
                        actor=None, user=user, name="matrix"
                    )
                built.clients[role] = client
            yield built
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _refused(response, role: str, *, page: bool) -> bool:
    """A refusal: no login, forbidden, not found, wrong method; for a page, the anonymous
    sent to log in; on the API, a 400 whose every error is an id in the body."""
    code = response.status_code
    if role == ANONYMOUS and not page:
        return code == 401
    if role == ANONYMOUS and code == 302:
        return "/login/" in response["Location"]
    if role == ANONYMOUS and code == 401:  # a page that answers as the API does (the schema)
        return True
    if code in (403, 404, 405):
        return True
    if code == 400 and not page:
        errors = json.loads(response.content).get("errors", [])
        return bool(errors) and all(e["field"].endswith(("_id", "_ids")) for e in errors)
    return False


def _created_items(response) -> list:
    def walk(value):
        if isinstance(value, dict):
            if value.get("status") == "created" or value.get("result") == "created":
                yield value
            for v in value.values():
                yield from walk(v)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v)

    return list(walk(json.loads(response.content)))


@pytest.mark.parametrize(("key", "role"), _cases())
def test_access(world: World, db, key: str, role: str) -> None:
    kind, pattern, op = ENDPOINTS[key]
    row = EXPECT[key]
    client = world.clients[role]
    headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role in world.tokens else {}
    markers = side_markers(world.b)
    problems: list[str] = []
    for scope in ("own", "other") if has_params(key, pattern) else ("own",):
        side = world.side(scope)
        url = url_for(key, pattern, side)
        where = f"{role} on {scope} ({url})"
        if isinstance(row, Act):
            if row.may(scope, role):
                continue  # writes are each app's tests' business
            response = api_request(Client(), op, url, side, headers)
            if row.batch and response.status_code == 200 and role != ANONYMOUS:
                created = _created_items(response)
                if created:
                    problems.append(f"{where}: batch created {created}")
            elif not _refused(response, role, page=False):
                problems.append(
                    f"{where}: expected a refusal, got {response.status_code} "
                    f"{response.content[:200]!r}"
                )
            continue
        expected = row.expected(scope, role, kind == "api")
        if kind == "api":
            response = api_request(Client(), op, url, side, headers)
        else:
            response = client.get(url)
        if response.status_code != expected:
            problems.append(f"{where}: expected {expected}, got {response.status_code}")
        elif expected == 200 and role != HQ and not row.shows_other:
            text = shown_text(response)
            shown = [m for m in markers if m in text]
            if shown:
                problems.append(f"{where}: shows side B's {shown}")
        if kind == "page" and not row.may_post(scope, role):
            posted = client.post(url, {})
            if not _refused(posted, role, page=True):
                problems.append(f"{where}: POST expected a refusal, got {posted.status_code}")
    assert not problems, "\n".join(problems)
