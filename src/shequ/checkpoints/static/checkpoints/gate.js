/* The gate page, offline first.
 *
 * The gate's snapshot (rules, passes with their QR text, residents, zones, recent exits; see
 * checkpoints/selectors.py gate_snapshot) is kept in IndexedDB (Dexie) and refreshed when the
 * network is there. Every decision is taken here with ShequGate.decide (decide.js, the same
 * function as the server's), and every passage is queued in IndexedDB with its own UUID and
 * sent to /api/v1/checkpoints/passages:batch when online. The server answers each item
 * (created / duplicate / rejected) and re-decides it; a disagreement is shown. Sending,
 * refreshing, the status line and the service worker are shequ/offline.js's (ShequOffline).
 *
 * All text comes from the page (json_script "gate-config".strings), translated by Django.
 */
(function () {
  "use strict";

  var O = window.ShequOffline;
  var $ = O.$, fmt = O.fmt, el = O.el, clock = O.clock;
  var config = JSON.parse($("gate-config").textContent);
  var T = config.strings;
  var GATE = config.gate_id;
  var ZONE_RANK = { lockdown: 3, control: 2, precaution: 1 };

  var db = new Dexie("shequ-gate");
  db.version(1).stores({
    snapshots: "gate_id",                 // {gate_id, user_id, data, fetched_at}
    queue: "client_uuid, gate_id, created_at" // {client_uuid, gate_id, user_id, item, meta, state, message}
  });

  var snap = null;        // the snapshot in use
  var fetchedAt = null;   // when it came from the server
  var index = { byToken: {}, byPass: {}, byHousehold: {}, residents: {} };
  var queue = [];         // this gate's queued passages, oldest first
  var notices = [];       // server disagreements seen on this page
  var toast = O.toaster("gate-toast");

  var link = O.link(config, {
    prefix: "gate-", // the status line's ids, and gate-sync
    waiting: function () { return queue.filter(function (r) { return r.state === "waiting"; }); },
    answers: applyResults,
    snapshot: function (data) {
      useSnapshot(withQueuedExits(data), new Date().toISOString());
      return saveSnapshot();
    },
    forget: forgetSnapshot,
    render: render,
    syncEveryMs: 30 * 1000
  });

  var form = blankForm();
  form.direction = "out";
  form.subject = "resident";

  function blankForm() {
    return {
      direction: form ? form.direction : "out",
      subject: form ? form.subject : "resident",
      pass: null,          // a snapshot pass, or {status: "unknown"}
      versionOk: true,
      passCode: "",        // the scanned text ("" when found by search)
      resident: null,      // a snapshot resident
      temperature: null,
      temperatureBad: false,
      healthCode: "",
      star: false,
      visitorName: "",
      visitorPhone: "",
      plate: ""
    };
  }

  // ---- dates ----------------------------------------------------------------------------
  // The day in the city's time zone: the server judges validity and quotas by that day.
  var dayFormat = new Intl.DateTimeFormat("en-US", {
    timeZone: config.time_zone, year: "numeric", month: "2-digit", day: "2-digit"
  });
  function cityDay(d) {
    var parts = {};
    dayFormat.formatToParts(d).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day;
  }

  // ---- the snapshot -------------------------------------------------------------------
  function useSnapshot(data, when) {
    snap = data;
    fetchedAt = when;
    index = { byToken: {}, byPass: {}, byHousehold: {}, residents: {} };
    data.passes.forEach(function (p) {
      index.byToken[p.token] = p;
      index.byPass[p.id] = p;
      index.byHousehold[p.household_id] = p;
    });
    data.residents.forEach(function (r) { index.residents[r.id] = r; });
    if (data.rules_version !== config.rules_version) {
      $("gate-rules-note").textContent = fmt(T.rules_newer, { v: data.rules_version });
      $("gate-rules-note").hidden = false;
    }
  }

  // Exits still on this phone are not in a snapshot fresh from the server yet: add them.
  function withQueuedExits(data) {
    queue.forEach(function (q) {
      var p = q.state === "waiting" && q.meta.exit_pass && data.passes.filter(function (x) { return x.id === q.meta.exit_pass; })[0];
      if (p) p.exit_dates.push(q.meta.day);
    });
    return data;
  }

  // The gate's data is the holder's for their shift only (expires_at, its end; none for
  // those who guard gates at any time): past it the phone drops it.
  function expired(data) {
    return Boolean(data && data.expires_at && Date.now() >= Date.parse(data.expires_at));
  }

  function forgetSnapshot() {
    snap = null;
    fetchedAt = null;
    index = { byToken: {}, byPass: {}, byHousehold: {}, residents: {} };
    return db.snapshots.delete(GATE).then(render);
  }

  function loadCachedSnapshot() {
    return db.snapshots.get(GATE).then(function (row) {
      if (row && expired(row.data)) return db.snapshots.delete(GATE);
      if (row && row.user_id === config.user_id) useSnapshot(row.data, row.fetched_at);
    });
  }

  function saveSnapshot() {
    return db.snapshots.put({
      gate_id: GATE, user_id: config.user_id, data: snap, fetched_at: fetchedAt
    });
  }

  // ---- what the gate knows about the person in front of it ------------------------------
  function zoneOf(path) {
    var best = "", rank = 0;
    (snap.zones || []).forEach(function (z) {
      if (path.indexOf(z.path) === 0 && ZONE_RANK[z.level] > rank) {
        best = z.level;
        rank = ZONE_RANK[z.level];
      }
    });
    return best;
  }

  // Where a passage is judged: the household's place for a resident (the gate's otherwise),
  // as the server does (ingest.py): the person's household, else the pass's household.
  function placePath() {
    if (form.subject === "resident" && form.resident && form.resident.path) return form.resident.path;
    if (form.subject === "resident" && form.pass && form.pass.path) return form.pass.path;
    return snap.gate.path;
  }

  function identified() {
    if (form.subject === "visitor") return form.visitorName.trim() !== "";
    if (form.subject === "vehicle") return form.plate.trim() !== "";
    if (form.resident) return true;
    return !!form.pass && (form.pass.status === "unknown" || form.pass.holders.length === 0);
  }

  function currentDecision() {
    var facts = {
      direction: form.direction,
      subject: form.subject,
      temperature: form.temperature,
      health_code: form.healthCode,
      travel_star: form.star,
      date: cityDay(new Date())
    };
    var passState = null;
    if (form.subject === "resident" && form.pass) {
      passState = form.pass.status === "unknown" ? { status: "unknown" } : {
        status: form.pass.status,
        version_ok: form.versionOk,
        valid_from: form.pass.valid_from,
        valid_until: form.pass.valid_until,
        exit_dates: form.pass.exit_dates
      };
    }
    var resident = form.subject === "resident" && form.resident ? { status: form.resident.status } : null;
    var result = window.ShequGate.decide(facts, passState, resident, zoneOf(placePath()), snap.rules);
    result.day = facts.date;
    return result;
  }

  // The household's address within the community ("甲小区 1号楼 101室"); data kept from before
  // the address was sent says building and flat only.
  function addressOf(p) {
    if (!p) return "";
    return p.address || (p.building + " " + p.household);
  }

  function subjectLabel() {
    if (form.subject === "visitor") return fmt(T.visitor, { name: form.visitorName.trim() });
    if (form.subject === "vehicle") return fmt(T.vehicle, { plate: form.plate.trim().toUpperCase() });
    var parts = [];
    if (form.resident) parts.push(form.resident.name);
    if (form.pass && form.pass.status !== "unknown") parts.push(addressOf(form.pass));
    if (form.pass && form.pass.status === "unknown") parts.push(T.not_found);
    return parts.join(" · ");
  }

  // ---- scanning and searching -------------------------------------------------------------
  function onCode(text) {
    text = (text || "").trim();
    if (!text || !snap) return;
    form = blankForm();
    form.subject = "resident";
    form.passCode = text;
    var p = index.byToken[text];
    if (p) {
      form.pass = p;
    } else {
      // An older copy of a reissued pass names the pass with an older version. Its signature
      // cannot be checked here; the server checks it, and refuses either way.
      var m = /^P(\d+)\.(\d+):/.exec(text);
      var known = m && index.byPass[Number(m[1])];
      if (known && Number(m[2]) < known.version) {
        form.pass = known;
        form.versionOk = false;
      } else {
        form.pass = { status: "unknown" };
      }
    }
    if (form.pass.holders && form.pass.holders.length === 1) {
      form.resident = index.residents[form.pass.holders[0]] || null;
    }
    $("gate-scan").value = "";
    $("gate-search").value = "";
    $("gate-results").innerHTML = "";
    render();
  }

  function pickResident(r) {
    form = blankForm();
    form.subject = "resident";
    form.resident = r;
    form.pass = index.byHousehold[r.household_id] || null;
    $("gate-search").value = "";
    $("gate-results").innerHTML = "";
    render();
  }

  // Badges for the special populations at risk (the watch list's tags) by a resident's name.
  function tagBadges(r) {
    return (r.tags || []).map(function (t) {
      return el("span", { className: "sq-badge sq-tag", "data-testid": "watch-tag", text: T["tag_" + t] || t });
    });
  }

  function search(q) {
    var list = $("gate-results");
    list.innerHTML = "";
    q = q.trim().toLowerCase();
    if (!q || !snap) return;
    var hits = snap.residents.filter(function (r) {
      var where = (r.address || addressOf(index.byHousehold[r.household_id])).toLowerCase();
      return r.name.toLowerCase().indexOf(q) !== -1 || where.indexOf(q) !== -1 ||
        (q.length === 4 && r.last4.toLowerCase() === q);
    }).slice(0, 20);
    if (!hits.length) list.appendChild(el("li", { className: "sq-help", text: T.no_match }));
    hits.forEach(function (r) {
      var p = index.byHousehold[r.household_id];
      var where = r.address || addressOf(p);
      if (!p) where = where ? where + " · " + T.no_pass : T.no_pass;
      list.appendChild(el("li", {}, [el("button", {
        type: "button", className: "sq-gate-pick", "data-testid": "gate-result",
        onclick: function () { pickResident(r); }
      }, [el("strong", { text: r.name })].concat(tagBadges(r), [el("small", { text: where + " · ****" + r.last4 })]))]));
    });
  }

  var camera = null; // the running zxing controls
  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (window.ZXingBrowser) return resolve();
      var s = el("script", { src: src });
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  function stopCamera() {
    if (camera) camera.stop();
    camera = null;
    $("gate-video").hidden = true;
    $("gate-camera").textContent = T.camera_start;
  }

  function startCamera() {
    if (camera) return stopCamera();
    loadScript(config.zxing_url).then(function () {
      var reader = new window.ZXingBrowser.BrowserQRCodeReader();
      var video = $("gate-video");
      video.hidden = false;
      return reader.decodeFromConstraints(
        { video: { facingMode: "environment" } }, video,
        function (result) {
          if (!result) return;
          stopCamera();
          onCode(result.getText());
        }
      );
    }).then(function (controls) {
      camera = controls;
      $("gate-camera").textContent = T.camera_stop;
    }).catch(function () {
      stopCamera();
      toast(T.camera_failed, true);
    });
  }

  // ---- recording and sending ------------------------------------------------------------
  // The form being kept on the phone: a second tap while it is saved does not record it twice.
  var saving = null;

  function record() {
    if (!snap || !identified() || form.temperatureBad || saving === form) return;
    var saved = form;
    saving = form;
    var result = currentDecision();
    var now = new Date();
    var item = {
      client_uuid: O.newUuid(),
      gate_id: GATE,
      direction: form.direction,
      device_time: O.isoWithOffset(now),
      subject: form.subject,
      temperature: form.temperature,
      health_code: form.healthCode,
      travel_star: form.star,
      device_decision: result.decision
    };
    if (form.subject === "resident") {
      if (form.passCode) item.pass_code = form.passCode;
      if (form.resident) item.resident_id = form.resident.id;
    } else if (form.subject === "visitor") {
      item.visitor_name = form.visitorName.trim();
      if (form.visitorPhone.trim()) item.visitor_phone = form.visitorPhone.trim();
    } else {
      item.plate = form.plate.trim().toUpperCase();
    }
    var exitPass = form.subject === "resident" && form.direction === "out" &&
      result.decision === "allow" && form.pass && form.pass.id ? form.pass.id : null;
    var row = {
      client_uuid: item.client_uuid,
      gate_id: GATE,
      user_id: config.user_id,
      created_at: item.device_time,
      item: item,
      meta: {
        who: subjectLabel(), decision: result.decision, day: result.day, exit_pass: exitPass,
        alert: result.alert
      },
      state: "waiting",
      message: ""
    };
    // An allowed exit uses the household's quota at once, offline too.
    if (exitPass) form.pass.exit_dates.push(result.day);
    var label = row.meta.who;
    var verdict = result.decision === "allow" ? T.allow : T.refuse;
    return db.transaction("rw", db.queue, db.snapshots, function () {
      db.queue.add(row);
      if (exitPass) saveSnapshot();
    }).then(function () {
      saving = null;
      queue.push(row);
      // A scan made while this passage was being kept is the next person: keep their form.
      if (form === saved) form = blankForm();
      // Nothing reaches the community before the passage reaches the server: offline, the
      // alert waits on this phone with it.
      var alertNote = result.alert && !navigator.onLine ? " " + T.alert_waiting : "";
      toast(fmt(T.recorded, { who: label }) + " — " + verdict + alertNote, result.decision !== "allow");
      render();
      $("gate-scan").focus();
      link.sync();
    }, function (err) {
      saving = null;
      throw err;
    });
  }

  function loadQueue() {
    return db.queue.where("gate_id").equals(GATE).toArray().then(function (rows) {
      queue = rows.filter(function (r) { return r.user_id === config.user_id; });
      queue.sort(function (a, b) { return a.created_at < b.created_at ? -1 : 1; });
    });
  }

  function reasonLabels(codes) {
    return codes.map(function (c) {
      return snap && snap.reasons[c] ? snap.reasons[c].label : c;
    }).join("；");
  }

  // results[i] answers sent[i] (the server answers each item in order). Every row leaves the
  // waiting queue: recorded ones are dropped, rejected ones stay on the list with the reason
  // (never sent again) until the guard removes them.
  function applyResults(sent, results) {
    var done = [];
    var rejected = [];
    sent.forEach(function (row, i) {
      var res = results[i] || {};
      if (res.status === "created" || res.status === "duplicate") {
        done.push(row.client_uuid);
        if (res.disagrees) {
          notices.unshift(fmt(T.server_says, {
            decision: res.decision === "allow" ? T.allow : T.refuse,
            who: row.meta.who,
            reasons: reasonLabels(res.reasons) || T.no_reasons
          }));
        }
      } else {
        row.state = "rejected";
        row.message = (res.field ? res.field + ": " : "") + (res.message || res.status || "?");
        rejected.push(row);
      }
    });
    return db.transaction("rw", db.queue, function () {
      db.queue.bulkDelete(done);
      rejected.forEach(function (row) { db.queue.put(row); });
    }).then(function () {
      queue = queue.filter(function (r) { return done.indexOf(r.client_uuid) === -1; });
    });
  }

  function dropRejected(row) {
    db.queue.delete(row.client_uuid).then(function () {
      queue = queue.filter(function (r) { return r !== row; });
      render();
    });
  }

  // ---- drawing ------------------------------------------------------------------------------
  function press(selector, attr, value) {
    document.querySelectorAll(selector).forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute(attr) === value));
    });
  }

  function renderStatus() {
    var waiting = queue.filter(function (r) { return r.state === "waiting"; }).length;
    link.showStatus({
      waiting: waiting,
      rejected: queue.length - waiting,
      fetchedAt: fetchedAt,
      when: fetchedAt && cityDay(new Date(fetchedAt)).slice(5) + " " + clock(fetchedAt)
    });
  }

  function renderQueue() {
    var list = $("gate-queue");
    list.innerHTML = "";
    queue.slice().reverse().forEach(function (row) {
      var item = row.item;
      var li = el("li", {
        className: "sq-gate-qrow" + (row.state === "rejected" ? " sq-gate-qrow-bad" : ""),
        "data-testid": "gate-queued", "data-state": row.state
      }, [
        el("span", { text: clock(item.device_time) + " " + T[item.direction] + " · " + row.meta.who }),
        el("span", {
          className: "sq-badge " + (row.meta.decision === "allow" ? "sq-gate-online" : "sq-gate-offline"),
          text: row.meta.decision === "allow" ? T.allow : T.refuse
        })
      ]);
      if (row.state === "waiting" && row.meta.alert) {
        li.appendChild(el("p", { className: "sq-help", "data-testid": "gate-alert-waiting", text: T.alert_waiting }));
      }
      if (row.state === "rejected") {
        li.appendChild(el("p", { className: "sq-field-msg", text: row.message }));
        li.appendChild(el("button", {
          type: "button", className: "sq-link", text: T.remove,
          onclick: function () { dropRejected(row); }
        }));
      }
      list.appendChild(li);
    });
    $("gate-queue-empty").hidden = queue.length > 0;
    var nl = $("gate-notices");
    nl.innerHTML = "";
    notices.forEach(function (n) { nl.appendChild(el("li", { className: "sq-gate-qrow", text: n })); });
    $("gate-notices-box").hidden = notices.length === 0;
  }

  function renderWho() {
    var who = $("gate-who");
    who.innerHTML = "";
    if (form.subject !== "resident" || (!form.pass && !form.resident)) {
      who.hidden = true;
      return;
    }
    who.hidden = false;
    var p = form.pass;
    if (p && p.status === "unknown") {
      who.appendChild(el("p", { className: "sq-reason", text: T.not_found }));
      return;
    }
    if (p) {
      who.appendChild(el("p", {
        text: fmt(T.household_pass, {
          household: addressOf(p), from: p.valid_from, until: p.valid_until
        })
      }));
      if (p.status !== "active") {
        who.appendChild(el("p", { className: "sq-reason", text: fmt(T.pass_status, { status: T["status_" + p.status] || p.status }) }));
      }
      if (!form.versionOk) who.appendChild(el("p", { className: "sq-reason", text: T.old_copy }));
      if (!p.holders.length) {
        who.appendChild(el("p", { className: "sq-help", text: T.no_holders }));
      } else {
        who.appendChild(el("p", { className: "sq-gate-label", text: T.pick_holder }));
        var box = el("div", { className: "sq-gate-holders" });
        p.holders.forEach(function (id) {
          var r = index.residents[id];
          if (!r) return;
          box.appendChild(el("button", {
            type: "button", className: "sq-gate-holder", "data-testid": "gate-holder",
            "aria-pressed": String(form.resident === r),
            onclick: function () { form.resident = r; render(); }
          }, [el("strong", { text: r.name })].concat(tagBadges(r), [el("small", { text: "****" + r.last4 })])));
        });
        who.appendChild(box);
      }
    } else {
      who.appendChild(el("p", { className: "sq-reason", text: form.resident.name + " · " + T.no_pass }));
    }
  }

  function renderDecision() {
    var box = $("gate-decision");
    if (!snap || !identified()) {
      box.hidden = true;
      return;
    }
    var result = currentDecision();
    var allow = result.decision === "allow";
    box.hidden = false;
    box.className = "sq-card sq-gate-decision " + (allow ? "sq-gate-allow" : "sq-gate-refuse");
    box.setAttribute("data-decision", result.decision);
    var zone = zoneOf(placePath());
    $("gate-subject-line").textContent = subjectLabel() +
      (zone ? " · " + fmt(T.zone, { zone: T["zone_" + zone] }) : "");
    $("gate-verdict").textContent = allow ? T.allow : T.refuse;
    var list = $("gate-reasons");
    list.innerHTML = "";
    if (!result.reasons.length) list.appendChild(el("li", { text: T.no_reasons }));
    result.reasons.forEach(function (code) {
      var reason = snap.reasons[code] || { effect: "refuse", label: code };
      list.appendChild(el("li", {
        className: "sq-gate-reason-" + reason.effect, "data-code": code, text: reason.label
      }));
    });
    if (result.alert) {
      list.appendChild(el("li", {
        className: "sq-gate-reason-alert", "data-testid": "gate-alert",
        text: navigator.onLine ? T.alert : T.alert_offline
      }));
    }
    $("gate-record").disabled = form.temperatureBad;
  }

  function render() {
    renderStatus();
    press("[data-direction]", "data-direction", form.direction);
    press("[data-subject]", "data-subject", form.subject);
    press("[data-code]", "data-code", form.healthCode);
    $("gate-star").setAttribute("aria-pressed", String(form.star));
    document.querySelectorAll("[data-panel]").forEach(function (panel) {
      panel.hidden = panel.getAttribute("data-panel") !== form.subject;
    });
    $("gate-temp").value = form.temperatureText === undefined ? "" : form.temperatureText;
    $("gate-temp-msg").textContent = T.bad_temperature;
    $("gate-temp-msg").hidden = !form.temperatureBad;
    $("gate-visitor-name").value = form.visitorName;
    $("gate-visitor-phone").value = form.visitorPhone;
    $("gate-plate").value = form.plate;
    renderWho();
    renderDecision();
    renderQueue();
  }

  // ---- wiring ------------------------------------------------------------------------------
  function onTemperature(text) {
    form.temperatureText = text;
    var value = parseFloat(text.replace(",", "."));
    if (text.trim() === "") {
      form.temperature = null;
      form.temperatureBad = false;
    } else if (isNaN(value) || value < 34 || value > 43) {
      form.temperature = null;
      form.temperatureBad = true;
    } else {
      // Tenths, as the server keeps them: the phone sends what it decided on.
      form.temperature = Math.round(value * 10) / 10;
      form.temperatureBad = false;
    }
  }

  function wire() {
    document.querySelectorAll("[data-direction]").forEach(function (b) {
      b.addEventListener("click", function () { form.direction = b.getAttribute("data-direction"); render(); });
    });
    document.querySelectorAll("[data-subject]").forEach(function (b) {
      b.addEventListener("click", function () {
        var keep = form.direction;
        form = blankForm();
        form.direction = keep;
        form.subject = b.getAttribute("data-subject");
        render();
      });
    });
    document.querySelectorAll("[data-code]").forEach(function (b) {
      b.addEventListener("click", function () {
        var code = b.getAttribute("data-code");
        form.healthCode = form.healthCode === code ? "" : code;
        render();
      });
    });
    $("gate-star").addEventListener("click", function () { form.star = !form.star; render(); });
    $("gate-scan-form").addEventListener("submit", function (e) {
      e.preventDefault();
      onCode($("gate-scan").value);
    });
    $("gate-search").addEventListener("input", function (e) { search(e.target.value); });
    $("gate-camera").addEventListener("click", startCamera);
    // Inputs redraw only the decision, so the caret stays where the guard is typing.
    $("gate-temp").addEventListener("input", function (e) {
      onTemperature(e.target.value);
      $("gate-temp-msg").hidden = !form.temperatureBad;
      renderDecision();
    });
    $("gate-visitor-name").addEventListener("input", function (e) { form.visitorName = e.target.value; renderDecision(); });
    $("gate-visitor-phone").addEventListener("input", function (e) { form.visitorPhone = e.target.value; });
    $("gate-plate").addEventListener("input", function (e) { form.plate = e.target.value; renderDecision(); });
    $("gate-record").addEventListener("click", record);
    $("gate-clear").addEventListener("click", function () { form = blankForm(); render(); });
  }

  function start() {
    $("gate-app").hidden = false;
    wire();
    link.start(function () { return loadQueue().then(loadCachedSnapshot); });
    setInterval(function () { if (expired(snap)) forgetSnapshot(); }, 60 * 1000);
  }

  start();
})();
