"""Roles and what each may do. The place a role is bound to limits where it may do it."""

from __future__ import annotations

from django.db import models
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


# Roles bound to an agency rather than a place. Their place scope comes from the places
# their agency is paired with (mobilization), not from the binding itself.
AGENCY_ROLES = frozenset({Role.AGENCY_COORDINATOR})

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CITY_HQ: frozenset(
        {
            Capability.VIEW_TESTING,
            Capability.RUN_TESTING,
            Capability.RECORD_RESULTS,
            Capability.VIEW_PASSAGES,
            Capability.ISSUE_PASSES,
            Capability.GUARD_GATES,
            Capability.VIEW_DUTY,
            Capability.PLAN_DUTY,
            Capability.VIEW_PLACES,
            Capability.SET_ZONE,
            Capability.VIEW_PII,
            Capability.VIEW_RESIDENTS,
            Capability.EDIT_RESIDENTS,
            Capability.ISSUE_ORDERS,
            Capability.VIEW_MOBILIZATION,
            Capability.CHECK_IN,
            Capability.MANAGE_NEEDS,
        }
    ),
    Role.DISTRICT_OFFICER: frozenset(
        {
            Capability.VIEW_TESTING,
            Capability.VIEW_PASSAGES,
            Capability.VIEW_DUTY,
            Capability.VIEW_PLACES,
            Capability.SET_ZONE,
            Capability.VIEW_RESIDENTS,
            Capability.ISSUE_ORDERS,
            Capability.VIEW_MOBILIZATION,
            Capability.MANAGE_NEEDS,
        }
    ),
    # "street officer or above" sets zones (issue #3).
    Role.STREET_OFFICER: frozenset(
        {
            Capability.VIEW_TESTING,
            Capability.RUN_TESTING,
            Capability.VIEW_PASSAGES,
            Capability.ISSUE_PASSES,
            Capability.GUARD_GATES,
            Capability.VIEW_DUTY,
            Capability.PLAN_DUTY,
            Capability.VIEW_PLACES,
            Capability.SET_ZONE,
            Capability.VIEW_RESIDENTS,
            Capability.EDIT_RESIDENTS,
            Capability.VIEW_MOBILIZATION,
            Capability.CHECK_IN,
            Capability.MANAGE_NEEDS,
        }
    ),
    # Full ID numbers and phones: city HQ and the staff of the resident's own community (#4).
    Role.COMMUNITY_STAFF: frozenset(
        {
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
        }
    ),
    # Sees and registers their own agency's staff (bound to the agency, not a place).
    Role.AGENCY_COORDINATOR: frozenset(),
    # Cadres and volunteers see places; residents reach them through their tasks, not the registry.
    Role.CADRE: frozenset({Capability.VIEW_PLACES}),
    Role.VOLUNTEER: frozenset({Capability.VIEW_PLACES}),
    Role.INSPECTOR: frozenset(
        {
            Capability.VIEW_TESTING,
            Capability.VIEW_PASSAGES,
            Capability.VIEW_DUTY,
            Capability.VIEW_PLACES,
            Capability.VIEW_RESIDENTS,
            Capability.VIEW_MOBILIZATION,
        }
    ),
    Role.LAB_OPERATOR: frozenset({Capability.RECORD_RESULTS}),
    Role.WAREHOUSE_KEEPER: frozenset(),
}
