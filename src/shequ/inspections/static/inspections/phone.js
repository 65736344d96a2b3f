/* The inspector's phone page, offline first (the same approach as checkpoints/gate.js).
 *
 * The plans the inspector works under, each with its checklist's items (问 ask, 查 check
 * records, 看 look on site) and its targets, come from GET /api/v1/inspections/plans and are
 * kept in IndexedDB (Dexie), so the page works with no network once it has been opened (its
 * service worker keeps the page). A visit — plan, target, an answer per item (in order, or a
 * problem with a note), notes — is queued on the phone with its own UUID and the phone's time,
 * and sent to POST /api/v1/inspections/visits:batch when the network is there. The server
 * answers each visit: a recorded one leaves the phone; a refused one stays, marked with the
 * server's reason (the item it names), to be corrected and sent again, or removed; it never
 * holds up the others.
 *
 * Sending, refreshing, the status line and the service worker are shequ/offline.js's
 * (ShequOffline). All text comes from the page (json_script "ip-config".strings).
 */
(function () {
  "use strict";

  var O = window.ShequOffline;
  var $ = O.$, fmt = O.fmt, el = O.el, clock = O.clock;
  var config = JSON.parse($("ip-config").textContent);
  var T = config.strings;
  var USER = config.user_id;

  var db = new Dexie("shequ-inspect");
  db.version(1).stores({
    snapshots: "user_id",                  // {user_id, data: [plans], fetched_at}
    queue: "client_uuid, user_id, created_at" // {client_uuid, user_id, item, label, state, field, message, created_at}
  });

  var plans = [];       // the snapshot: [{id, name, items: [{id, section, text}], targets}]
  var fetchedAt = null;
  var rows = [];        // this user's queued visits, oldest first
  var editing = null;   // the client UUID of the refused visit being corrected
  var toast = O.toaster("ip-toast");

  var link = O.link(config, {
    prefix: "ip-", // the status line's ids, and ip-sync
    waiting: function () { return rows.filter(function (r) { return r.state === "waiting"; }); },
    answers: applyResults,
    snapshot: function (data) {
      useSnapshot(data, new Date().toISOString());
      return db.snapshots.put({ user_id: USER, data: data, fetched_at: fetchedAt });
    },
    forget: function () {
      useSnapshot([], null);
      return db.snapshots.delete(USER).then(render);
    },
    render: render,
    syncEveryMs: 20 * 1000
  });

  // ---- the snapshot ---------------------------------------------------------------------
  function useSnapshot(data, when) {
    var chosen = $("ip-plan").value;
    plans = Array.isArray(data) ? data : [];
    fetchedAt = when;
    fillPlans(chosen);
  }

  function plan(id) {
    return plans.filter(function (p) { return String(p.id) === String(id); })[0] || null;
  }

  function fillPlans(chosen) {
    var select = $("ip-plan");
    select.textContent = "";
    plans.forEach(function (p) {
      select.appendChild(el("option", { value: String(p.id), text: p.name }));
    });
    if (chosen && plan(chosen)) select.value = chosen;
    fillPlan();
  }

  // The targets and the checklist of the plan chosen.
  function fillPlan() {
    var p = plan($("ip-plan").value);
    var target = $("ip-target");
    var kept = target.value;
    target.textContent = "";
    target.appendChild(el("option", { value: "", text: "—" }));
    (p ? p.targets : []).forEach(function (t) {
      target.appendChild(el("option", { value: t.kind + ":" + t.id, text: t.name }));
    });
    target.value = kept;
    if (target.value !== kept) target.value = "";
    var box = $("ip-items");
    box.textContent = "";
    if (!p) {
      box.appendChild(el("p", { className: "sq-help", text: T.no_plans }));
      return;
    }
    config.sections.forEach(function (section) {
      var items = p.items.filter(function (i) { return i.section === section[0]; });
      if (!items.length) return;
      box.appendChild(el("h3", { className: "sq-ip-section", text: section[1] }));
      items.forEach(function (i) { box.appendChild(itemRow(i)); });
    });
  }

  function itemRow(i) {
    var name = "ip-r" + i.id;
    function choice(value, label, testid) {
      return el("label", { className: "sq-ip-choice sq-ip-" + value, "data-testid": testid }, [
        el("input", { type: "radio", name: name, value: value }),
        el("span", { text: label })
      ]);
    }
    return el("div", { className: "sq-ip-item", "data-testid": "ip-item", "data-item": String(i.id) }, [
      el("p", { className: "sq-ip-text", text: i.text }),
      el("div", { className: "sq-ip-choices" }, [
        choice("ok", T.ok, "ip-ok"),
        choice("problem", T.problem, "ip-problem-choice")
      ]),
      el("input", {
        type: "text", className: "sq-ip-note", maxlength: "500", placeholder: T.note,
        "aria-label": T.note, "data-testid": "ip-note"
      })
    ]);
  }

  function loadCached() {
    return db.snapshots.get(USER).then(function (row) {
      if (row) useSnapshot(row.data, row.fetched_at);
      else fillPlans(null);
    });
  }

  function loadQueue() {
    return db.queue.where("user_id").equals(USER).sortBy("created_at").then(function (list) {
      rows = list;
    });
  }

  // ---- recording ----------------------------------------------------------------------
  function formError(text) {
    $("ip-form-error").textContent = text;
    $("ip-form-error").hidden = !text;
  }

  function read() {
    var p = plan($("ip-plan").value);
    if (!p) { formError(T.no_plans); return null; }
    var target = $("ip-target").value;
    if (!target) { formError(T.choose_target); return null; }
    var answers = [];
    for (var n = 0; n < p.items.length; n++) {
      var i = p.items[n];
      var box = document.querySelector(".sq-ip-item[data-item='" + i.id + "']");
      var picked = box.querySelector("input[type=radio]:checked");
      var note = box.querySelector(".sq-ip-note").value.trim();
      if (!picked) { formError(fmt(T.answer_all, { item: i.text })); return null; }
      if (picked.value === "problem" && !note) {
        formError(fmt(T.note_needed, { item: i.text }));
        box.querySelector(".sq-ip-note").focus();
        return null;
      }
      answers.push({ item_id: i.id, result: picked.value, note: note });
    }
    var kind = target.split(":")[0], id = Number(target.split(":")[1]);
    var t = p.targets.filter(function (x) { return x.kind + ":" + x.id === target; })[0];
    var item = { plan_id: p.id, answers: answers, notes: $("ip-notes").value.trim() };
    item[kind === "premises" ? "premises_id" : "place_id"] = id;
    formError("");
    return { item: item, label: { plan: p.name, target: t ? t.name : target } };
  }

  function clearForm() {
    editing = null;
    $("ip-form").reset();
    $("ip-cancel").hidden = true;
    $("ip-form-title").textContent = T.record;
    fillPlans(null);
    formError("");
  }

  function record(ev) {
    ev.preventDefault();
    var got = read();
    if (!got) return;
    var row;
    if (editing) {
      row = rows.filter(function (r) { return r.client_uuid === editing; })[0];
    }
    if (row) {
      // A refused visit corrected: the same visit (UUID, time), sent again.
      got.item.client_uuid = row.client_uuid;
      got.item.visited_at = row.item.visited_at;
      row.item = got.item;
      row.label = got.label;
      row.state = "waiting";
      row.field = row.message = "";
      toast(T.corrected);
    } else {
      var id = O.newUuid();
      got.item.client_uuid = id;
      got.item.visited_at = O.isoWithOffset(new Date());
      row = {
        client_uuid: id, user_id: USER, item: got.item, label: got.label, state: "waiting",
        field: "", message: "", created_at: new Date().toISOString()
      };
      rows.push(row);
      toast(fmt(T.queued, { target: got.label.target }));
    }
    db.queue.put(row).then(function () {
      clearForm();
      render();
      link.sync(true);
    });
  }

  // Loads a refused visit into the form to be corrected.
  function correct(row) {
    editing = row.client_uuid;
    var item = row.item;
    fillPlans(String(item.plan_id));
    var target = item.premises_id ? "premises:" + item.premises_id : "place:" + item.place_id;
    $("ip-target").value = target;
    item.answers.forEach(function (a) {
      var box = document.querySelector(".sq-ip-item[data-item='" + a.item_id + "']");
      if (!box) return;
      var radio = box.querySelector("input[value='" + a.result + "']");
      if (radio) radio.checked = true;
      box.querySelector(".sq-ip-note").value = a.note || "";
    });
    $("ip-notes").value = item.notes || "";
    $("ip-cancel").hidden = false;
    $("ip-form-title").textContent = T.correcting;
    formError(row.message ? explain(row) : "");
    $("ip-form").scrollIntoView();
  }

  function remove(row) {
    rows = rows.filter(function (r) { return r !== row; });
    if (editing === row.client_uuid) clearForm();
    db.queue.delete(row.client_uuid).then(render);
  }

  // ---- the server's answers -----------------------------------------------------------
  function applyResults(sent, results) {
    var s = O.settle(db.queue, sent, results, T.sync_failed);
    rows = rows.filter(function (x) { return s.done.indexOf(x) === -1; });
    return s.written;
  }

  // The server's reason, naming the checklist's item when it is about one.
  function explain(row) {
    var m = /^item_(\d+)$/.exec(row.field || "");
    var p = plan(row.item.plan_id);
    var i = m && p && p.items.filter(function (x) { return String(x.id) === m[1]; })[0];
    return i ? fmt(T.item_error, { item: i.text, message: row.message }) : row.message;
  }

  // ---- drawing ------------------------------------------------------------------------
  // "HH:MM" today, "MM-DD HH:MM" another day (a visit kept on the phone for days).
  function when(iso) {
    var d = new Date(iso), now = new Date();
    if (d.toDateString() === now.toDateString()) return clock(iso);
    return O.isoWithOffset(d).slice(5, 10) + " " + clock(iso);
  }

  function render() {
    var list = $("ip-rows");
    list.textContent = "";
    rows.slice().reverse().forEach(function (row) {
      var problems = row.item.answers.filter(function (a) { return a.result === "problem"; }).length;
      var bad = row.state === "rejected";
      var buttons = [];
      if (bad && row.field !== "visited_at") {
        buttons.push(el("button", {
          type: "button", className: "weui-btn weui-btn_mini weui-btn_primary", text: T.fix,
          "data-testid": "ip-fix", onclick: function () { correct(row); }
        }));
      }
      if (bad) {
        buttons.push(el("button", {
          type: "button", className: "weui-btn weui-btn_mini weui-btn_default", text: T.remove,
          "data-testid": "ip-remove", onclick: function () { remove(row); }
        }));
      }
      list.appendChild(el("li", {
        className: "sq-ip-row" + (bad ? " sq-ip-bad" : ""), "data-testid": "ip-queued",
        "data-state": row.state, "data-uuid": row.client_uuid
      }, [
        el("p", { className: "sq-ip-row-head" }, [
          el("strong", { text: row.label.target }),
          el("span", {
            className: "sq-badge " + (bad ? "sq-tt-bad" : "sq-tt-waiting"),
            text: bad ? T.state_rejected : T.state_waiting
          })
        ]),
        el("small", {
          text: when(row.item.visited_at) + " · " + row.label.plan +
            (problems ? " · " + fmt(T.problems, { n: problems }) : "")
        }),
        bad ? el("p", { className: "sq-field-msg", "data-testid": "ip-error", text: explain(row) }) : null,
        buttons.length ? el("div", { className: "sq-ip-actions" }, buttons) : null
      ]));
    });
    $("ip-empty").hidden = rows.length > 0;
    link.showStatus({
      waiting: rows.filter(function (r) { return r.state === "waiting"; }).length,
      rejected: rows.filter(function (r) { return r.state === "rejected"; }).length,
      fetchedAt: fetchedAt,
      when: fetchedAt ? clock(fetchedAt) : ""
    });
  }

  // ---- start ----------------------------------------------------------------------------
  $("ip-plan").addEventListener("change", fillPlan);
  $("ip-form").addEventListener("submit", record);
  $("ip-cancel").addEventListener("click", clearForm);
  $("ip-app").hidden = false;
  link.start(function () { return Promise.all([loadCached(), loadQueue()]); });
})();
