/* A building's doors on the cadre's phone, offline first (the same approach as
 * inspections/phone.js and checkpoints/gate.js).
 *
 * The doors of the building in walking order (unit, floor, room) and the campaign's
 * questions come from GET /api/v1/outreach/campaigns/<c>/buildings/<b>/tasks and are kept in
 * IndexedDB (Dexie), so the page works with no network once it has been opened (its service
 * worker keeps the page). Tapping a door opens its task: the questions, a new arrival or a
 * returnee, and four big buttons (done, nobody home, refused, moved away). The outcome is
 * queued on the phone with its own UUID and the phone's time, the door shows it at once, and
 * it is sent to POST /api/v1/outreach/visits:batch when the network is there. The server
 * answers each one: a recorded one leaves the queue (a resend is a duplicate, recorded once);
 * a refused one stays red on its door with the server's reason, until removed.
 *
 * Sending, refreshing, the status line and the service worker are shequ/offline.js's
 * (ShequOffline). All text comes from the page (json_script "od-config".strings).
 */
(function () {
  "use strict";

  var O = window.ShequOffline;
  var $ = O.$, fmt = O.fmt, el = O.el, clock = O.clock;
  var config = JSON.parse($("od-config").textContent);
  var T = config.strings;
  var USER = config.user_id;
  var KEY = USER + ":" + config.campaign_id + ":" + config.building_id;

  var db = new Dexie("shequ-doors");
  db.version(1).stores({
    snapshots: "key",                          // {key, data: {tasks, questions, may_record}, fetched_at}
    queue: "client_uuid, user_id, created_at"  // {client_uuid, user_id, key, item, label, state, field, message, created_at}
  });

  var snap = null;      // the building's doors as last fetched
  var fetchedAt = null;
  var rows = [];        // this user's queued outcomes for this building, oldest first
  var open = null;      // the task whose panel is open
  var toast = O.toaster("od-toast");

  var link = O.link(config, {
    prefix: "od-",
    waiting: function () { return rows.filter(function (r) { return r.state === "waiting"; }); },
    answers: applyResults,
    snapshot: function (data) {
      snap = data;
      fetchedAt = new Date().toISOString();
      return db.snapshots.put({ key: KEY, data: data, fetched_at: fetchedAt });
    },
    forget: function () {
      snap = null;
      fetchedAt = null;
      return db.snapshots.delete(KEY).then(render);
    },
    render: render,
    syncEveryMs: 20 * 1000
  });

  function questions() { return (snap && snap.questions) || config.questions || []; }
  function tasks() { return (snap && snap.tasks) || []; }
  function task(id) { return tasks().filter(function (t) { return t.id === id; })[0] || null; }
  function queued(id) {
    var mine = rows.filter(function (r) { return r.item.task_id === id; });
    return mine[mine.length - 1] || null;
  }
  function label(q) {
    if (q.text) return q.text;
    return typeof q.label === "string" ? q.label : (q.label.zh || q.label.en || q.key);
  }

  // ---- the list -----------------------------------------------------------------------
  function statusOf(t) {
    var q = queued(t.id);
    if (q && q.state === "rejected") return { cls: "sq-od-s-refused", text: T.state_rejected, q: q };
    if (q) return { cls: "sq-od-s-waiting", text: T["status_" + q.item.outcome] + " · " + T.state_waiting, q: q };
    var text = T["status_" + t.status] || t.status;
    if (t.visits) text = t.status === "nobody_home" ? text + " ×" + t.visits : text + " · " + fmt(T.visits, { n: t.visits });
    return { cls: "sq-od-s-" + t.status, text: text, q: null };
  }

  function render() {
    var list = $("od-list");
    list.textContent = "";
    var lastGroup = null, ul = null;
    tasks().forEach(function (t) {
      var group = (t.unit ? t.unit + "·" : "") + t.floor;
      if (group !== lastGroup) {
        list.appendChild(el("p", {
          className: "sq-od-floor",
          text: (t.unit ? fmt(T.unit, { u: t.unit }) + " · " : "") + fmt(T.floor, { n: t.floor })
        }));
        ul = el("ul", { className: "sq-od-doors" });
        list.appendChild(ul);
        lastGroup = group;
      }
      var s = statusOf(t);
      var bad = s.q && s.q.state === "rejected";
      ul.appendChild(el("li", {
        className: "sq-od-door" + (bad ? " sq-od-bad" : ""), "data-testid": "od-door-row",
        "data-task": String(t.id), "data-status": s.q ? s.q.state : t.status
      }, [
        el("button", {
          type: "button", className: "sq-od-open", "data-testid": "od-open",
          text: t.household + (t.resident ? " · " + t.resident : ""),
          onclick: function () { openPanel(t); }
        }),
        el("span", { className: "sq-badge " + s.cls, text: s.text }),
        bad ? el("p", { className: "sq-field-msg", "data-testid": "od-reason", text: s.q.message }) : null,
        bad ? el("button", {
          type: "button", className: "weui-btn weui-btn_mini weui-btn_default", text: T.remove,
          onclick: function () { remove(s.q); }
        }) : null
      ]));
    });
    link.showStatus({
      waiting: rows.filter(function (r) { return r.state === "waiting"; }).length,
      rejected: rows.filter(function (r) { return r.state === "rejected"; }).length,
      fetchedAt: fetchedAt,
      when: fetchedAt ? clock(fetchedAt) : ""
    });
    $("od-sync").hidden = false;
  }

  // ---- one door -----------------------------------------------------------------------
  function input(q, value) {
    var id = "od-q-" + q.key;
    if (q.type === "yes_no") {
      var yes = el("input", { type: "radio", name: id, value: "yes" });
      var no = el("input", { type: "radio", name: id, value: "no" });
      if (value === true) yes.checked = true;
      if (value === false) no.checked = true;
      return el("div", { className: "sq-od-q", "data-key": q.key, "data-testid": "od-question" }, [
        el("p", { text: label(q) + (q.required ? " *" : "") }),
        el("div", { className: "sq-od-yesno" }, [
          el("label", {}, [yes, el("span", { text: " " + T.yes })]),
          el("label", {}, [no, el("span", { text: " " + T.no })])
        ])
      ]);
    }
    var field;
    if (q.type === "choice") {
      field = el("select", { id: id }, [el("option", { value: "", text: "—" })].concat(
        (q.choices || []).map(function (c, i) {
          return el("option", { value: c, text: (q.choice_texts || [])[i] || c });
        })));
    } else {
      field = el("input", { id: id, type: q.type === "number" ? "number" : q.type === "date" ? "date" : "text" });
    }
    if (value !== undefined && value !== null) field.value = String(value);
    return el("div", { className: "sq-od-q", "data-key": q.key, "data-testid": "od-question" }, [
      el("label", { "for": id, text: label(q) + (q.required ? " *" : "") }), field
    ]);
  }

  function openPanel(t) {
    open = t;
    $("od-panel").reset();
    $("od-door").textContent = t.household + (t.resident ? " · " + t.resident : "");
    var box = $("od-questions");
    box.textContent = "";
    questions().forEach(function (q) { box.appendChild(input(q, (t.answers || {})[q.key])); });
    var buttons = $("od-outcomes");
    buttons.textContent = "";
    config.outcomes.forEach(function (o) {
      buttons.appendChild(el("button", {
        type: "button", "data-testid": "od-outcome-" + o[0], text: o[1],
        className: "weui-btn " + (o[0] === "done" ? "weui-btn_primary" : o[0] === "refused" ? "weui-btn_warn" : "weui-btn_default"),
        onclick: function () { record(o[0]); }
      }));
    });
    error("");
    $("od-list-card").hidden = true;
    $("od-panel").hidden = false;
    window.scrollTo(0, 0);
  }

  function closePanel() {
    open = null;
    $("od-panel").hidden = true;
    $("od-list-card").hidden = false;
  }

  function error(text) {
    $("od-error").textContent = text;
    $("od-error").hidden = !text;
  }

  function answers(outcome) {
    var out = {};
    var qs = questions();
    for (var n = 0; n < qs.length; n++) {
      var q = qs[n], value = null;
      if (q.type === "yes_no") {
        var picked = document.querySelector("input[name='od-q-" + q.key + "']:checked");
        if (picked) value = picked.value === "yes";
      } else {
        var v = $("od-q-" + q.key).value.trim();
        if (v !== "") value = q.type === "number" ? Number(v) : v;
      }
      if (value === null) {
        if (outcome === "done" && q.required) { error(fmt(T.answer_required, { q: label(q) })); return null; }
        continue;
      }
      out[q.key] = value;
    }
    return out;
  }

  function people() {
    var list = [];
    var name = $("od-arrival-name").value.trim(), from = $("od-arrival-from").value.trim();
    var doc = $("od-arrival-doc").value.trim(), phone = $("od-arrival-phone").value.trim();
    if (name || doc || from || phone) {
      if (!name) { error(T.arrival_name); return null; }
      list.push({ kind: "new_arrival", name: name, document_number: doc, phone: phone, came_from: from });
    }
    var rname = $("od-returnee-name").value.trim(), rfrom = $("od-returnee-from").value.trim();
    if (rname || rfrom) {
      if (!rfrom) { error(T.returnee_from); return null; }
      list.push({ kind: "returnee", name: rname, came_from: rfrom });
    }
    return list;
  }

  function record(outcome) {
    if (!open) return;
    var a = answers(outcome);
    if (a === null) return;
    var p = outcome === "done" ? people() : [];
    if (p === null) return;
    var id = O.newUuid();
    var row = {
      client_uuid: id, user_id: USER, key: KEY, state: "waiting", field: "", message: "",
      label: open.household, created_at: new Date().toISOString(),
      item: {
        client_uuid: id, task_id: open.id, outcome: outcome, at: O.isoWithOffset(new Date()),
        answers: outcome === "done" ? a : {}, note: $("od-note").value.trim(), people: p
      }
    };
    rows.push(row);
    toast(fmt(T.queued, { door: open.household }));
    closePanel();
    db.queue.put(row).then(function () { render(); link.sync(true); });
  }

  function remove(row) {
    rows = rows.filter(function (r) { return r !== row; });
    db.queue.delete(row.client_uuid).then(render);
  }

  // ---- the server's answers -----------------------------------------------------------
  function applyResults(sent, results) {
    var s = O.settle(db.queue, sent, results, T.sync_failed, function (row, r) {
      var t = task(row.item.task_id);
      if (t && r.task_status) { t.status = r.task_status; t.visits = r.visits; }
      if (t && row.item.outcome === "done") t.answers = row.item.answers;
    });
    rows = rows.filter(function (x) { return s.done.indexOf(x) === -1; });
    var writes = [s.written];
    if (snap) writes.push(db.snapshots.put({ key: KEY, data: snap, fetched_at: fetchedAt }));
    return Promise.all(writes);
  }

  // ---- start ----------------------------------------------------------------------------
  function loadCached() {
    return db.snapshots.get(KEY).then(function (row) {
      if (row) { snap = row.data; fetchedAt = row.fetched_at; } else { snap = config.snapshot; }
    });
  }

  function loadQueue() {
    return db.queue.where("user_id").equals(USER).sortBy("created_at").then(function (list) {
      rows = list.filter(function (r) { return r.key === KEY; });
    });
  }

  $("od-back").addEventListener("click", closePanel);
  $("od-static").hidden = true;
  $("od-app").hidden = false;
  link.start(function () { return Promise.all([loadCached(), loadQueue()]); });
})();
