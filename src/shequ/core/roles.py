"""Roles and what each may do. The place a role is bound to limits where it may do it."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_HQ = "city_hq", _("City HQ")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    STREET_OFFICER = "street_officer", _("Street officer")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    AGENCY_COORDINATOR = "agency_coordinator", _("Agency coordinator")
    CADRE = "cadre", _("Cadre")
    VOLUNTEER = "volunteer", _("Volunteer")
    INSPECTOR = "inspector", _("Inspector")
    LAB_OPERATOR = "lab_operator", _("Lab operator")
    WAREHOUSE_KEEPER = "warehouse_keeper", _("Warehouse keeper")


class Capability(models.TextChoices):
    VIEW_PLACES = "view_places", _("See places")
    ADD_PLACES = "add_places", _("Add places to the place tree")
    MANAGE_PLACES = "manage_places", _("Import the place tree from a sheet (move, rename places)")
    SET_ZONE = "set_zone", _("Set lockdown, control and precaution zones")
    VIEW_PII = "view_pii", _("See ID numbers and phones in full")
    VIEW_RESIDENTS = "view_residents", _("See residents")
    EDIT_RESIDENTS = "edit_residents", _("Register, edit and import residents")
    ISSUE_ORDERS = "issue_orders", _("Issue mobilization orders")
    VIEW_MOBILIZATION = "view_mobilization", _("See who reported in and where help is needed")
    CHECK_IN = "check_in", _("Confirm that cadres and volunteers reported in")
    MANAGE_NEEDS = "manage_needs", _("Declare needs and move people between communities")
    VIEW_DUTY = "view_duty", _("See rosters, attendance and hours")
    PLAN_DUTY = "plan_duty", _("Set up posts, make rosters, approve swaps, post urgent calls")
    VIEW_PASSAGES = "view_passages", _("See the passage log, gate alerts and gate figures")
    ISSUE_PASSES = "issue_passes", _("Issue, revoke and reissue entry passes; set gate rules")
    GUARD_GATES = "guard_gates", _("Record passages at any gate (not only on one's own shift)")
    VIEW_TESTING = "view_testing", _("See testing rounds, coverage, missed lists and recalls")
    RUN_TESTING = "run_testing", _("Run testing rounds: sites, exemptions, sampling, recalls")
    RECORD_RESULTS = "record_results", _("Receive tubes at the lab and enter results")
    VIEW_HELP = "view_help", _("See help requests, their queue and figures")
    MANAGE_HELP = "manage_help", _("Open, close and cancel help requests; record repayments")
    CLAIM_HELP = "claim_help", _("Take help requests (我来) and deliver them; open one at a door")
    VIEW_SUPPLIES = "view_supplies", _("See warehouses, stock and movements")
    MOVE_STOCK = "move_stock", _("Receive, issue, transfer and adjust stock in a warehouse")
    REQUEST_SUPPLIES = (
        "request_supplies",
        _("Ask the level above for supplies (requisitions) and follow them"),
    )
    APPROVE_REQUISITIONS = (
        "approve_requisitions",
        _("Approve or reject the requisitions of the places below"),
    )
    PURGE_DATA = "purge_data", _("Delete personal data past its retention period")
    MANAGE_USERS = (
        "manage_users",
        _("Find users; grant and remove roles, lock and reset sign-in, within one's places"),
    )
    VIEW_REPORTS = "view_reports", _("See daily reports and their roll-ups")
    SUBMIT_REPORTS = "submit_reports", _("Compile, correct and submit a community's daily report")
    INSPECT = "inspect", _("Plan and record inspections; set, follow and close rectifications")
    RECTIFY = "rectify", _("See and follow up the rectifications set for one's places")
    PLAN_INSPECTIONS = (
        "plan_inspections",
        _("Set up inspections: checklists, plans over one's area, premises to inspect"),
    )
    VIEW_PATROLS = (
        "view_patrols",
        _("See disinfection checklists, rounds and patrol findings"),
    )
    RECORD_ROUNDS = (
        "record_rounds",
        _("Record disinfection rounds and patrol findings"),
    )
    MANAGE_PATROLS = (
        "manage_patrols",
        _("Set up disinfection areas and their schedules; follow up patrol findings"),
    )
    PUBLISH_NOTICES = (
        "publish_notices",
        _("Write, publish and withdraw notices to residents of one's places"),
    )
    TAKE_HOTLINE = (
        "take_hotline",
        _("Log hotline questions, see the policy answers, propose new ones"),
    )
    KEEP_ANSWERS = "keep_answers", _("Keep the city's policy answers current")
    # Agency capabilities: their scope is a set of agencies, not of places
    # (core.scopes.agency_scope_for). A role bound to an agency has them over that agency; a
    # role bound to a place that has one has it over every agency (agencies serve the city).
    VIEW_STAFF = "view_staff", _("See an agency's staff, where they reported and their hours")
    MANAGE_STAFF = "manage_staff", _("Register and import an agency's staff, sign them up")
    FILE_AGENCY_REPORTS = "file_agency_reports", _("File an agency's own daily report")
    VIEW_AGENCY_REPORTS = "view_agency_reports", _("See agencies' own daily reports")


AGENCY_CAPABILITIES = frozenset(
    {
        Capability.VIEW_STAFF,
        Capability.MANAGE_STAFF,
        Capability.FILE_AGENCY_REPORTS,
        Capability.VIEW_AGENCY_REPORTS,
    }
)

# Roles bound to an agency rather than a place. Their place scope comes from the places
# their agency is paired with (mobilization), not from the binding itself.
AGENCY_ROLES = frozenset({Role.AGENCY_COORDINATOR})

# What an agency-bound role may do over the compounds its agency is paired with (对点支援)
# today: a pairing from its first day to its last, inclusive (core.scopes.scope_for).
PAIRED_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.AGENCY_COORDINATOR: frozenset({Capability.VIEW_PLACES, Capability.VIEW_MOBILIZATION}),
}

# How high a role stands, for granting (core.user_admin): a user manager grants, over a place
# in their scope, only roles no higher than the role that gives them manage_users there.
ROLE_RANK: dict[str, int] = {
    Role.CITY_HQ: 50,
    Role.DISTRICT_OFFICER: 40,
    Role.STREET_OFFICER: 30,
    Role.INSPECTOR: 30,
    Role.AGENCY_COORDINATOR: 30,
    Role.COMMUNITY_STAFF: 20,
    Role.LAB_OPERATOR: 20,
    Role.WAREHOUSE_KEEPER: 20,
    Role.CADRE: 10,
    Role.VOLUNTEER: 10,
}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CITY_HQ: frozenset(
        {
            Capability.PUBLISH_NOTICES,
            Capability.TAKE_HOTLINE,
            Capability.KEEP_ANSWERS,
            Capability.VIEW_HELP,
            Capability.VIEW_TESTING,
            Capability.RUN_TESTING,
            Capability.RECORD_RESULTS,
            Capability.VIEW_PASSAGES,
            Capability.ISSUE_PASSES,
            Capability.GUARD_GATES,
            Capability.VIEW_DUTY,
            Capability.PLAN_DUTY,
            Capability.VIEW_PLACES,
            Capability.ADD_PLACES,
            # The place tree from a sheet: the whole city's (`scope.is_citywide`), HQ only.
            Capability.MANAGE_PLACES,
            Capability.SET_ZONE,
            Capability.VIEW_PII,
            Capability.VIEW_RESIDENTS,
            Capability.EDIT_RESIDENTS,
            Capability.ISSUE_ORDERS,
            Capability.VIEW_MOBILIZATION,
            Capability.CHECK_IN,
            Capability.MANAGE_NEEDS,
            # Every agency's staff lists and sign-ups; HQ sees people through places (where
            # they live or are on duty), not through agencies: no VIEW_STAFF.
            Capability.MANAGE_STAFF,
            # `shequ purge`: only over the whole city (core.scopes.Scope.is_citywide).
            Capability.PURGE_DATA,
            Capability.MANAGE_USERS,
            Capability.VIEW_REPORTS,
            Capability.PLAN_INSPECTIONS,
            Capability.SUBMIT_REPORTS,
            Capability.INSPECT,
            # Every agency's own daily report (a place-bound role covers every agency).
            Capability.VIEW_AGENCY_REPORTS,
            # Every warehouse of the city (docs/supplies.md).
            Capability.VIEW_SUPPLIES,
            Capability.MOVE_STOCK,
            Capability.REQUEST_SUPPLIES,
            Capability.APPROVE_REQUISITIONS,
            Capability.VIEW_PATROLS,
            Capability.RECORD_ROUNDS,
            Capability.MANAGE_PATROLS,
        }
    ),
    Role.DISTRICT_OFFICER: frozenset(
        {
            Capability.PUBLISH_NOTICES,
            Capability.TAKE_HOTLINE,
            Capability.VIEW_HELP,
            Capability.VIEW_TESTING,
            Capability.VIEW_PASSAGES,
            Capability.VIEW_DUTY,
            Capability.VIEW_PLACES,
            Capability.ADD_PLACES,
            Capability.SET_ZONE,
            Capability.VIEW_RESIDENTS,
            Capability.ISSUE_ORDERS,
            Capability.VIEW_MOBILIZATION,
            Capability.MANAGE_NEEDS,
            Capability.VIEW_REPORTS,
            Capability.PLAN_INSPECTIONS,
            # Requisitions: ask the city, approve the streets' (docs/supplies.md).
            Capability.REQUEST_SUPPLIES,
            Capability.APPROVE_REQUISITIONS,
            Capability.VIEW_PATROLS,
        }
    ),
    # "street officer or above" sets zones (issue #3).
    Role.STREET_OFFICER: frozenset(
        {
            Capability.PUBLISH_NOTICES,
            Capability.TAKE_HOTLINE,
            Capability.VIEW_HELP,
            Capability.VIEW_TESTING,
            Capability.RUN_TESTING,
            Capability.VIEW_PASSAGES,
            Capability.ISSUE_PASSES,
            Capability.GUARD_GATES,
            Capability.VIEW_DUTY,
            Capability.PLAN_DUTY,
            Capability.VIEW_PLACES,
            Capability.ADD_PLACES,
            Capability.SET_ZONE,
            Capability.VIEW_RESIDENTS,
            Capability.EDIT_RESIDENTS,
            Capability.VIEW_MOBILIZATION,
            Capability.CHECK_IN,
            Capability.MANAGE_NEEDS,
            # The street's own users: community staff, cadres, volunteers… (not above them).
            Capability.MANAGE_USERS,
            Capability.VIEW_REPORTS,
            Capability.PLAN_INSPECTIONS,
            # Requisitions: ask the district, approve the communities' (docs/supplies.md).
            Capability.REQUEST_SUPPLIES,
            Capability.APPROVE_REQUISITIONS,
            Capability.VIEW_PATROLS,
            Capability.MANAGE_PATROLS,
        }
    ),
    # Full ID numbers and phones: city HQ and the staff of the resident's own community (#4).
    Role.COMMUNITY_STAFF: frozenset(
        {
            Capability.PUBLISH_NOTICES,
            Capability.TAKE_HOTLINE,
            Capability.VIEW_HELP,
            Capability.MANAGE_HELP,
            Capability.CLAIM_HELP,
            Capability.VIEW_TESTING,
            Capability.RUN_TESTING,
            Capability.VIEW_PASSAGES,
            Capability.ISSUE_PASSES,
            Capability.GUARD_GATES,
            Capability.VIEW_DUTY,
            Capability.PLAN_DUTY,
            Capability.VIEW_PLACES,
            Capability.VIEW_PII,
            Capability.VIEW_RESIDENTS,
            Capability.EDIT_RESIDENTS,
            Capability.VIEW_MOBILIZATION,
            Capability.CHECK_IN,
            Capability.MANAGE_NEEDS,
            Capability.VIEW_REPORTS,
            Capability.SUBMIT_REPORTS,
            Capability.RECTIFY,
            # Ask the street for supplies (requisitions, docs/supplies.md).
            Capability.REQUEST_SUPPLIES,
            Capability.VIEW_PATROLS,
            Capability.RECORD_ROUNDS,
            Capability.MANAGE_PATROLS,
        }
    ),
    # Sees and registers their own agency's staff (bound to the agency, not a place).
    Role.AGENCY_COORDINATOR: frozenset(
        {
            Capability.VIEW_STAFF,
            Capability.MANAGE_STAFF,
            Capability.FILE_AGENCY_REPORTS,
            Capability.VIEW_AGENCY_REPORTS,
        }
    ),
    # Cadres and volunteers see places; residents reach them through their tasks, not the registry.
    # ... and the help requests of the community they serve (claimed, delivered at the door).
    # ... and record the disinfection rounds and patrol findings of their community (patrols).
    Role.CADRE: frozenset(
        {
            Capability.VIEW_PLACES,
            Capability.CLAIM_HELP,
            Capability.VIEW_PATROLS,
            Capability.RECORD_ROUNDS,
        }
    ),
    Role.VOLUNTEER: frozenset(
        {
            Capability.VIEW_PLACES,
            Capability.CLAIM_HELP,
            Capability.VIEW_PATROLS,
            Capability.RECORD_ROUNDS,
        }
    ),
    Role.INSPECTOR: frozenset(
        {
            Capability.VIEW_HELP,
            Capability.VIEW_TESTING,
            Capability.VIEW_PASSAGES,
            Capability.VIEW_DUTY,
            Capability.VIEW_PLACES,
            Capability.VIEW_RESIDENTS,
            Capability.VIEW_MOBILIZATION,
            Capability.VIEW_REPORTS,
            Capability.PLAN_INSPECTIONS,
            Capability.INSPECT,
            Capability.VIEW_PATROLS,
        }
    ),
    Role.LAB_OPERATOR: frozenset({Capability.RECORD_RESULTS}),
    # The warehouses at and below their place: a street keeper the street's warehouse and its
    # community stores, a community keeper their store only (docs/supplies.md).
    # They ask for what their store lacks too (requisitions); shipping one is moving stock.
    Role.WAREHOUSE_KEEPER: frozenset(
        {Capability.VIEW_SUPPLIES, Capability.MOVE_STOCK, Capability.REQUEST_SUPPLIES}
    ),
}


# Why a role may not do something (403), by capability: the reason the user reads. A
# capability missing here gets the general reason, which names it.
REFUSALS: dict[str, Promise] = {
    Capability.SET_ZONE: _("Only street officers and above may set or lift zones here."),
    Capability.ADD_PLACES: _("You may not add places here."),
    Capability.MANAGE_PLACES: _("Only the city HQ may import the city's places."),
    Capability.EDIT_RESIDENTS: _("Your role may not register, edit or import residents here."),
    Capability.VIEW_PII: _("Only the city HQ and the resident's own community see this in full."),
    Capability.PURGE_DATA: _("Only the city HQ may delete data past retention."),
    Capability.MANAGE_USERS: _(
        "Only the city HQ and street officers manage users, in their places."
    ),
    Capability.MANAGE_HELP: _("Only the community's staff may do this to a help request."),
    Capability.MOVE_STOCK: _("Only the warehouse's keepers move its stock."),
    Capability.REQUEST_SUPPLIES: _(
        "Only the staff and keepers of this place ask for its supplies."
    ),
    Capability.APPROVE_REQUISITIONS: _(
        "Only the officers of the level above approve this requisition."
    ),
    Capability.CLAIM_HELP: _(
        "Only cadres, volunteers and staff of this community take its help requests."
    ),
    Capability.RECORD_ROUNDS: _(
        "Only cadres, volunteers and staff of this community record its rounds and patrols."
    ),
    Capability.MANAGE_PATROLS: _(
        "Only the community's staff and its street set up disinfection and follow up patrols."
    ),
    Capability.PUBLISH_NOTICES: _(
        "Only the staff and officers of the whole place publish notices to it."
    ),
    Capability.KEEP_ANSWERS: _("Only the city HQ keeps the city's policy answers."),
}


def refusal(capability: str, place: Any = None) -> str:
    """The reason a user is refused `capability` (at `place`), in their language."""
    if capability in REFUSALS:
        return str(REFUSALS[capability])
    label = Capability(capability).label if capability in Capability.values else capability
    if place is None:
        return gettext("Your role may not do this (it takes: %(capability)s).") % {
            "capability": label
        }
    return gettext("Your role may not do this at %(place)s (it takes: %(capability)s).") % {
        "place": place.name,
        "capability": label,
    }
