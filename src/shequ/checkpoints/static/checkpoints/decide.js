/* The gate decision, line for line the same as shequ/checkpoints/decisions.py `decide`.
 * Both are checked against tests/checkpoints/decision_cases.json (Python in
 * tests/checkpoints/test_decisions.py, this file in tests/e2e/test_gate_decisions.py).
 * `reasons` is the snapshot's table: code -> {effect: "refuse"|"check"|"note", alert, label}. */
(function (root) {
  "use strict";

  var DEFAULT_RULES = {
    fever_at: 37.3,
    require_temperature: true,
    require_health_code: true,
    star_extra_check: true,
    require_pass: true,
    exit_quota: null,
    visitors: true,
    isolation_statuses: ["home_isolation", "central_isolation", "hospital", "close_contact",
      "secondary_contact", "pending_retest"]
  };
  var EFFECTS = {
    zone_lockdown_no_exit: ["refuse", false], zone_control_no_exit: ["refuse", false],
    zone_no_visitors: ["refuse", false], visitors_not_allowed: ["refuse", false],
    isolation_breach: ["refuse", true], isolation_returning: ["note", true],
    fever: ["refuse", true], temperature_missing: ["refuse", false],
    health_code_red: ["refuse", true], health_code_yellow: ["refuse", true],
    health_code_missing: ["refuse", false], travel_star: ["check", false],
    no_pass: ["refuse", false], pass_unknown: ["refuse", false], pass_revoked: ["refuse", false],
    pass_lost: ["refuse", false], pass_superseded: ["refuse", false],
    pass_not_yet_valid: ["refuse", false], pass_expired: ["refuse", false],
    pass_quota_used: ["refuse", false]
  };

  function withDefaults(rules) {
    var full = {};
    for (var k in DEFAULT_RULES) full[k] = DEFAULT_RULES[k];
    for (var j in rules || {}) full[j] = rules[j];
    return full;
  }

  function daysBefore(day, days) {
    var d = new Date(day + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() - days);
    return d.toISOString().slice(0, 10);
  }

  function passReasons(facts, pass, out, rules) {
    if (pass === null || pass === undefined) return ["no_pass"];
    if (pass.status === "unknown") return ["pass_unknown"];
    if (pass.status === "revoked") return ["pass_revoked"];
    if (pass.status === "lost") return ["pass_lost"];
    if (!pass.version_ok) return ["pass_superseded"];
    var day = facts.date;
    if (day < pass.valid_from) return ["pass_not_yet_valid"];
    if (day > pass.valid_until) return ["pass_expired"];
    var quota = rules.exit_quota;
    if (out && quota) {
      var since = daysBefore(day, quota.days - 1);
      var used = (pass.exit_dates || []).filter(function (d) {
        return since <= d && d <= day;
      }).length;
      if (used >= quota.people) return ["pass_quota_used"];
    }
    return [];
  }

  function decide(facts, pass, resident, zone, rules) {
    rules = withDefaults(rules);
    var out = facts.direction === "out";
    var subject = facts.subject;
    var reasons = [];

    if (subject === "resident" && out && zone === "lockdown") reasons.push("zone_lockdown_no_exit");
    if (subject === "resident" && out && zone === "control") reasons.push("zone_control_no_exit");
    if (subject === "visitor" && !out) {
      if (zone === "lockdown" || zone === "control") reasons.push("zone_no_visitors");
      else if (!rules.visitors) reasons.push("visitors_not_allowed");
    }
    if (subject === "resident" && resident &&
        rules.isolation_statuses.indexOf(resident.status) !== -1) {
      reasons.push(out ? "isolation_breach" : "isolation_returning");
    }

    var t = facts.temperature;
    if (t === null || t === undefined) {
      if (rules.require_temperature) reasons.push("temperature_missing");
    } else if (t >= rules.fever_at) {
      reasons.push("fever");
    }
    var code = facts.health_code || "";
    if (code === "red" || code === "yellow") reasons.push("health_code_" + code);
    else if (!code && rules.require_health_code) reasons.push("health_code_missing");
    if (facts.travel_star && rules.star_extra_check) reasons.push("travel_star");

    if (subject === "resident" && rules.require_pass) {
      reasons = reasons.concat(passReasons(facts, pass, out, rules));
    }
    return {
      decision: reasons.some(function (r) { return EFFECTS[r][0] === "refuse"; }) ? "refuse" : "allow",
      reasons: reasons,
      alert: reasons.some(function (r) { return EFFECTS[r][1]; })
    };
  }

  var api = { decide: decide, DEFAULT_RULES: DEFAULT_RULES, EFFECTS: EFFECTS };
  root.ShequGate = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : this);
