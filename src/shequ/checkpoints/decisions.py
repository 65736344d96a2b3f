"""The gate decision: one pure function over plain data, mirrored line by line in
`static/checkpoints/decide.js` so a phone with no network decides exactly as the server does.

Everything `decide` reads is JSON-shaped (strings, numbers, booleans, lists, dicts), which is
what the gate page caches; `tests/checkpoints/decision_cases.json` holds the cases both
implementations must agree on.

    facts    {"direction": "in"|"out", "subject": "resident"|"visitor"|"vehicle",
              "temperature": 36.5|None, "health_code": "green"|"yellow"|"red"|"",
              "travel_star": True|False|None, "date": "2026-11-27"}   (date: local day)
    pass_    None (no pass shown), {"status": "unknown"} (a code that is no pass of this
             community: forged, altered, or another community's), or
             {"status": "active"|"revoked"|"lost", "version_ok": bool,
              "valid_from": "2026-11-01", "valid_until": "2026-12-31",
              "exit_dates": ["2026-11-26", ...]}   (the household's earlier exits)
    resident None, or {"status": "normal"|"home_isolation"|...}
    zone     "lockdown"|"control"|"precaution"|""
    rules    a community's gate rules (DEFAULT_RULES with its changes)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

# A community's rules start from these; each key is documented in docs/checkpoints.md.
DEFAULT_RULES: dict[str, Any] = {
    "fever_at": 37.3,
    "require_temperature": True,
    "require_health_code": True,
    "star_extra_check": True,
    "require_pass": True,
    "exit_quota": None,  # e.g. {"people": 1, "days": 2}: one exit per household in two days
    "visitors": True,
    "isolation_statuses": [
        "home_isolation",
        "central_isolation",
        "hospital",
        "close_contact",
        "secondary_contact",
        "pending_retest",
    ],
}

REFUSE, CHECK, NOTE = "refuse", "check", "note"

# code → (effect, alert the community's staff?, what the gate shows). The order is the order
# in which `decide` looks, and so the order of the reasons it gives. The labels do not say the
# community was alerted: the phone decides before anything reaches the server (and offline,
# long before); `reason_text` adds it for a passage the server has recorded.
REASONS: dict[str, tuple[str, bool, Any]] = {
    "zone_lockdown_no_exit": (REFUSE, False, _("Lockdown zone: nobody leaves home.")),
    "zone_control_no_exit": (REFUSE, False, _("Control zone: nobody leaves the compound.")),
    "zone_no_visitors": (REFUSE, False, _("Lockdown or control zone: no visitors.")),
    "visitors_not_allowed": (REFUSE, False, _("The community admits no visitors now.")),
    "isolation_breach": (
        REFUSE,
        True,
        _("In isolation or awaiting a retest: may not go out."),
    ),
    "isolation_returning": (
        NOTE,
        True,
        _("In isolation or awaiting a retest, but was outside."),
    ),
    "fever": (REFUSE, True, _("Fever (%(t)s °C or more).")),
    "temperature_missing": (REFUSE, False, _("Take the temperature first.")),
    "health_code_red": (REFUSE, True, _("Red health code.")),
    "health_code_yellow": (REFUSE, True, _("Yellow health code.")),
    "health_code_missing": (REFUSE, False, _("Check the health code first.")),
    "travel_star": (CHECK, False, _("Travel code has a star: ask where they have been.")),
    "no_pass": (REFUSE, False, _("No entry pass.")),
    "pass_unknown": (REFUSE, False, _("Not an entry pass of this community (forged or altered?).")),
    "pass_revoked": (REFUSE, False, _("Entry pass revoked.")),
    "pass_lost": (REFUSE, False, _("Entry pass reported lost.")),
    "pass_superseded": (REFUSE, False, _("Old copy of a reissued pass.")),
    "pass_not_yet_valid": (REFUSE, False, _("Entry pass not valid yet.")),
    "pass_expired": (REFUSE, False, _("Entry pass expired.")),
    "pass_quota_used": (REFUSE, False, _("The household's exits for these days are used.")),
}
ALERTS = frozenset(code for code, (_effect, alert, _label) in REASONS.items() if alert)


def reason_label(code: str, rules: dict[str, Any] | None = None) -> str:
    """What the gate shows for a reason before the passage is recorded, in the active language;
    the fever threshold is the community's (`rules`), the default when not given."""
    label = str(REASONS[code][2])
    if code == "fever":
        return label % {"t": rules_with_defaults(rules)["fever_at"]}
    return label


def reason_text(code: str, rules: dict[str, Any] | None = None) -> str:
    """A recorded passage's reason: the label, and for an alerting reason that the community
    was alerted (the server alerts when it records the passage)."""
    label = reason_label(code, rules)
    if REASONS[code][1]:
        return _("%(reason)s Community alerted.") % {"reason": label}
    return label


def rules_with_defaults(rules: dict[str, Any] | None) -> dict[str, Any]:
    """The full rule set: the defaults with a community's changes on top."""
    return {**DEFAULT_RULES, **(rules or {})}


def changed_rules(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The keys (in DEFAULT_RULES order) whose values differ between two full rule sets; the
    order of the isolation statuses does not count."""
    return [key for key in DEFAULT_RULES if not _same(before, after, key)]


def changes_from_defaults(full: dict[str, Any]) -> dict[str, Any]:
    """What a community stores: only the rules that differ from the defaults."""
    return {key: full[key] for key in changed_rules(DEFAULT_RULES, full)}


def _same(a: dict[str, Any], b: dict[str, Any], key: str) -> bool:
    if key == "isolation_statuses":
        return sorted(a[key]) == sorted(b[key])
    return a[key] == b[key]


def _days_before(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) - dt.timedelta(days=days)).isoformat()


def decide(
    facts: dict[str, Any],
    pass_: dict[str, Any] | None,
    resident: dict[str, Any] | None,
    zone: str,
    rules: dict[str, Any],
) -> dict[str, Any]:
    """Allow or refuse one passage, with every reason: {"decision", "reasons", "alert"}."""
    rules = rules_with_defaults(rules)
    out = facts["direction"] == "out"
    subject = facts["subject"]
    reasons: list[str] = []

    if subject == "resident" and out and zone == "lockdown":
        reasons.append("zone_lockdown_no_exit")
    if subject == "resident" and out and zone == "control":
        reasons.append("zone_control_no_exit")
    if subject == "visitor" and not out:
        if zone in ("lockdown", "control"):
            reasons.append("zone_no_visitors")
        elif not rules["visitors"]:
            reasons.append("visitors_not_allowed")
    if subject == "resident" and resident and resident["status"] in rules["isolation_statuses"]:
        reasons.append("isolation_breach" if out else "isolation_returning")

    temperature = facts.get("temperature")
    if temperature is None:
        if rules["require_temperature"]:
            reasons.append("temperature_missing")
    elif temperature >= rules["fever_at"]:
        reasons.append("fever")
    code = facts.get("health_code") or ""
    if code in ("red", "yellow"):
        reasons.append("health_code_" + code)
    elif not code and rules["require_health_code"]:
        reasons.append("health_code_missing")
    if facts.get("travel_star") and rules["star_extra_check"]:
        reasons.append("travel_star")

    if subject == "resident" and rules["require_pass"]:
        reasons.extend(_pass_reasons(facts, pass_, out, rules))

    return {
        "decision": "refuse" if any(REASONS[r][0] == REFUSE for r in reasons) else "allow",
        "reasons": reasons,
        "alert": any(r in ALERTS for r in reasons),
    }


def _pass_reasons(
    facts: dict[str, Any], pass_: dict[str, Any] | None, out: bool, rules: dict[str, Any]
) -> list[str]:
    if pass_ is None:
        return ["no_pass"]
    if pass_["status"] == "unknown":
        return ["pass_unknown"]
    if pass_["status"] == "revoked":
        return ["pass_revoked"]
    if pass_["status"] == "lost":
        return ["pass_lost"]
    if not pass_["version_ok"]:
        return ["pass_superseded"]
    day = facts["date"]
    if day < pass_["valid_from"]:
        return ["pass_not_yet_valid"]
    if day > pass_["valid_until"]:
        return ["pass_expired"]
    quota = rules["exit_quota"]
    if out and quota:
        since = _days_before(day, quota["days"] - 1)
        used = sum(1 for d in pass_.get("exit_dates", ()) if since <= d <= day)
        if used >= quota["people"]:
            return ["pass_quota_used"]
    return []
