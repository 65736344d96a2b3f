/* The sampling station page, offline first (the same approach as checkpoints/gate.js).
 *
 * Scan a tube's barcode, then each person (a scanner types the resident's number or the ID
 * card number and presses Enter; or search the cached residents list by name, building or
 * last 4 of the ID number). Every swab and every "close tube" is queued in IndexedDB (Dexie)
 * with its own UUID and sent to /api/v1/testing/swabs:batch when the network is there; the
 * server answers each (created / duplicate / rejected with the reason) and the answer is
 * shown on the item. A tube closes by itself when it holds the round's pool size.
 *
 * The residents list comes from /testing/stations/<id>/snapshot.json (testing/snapshot.py):
 * names, buildings, households and the last 4 of ID numbers, never full numbers.
 * Sending, refreshing, the status line and the service worker are shequ/offline.js's
 * (ShequOffline). All text comes from the page (json_script "station-config".strings),
 * translated by Django.
 */
(function () {
  "use strict";

  var O = window.ShequOffline;
  var $ = O.$, fmt = O.fmt, el = O.el, clock = O.clock;
  var config = JSON.parse($("station-config").textContent);
  var T = config.strings;
  var STATION = config.station_id;
  var ROUND = config.round_id;
  var KEEP_DONE = 60;
  var ID_CARD = /^\d{17}[\dXx]$/;
  var RESIDENT_NO = /^\d{1,12}$/;
  // An entry pass's QR text (checkpoints/passes.py), and the city's tube barcodes (the
  // TUBE_BARCODE_PATTERN setting): the same checks as the server's testing/barcodes.py.
  var PASS_CODE = /^P\d{1,12}\.\d{1,6}:/;
  var TUBE = tubePattern(config.tube_pattern);

  var db = new Dexie("shequ-station");
  db.version(1).stores({
    snapshots: "station_id",                    // {station_id, user_id, data, fetched_at}
    queue: "client_uuid, station_id, created_at", // {client_uuid, station_id, round_id, user_id, item, meta, state, ...}
    state: "key"                                // {key, tube}
  });

  var snap = null;
  var fetchedAt = null;
  var residents = {};   // id → snapshot resident
  var rows = [];        // this station's rows of this round, oldest first
  var tube = null;      // {barcode, server, size}: the tube being filled
  var toast = O.toaster("st-toast");

  var link = O.link(config, {
    prefix: "st-", // the status line's ids, and st-sync
    waiting: function () { return rows.filter(function (r) { return r.state === "waiting"; }); },
    answers: applyResults,
    snapshot: function (data) {
      useSnapshot(data, new Date().toISOString());
      if (!tube) adoptOpenTube();
      return db.snapshots.put({
        station_id: STATION, user_id: config.user_id, data: data, fetched_at: fetchedAt
      });
    },
    forget: forgetSnapshot,
    render: render,
    syncEveryMs: 15 * 1000
  });

  function poolSize() {
    var r = snap && snap.rounds.filter(function (x) { return x.id === ROUND; })[0];
    return r ? r.pool_size : 10;
  }

  // ---- the snapshot -------------------------------------------------------------------
  function useSnapshot(data, when) {
    snap = data;
    fetchedAt = when;
    residents = {};
    data.residents.forEach(function (r) { residents[r.id] = r; });
  }

  // The residents list is the operator's for their shift at the site only (expires_at, its
  // end; none for those who run testing there): past it the phone drops it.
  function expired(data) {
    return Boolean(data && data.expires_at && Date.now() >= Date.parse(data.expires_at));
  }

  function forgetSnapshot() {
    snap = null;
    fetchedAt = null;
    residents = {};
    return db.snapshots.delete(STATION).then(render);
  }

  function loadCached() {
    return db.snapshots.get(STATION).then(function (row) {
      if (row && expired(row.data)) return db.snapshots.delete(STATION);
      if (row && row.user_id === config.user_id) useSnapshot(row.data, row.fetched_at);
    });
  }

  // After a reload with no tube on this phone: go on with a tube open here on the server.
  function adoptOpenTube() {
    var open = (snap.open_tubes || []).filter(function (t) {
      return t.round_id === ROUND && t.n < t.pool_size;
    })[0];
    if (open) {
      tube = { barcode: open.barcode, server: open.n, size: open.pool_size };
      saveTube();
    }
  }

  // ---- the tube being filled --------------------------------------------------------------
  function stateKey() { return "s" + STATION + "r" + ROUND + "u" + config.user_id; }

  function saveTube() { return db.state.put({ key: stateKey(), tube: tube }); }

  function loadTube() {
    return db.state.get(stateKey()).then(function (row) { tube = row ? row.tube : null; });
  }

  function waitingIn(barcode) {
    return rows.filter(function (r) {
      return r.state === "waiting" && r.item.kind === "swab" && r.item.tube === barcode;
    }).length;
  }

  function tubeCount() {
    return tube ? (tube.server || 0) + waitingIn(tube.barcode) : 0;
  }

  // ---- scanning --------------------------------------------------------------------------
  function tubePattern(source) {
    try {
      return source ? new RegExp(source) : null;
    } catch (e) {
      return null; // a pattern JavaScript cannot read: the server still checks every tube
    }
  }

  // Why a scanned code cannot be the next tube (a person's ID card or pass, or not a tube
  // barcode of this city), or "" when it can.
  function notATube(text) {
    if (ID_CARD.test(text)) return T.tube_is_id;
    if (PASS_CODE.test(text)) return T.tube_is_pass;
    if (text.length > 40 || (TUBE && !TUBE.test(text))) return fmt(T.not_a_tube, { code: text.slice(0, 40) });
    return "";
  }

  function onScan(text) {
    text = (text || "").trim();
    $("st-scan").value = "";
    if (!text) return;
    if (!tube) {
      var problem = notATube(text);
      if (problem) return toast(problem, true);
      tube = { barcode: text, server: 0, size: poolSize() };
      saveTube();
      render();
      return;
    }
    if (ID_CARD.test(text)) {
      var number = text.toUpperCase();
      var last4 = number.slice(-4);
      var hits = snap ? snap.residents.filter(function (r) { return r.last4.toUpperCase() === last4; }) : [];
      var who = hits.length === 1 ? describe(hits[0]) : fmt(T.id_card, { last4: last4 });
      return swab({ id_number: number }, who, "d" + number);
    }
    if (RESIDENT_NO.test(text)) {
      var id = Number(text);
      var r = residents[id];
      if (!r) toast(fmt(T.unknown_person, { code: text }), true);
      return swab({ resident_id: id }, r ? describe(r) : fmt(T.resident_id, { id: text }), "r" + id);
    }
    // Anything else is looked up in the residents list.
    $("st-search").value = text;
    search(text);
  }

  function describe(r) {
    return r.name + " · " + r.building + " " + r.household;
  }

  function swabbedHere(key) {
    return rows.some(function (r) { return r.meta.person === key && r.state !== "rejected"; });
  }

  function swab(person, who, key) {
    if (!tube) return toast(T.scan_tube, true);
    if (swabbedHere(key)) return toast(fmt(T.already_here, { who: who }), true);
    var item = {
      client_uuid: O.newUuid(),
      kind: "swab",
      round_id: ROUND,
      station_id: STATION,
      tube: tube.barcode,
      sampled_at: O.isoWithOffset(new Date())
    };
    Object.keys(person).forEach(function (k) { item[k] = person[k]; });
    var full = tubeCount() + 1 >= tube.size;
    var barcode = tube.barcode;
    return queueItem(item, { who: who, person: key }).then(function () {
      toast(fmt(T.queued, { who: who }));
      if (full) {
        // The server closes a full tube by itself: no close item needed.
        tube = null;
        saveTube();
        toast(fmt(T.tube_full, { tube: barcode }));
      }
      $("st-search").value = "";
      $("st-results").innerHTML = "";
      render();
      link.sync();
    });
  }

  function closeTube() {
    if (!tube) return;
    if (tubeCount() === 0) return toast(T.tube_empty, true);
    var barcode = tube.barcode;
    var item = {
      client_uuid: O.newUuid(),
      kind: "close",
      round_id: ROUND,
      station_id: STATION,
      tube: barcode,
      sampled_at: O.isoWithOffset(new Date())
    };
    return queueItem(item, { who: fmt(T.closing, { tube: barcode }), person: "" }).then(function () {
      tube = null;
      saveTube();
      toast(fmt(T.tube_closed, { tube: barcode }));
      render();
      link.sync();
    });
  }

  function queueItem(item, meta) {
    var row = {
      client_uuid: item.client_uuid,
      station_id: STATION,
      round_id: ROUND,
      user_id: config.user_id,
      created_at: item.sampled_at,
      item: item,
      meta: meta,
      state: "waiting",
      status: "",
      message: "",
      flags: {}
    };
    rows.push(row);
    return db.queue.put(row);
  }

  // Badges for the special populations at risk (the watch list's tags) by a resident's name.
  function tagBadges(r) {
    return (r.tags || []).map(function (t) {
      return el("span", { className: "sq-badge sq-tag", "data-testid": "watch-tag", text: T["tag_" + t] || t });
    });
  }

  function search(q) {
    var list = $("st-results");
    list.innerHTML = "";
    q = q.trim().toLowerCase();
    if (!q || !snap) return;
    var hits = snap.residents.filter(function (r) {
      var where = (r.building + " " + r.household).toLowerCase();
      return r.name.toLowerCase().indexOf(q) !== -1 || where.indexOf(q) !== -1 ||
        (q.length === 4 && r.last4.toLowerCase() === q);
    }).slice(0, 20);
    if (!hits.length) list.appendChild(el("li", { className: "sq-help", text: T.no_match }));
    hits.forEach(function (r) {
      list.appendChild(el("li", {}, [el("button", {
        type: "button", className: "sq-gate-pick", "data-testid": "st-result",
        onclick: function () { swab({ resident_id: r.id }, describe(r), "r" + r.id); }
      }, [el("strong", { text: r.name })].concat(tagBadges(r), [el("small", { text: r.building + " " + r.household + " · ****" + r.last4 })]))]));
    });
  }

  // ---- sending ---------------------------------------------------------------------------
  function loadRows() {
    return db.queue.where("station_id").equals(STATION).toArray().then(function (all) {
      rows = all.filter(function (r) { return r.user_id === config.user_id && r.round_id === ROUND; })
        .sort(function (a, b) { return a.created_at < b.created_at ? -1 : 1; });
    });
  }

  // results[i] answers sent[i] (the server answers each item in order). Every row leaves the
  // waiting queue: done, or rejected with the reason (shown, never sent again).
  function applyResults(sent, results) {
    sent.forEach(function (row, i) {
      var res = results[i] || {};
      row.status = res.status === "created" || res.status === "duplicate" ? res.status : "rejected";
      row.message = res.message || "";
      row.flags = { out_of_scope: res.out_of_scope, retest: res.retest, count: res.tube_count };
      row.state = row.status === "rejected" ? "rejected" : "done";
      if (tube && res.tube === tube.barcode && res.status !== "rejected") {
        if (res.tube_count > (tube.server || 0)) tube.server = res.tube_count;
        if (res.tube_closed) tube = null;
      }
    });
    // Keep the last answers to show; drop older done rows.
    var done = rows.filter(function (r) { return r.state === "done"; });
    var drop = done.slice(0, Math.max(0, done.length - KEEP_DONE)).map(function (r) { return r.client_uuid; });
    rows = rows.filter(function (r) { return drop.indexOf(r.client_uuid) === -1; });
    return db.transaction("rw", db.queue, db.state, function () {
      db.queue.bulkDelete(drop);
      db.queue.bulkPut(sent.filter(function (r) { return drop.indexOf(r.client_uuid) === -1; }));
      db.state.put({ key: stateKey(), tube: tube });
    });
  }

  function dropRow(row) {
    db.queue.delete(row.client_uuid).then(function () {
      rows = rows.filter(function (r) { return r !== row; });
      render();
    });
  }

  // ---- drawing ----------------------------------------------------------------------------
  function renderStatus() {
    link.showStatus({
      waiting: rows.filter(function (r) { return r.state === "waiting"; }).length,
      rejected: rows.filter(function (r) { return r.state === "rejected"; }).length,
      fetchedAt: fetchedAt,
      when: fetchedAt && clock(fetchedAt)
    });
  }

  function renderTube() {
    var prompt = $("st-prompt");
    var line = $("st-tube");
    var count = tubeCount();
    prompt.textContent = tube ? T.scan_person : T.scan_tube;
    prompt.setAttribute("data-mode", tube ? "person" : "tube");
    if (tube) {
      line.textContent = fmt(T.tube_line, { tube: tube.barcode, n: count, size: tube.size });
      line.setAttribute("data-barcode", tube.barcode);
    } else {
      line.textContent = T.no_tube;
      line.removeAttribute("data-barcode");
    }
    line.setAttribute("data-count", String(count));
    line.setAttribute("data-size", String(tube ? tube.size : poolSize()));
    $("st-meter").style.width = tube ? Math.min(100, Math.round(100 * count / tube.size)) + "%" : "0";
    $("st-close").disabled = !tube || count === 0;
    $("st-new").disabled = !tube;
  }

  function renderRows() {
    var list = $("st-rows");
    list.innerHTML = "";
    rows.slice().reverse().slice(0, 40).forEach(function (row) {
      var badges = [];
      var state = row.state === "waiting" ? T.state_waiting :
        row.status === "duplicate" ? T.duplicate : row.state === "done" ? T.created : T.rejected_one;
      badges.push(el("span", { className: "sq-badge sq-tt-st-" + row.state, text: state }));
      if (row.flags && row.flags.out_of_scope) {
        badges.push(el("span", { className: "sq-badge sq-tt-bad", "data-testid": "st-out-of-scope", text: T.out_of_scope }));
      }
      if (row.flags && row.flags.retest) badges.push(el("span", { className: "sq-badge", text: T.retest }));
      var li = el("li", {
        className: "sq-gate-qrow" + (row.state === "rejected" ? " sq-gate-qrow-bad" : ""),
        "data-testid": "st-row", "data-state": row.state, "data-status": row.status || "waiting",
        "data-kind": row.item.kind
      }, [
        el("span", { text: clock(row.created_at) + " · " + row.item.tube + " · " + row.meta.who }),
        el("span", { className: "sq-tt-badges" }, badges)
      ]);
      if (row.state === "rejected") {
        li.appendChild(el("p", { className: "sq-field-msg", "data-testid": "st-row-message", text: row.message }));
        li.appendChild(el("button", {
          type: "button", className: "sq-link", text: T.remove, onclick: function () { dropRow(row); }
        }));
      }
      list.appendChild(li);
    });
    $("st-empty").hidden = rows.length > 0;
  }

  function render() {
    renderStatus();
    renderTube();
    renderRows();
  }

  // ---- wiring ----------------------------------------------------------------------------
  function wire() {
    $("st-scan-form").addEventListener("submit", function (e) {
      e.preventDefault();
      onScan($("st-scan").value);
      $("st-scan").focus();
    });
    $("st-search").addEventListener("input", function (e) { search(e.target.value); });
    $("st-close").addEventListener("click", function () { closeTube(); $("st-scan").focus(); });
    $("st-new").addEventListener("click", function () {
      tube = null;
      saveTube();
      render();
      $("st-scan").focus();
    });
  }

  function start() {
    $("st-app").hidden = false;
    wire();
    link.start(function () { return Promise.all([loadRows(), loadTube()]).then(loadCached); });
    setInterval(function () { if (expired(snap)) forgetSnapshot(); }, 60 * 1000);
  }

  start();
})();
