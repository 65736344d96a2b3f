/* The cadre's disinfection checklist on the phone, offline first (as inspections/phone.js).
 *
 * Today's areas of the community in walking order, each with its slots (due / done / missed /
 * later), come from GET /api/v1/patrols/checklist and are kept in IndexedDB (Dexie), so the
 * page works with no network once opened (its service worker keeps the page). "Done" queues a
 * round — the area, the phone's time, the area's usual units, a photo if one was taken — with
 * its own UUID, sent to POST /api/v1/patrols/rounds:batch when the network is there. The
 * server answers each round: a recorded one leaves the phone; a refused one stays in red with
 * the reason, to be removed. A slot with a round waiting shows "done (waiting to send)".
 *
 * Sending, refreshing, the status line and the service worker are shequ/offline.js's. All
 * text comes from the page (json_script "pt-config".strings).
 */
(function () {
  "use strict";

  var O = window.ShequOffline;
  var $ = O.$, fmt = O.fmt, el = O.el, clock = O.clock;
  var config = JSON.parse($("pt-config").textContent);
  var T = config.strings;
  var USER = config.user_id;
  var PHOTO_MAX = 2 * 1024 * 1024; // bytes after shrinking; the server takes up to 3 MB

  var db = new Dexie("shequ-patrols");
  db.version(1).stores({
    snapshots: "user_id",                     // {user_id, data: checklist, fetched_at}
    queue: "client_uuid, user_id, created_at" // {client_uuid, user_id, item, label, state, field, message}
  });

  var list = { areas: [] };
  var fetchedAt = null;
  var rows = [];
  var toast = O.toaster("pt-toast");

  var link = O.link(config, {
    prefix: "pt-",
    waiting: function () { return rows.filter(function (r) { return r.state === "waiting"; }); },
    answers: applyResults,
    snapshot: function (data) {
      useSnapshot(data, new Date().toISOString());
      return db.snapshots.put({ user_id: USER, data: data, fetched_at: fetchedAt });
    },
    forget: function () {
      useSnapshot({ areas: [] }, null);
      return db.snapshots.delete(USER).then(render);
    },
    render: render,
    syncEveryMs: 20 * 1000
  });

  function useSnapshot(data, when) {
    list = data && Array.isArray(data.areas) ? data : { areas: [] };
    fetchedAt = when;
    if (list.community) $("pt-community").textContent = list.community;
  }

  // A slot's state on this phone: a round waiting in its window makes it done.
  function slotState(area, slot) {
    var opens = new Date(slot.opens), closes = new Date(slot.closes);
    var mine = rows.some(function (r) {
      var at = new Date(r.item.done_at);
      return r.item.area_id === area.id && r.state === "waiting" && at >= opens && at <= closes;
    });
    if (slot.status !== "done" && mine) return "queued";
    if (slot.status === "due" && new Date() > closes) return "missed";
    if (slot.status === "later" && new Date() >= opens) return "due";
    return slot.status;
  }

  // The photo chosen, shrunk to fit (a phone's camera gives 4–8 MB): a JPEG data URL.
  function readPhoto() {
    var input = $("pt-photo");
    var file = input.files && input.files[0];
    if (!file) return Promise.resolve("");
    return new Promise(function (resolve) {
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, 1280 / Math.max(img.width, img.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.width * scale);
        canvas.height = Math.round(img.height * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(img.src);
        resolve(canvas.toDataURL("image/jpeg", 0.8));
      };
      img.onerror = function () { resolve(""); };
      img.src = URL.createObjectURL(file);
    });
  }

  function done(area) {
    readPhoto().then(function (photo) {
      if (photo.length * 0.75 > PHOTO_MAX) { toast(T.photo_big, true); return; }
      var id = O.newUuid();
      var item = { client_uuid: id, area_id: area.id, done_at: O.isoWithOffset(new Date()) };
      if (photo) item.photo = photo;
      var row = {
        client_uuid: id, user_id: USER, item: item, label: area.name, state: "waiting",
        field: "", message: "", created_at: new Date().toISOString()
      };
      rows.push(row);
      $("pt-photo").value = "";
      toast(fmt(T.queued, { area: area.name }));
      db.queue.put(row).then(function () { render(); link.sync(true); });
    });
  }

  function remove(row) {
    rows = rows.filter(function (r) { return r !== row; });
    db.queue.delete(row.client_uuid).then(render);
  }

  function applyResults(sent, results) {
    var s = O.settle(db.queue, sent, results, T.sync_failed);
    rows = rows.filter(function (x) { return s.done.indexOf(x) === -1; });
    // What was recorded changes the slots: fetch them again.
    return s.written.then(function () { return link.refresh(); });
  }

  function label(state) {
    return T["status_" + state] || state;
  }

  function render() {
    var box = $("pt-areas");
    box.textContent = "";
    if (!list.areas.length) box.appendChild(el("p", { className: "sq-help", text: T.no_areas }));
    list.areas.forEach(function (area) {
      var states = area.slots.map(function (s) { return slotState(area, s); });
      var missed = states.indexOf("missed") >= 0;
      box.appendChild(el("div", {
        className: "sq-pt-area" + (missed ? " sq-pt-has-missed" : ""), "data-testid": "pt-area",
        "data-area": String(area.id)
      }, [
        el("div", { className: "sq-pt-head" }, [
          el("strong", { text: area.name }),
          el("button", {
            type: "button", className: "weui-btn weui-btn_mini weui-btn_primary", text: T.done,
            "data-testid": "pt-done", onclick: function () { done(area); }
          })
        ]),
        el("small", {
          className: "sq-help",
          text: area.place + (area.agent ? " · " + area.agent + " ×" + area.dose + " " + T.units : "")
        }),
        el("div", { className: "sq-pt-slots" }, area.slots.map(function (s, n) {
          return el("span", {
            className: "sq-badge sq-pt-" + states[n], "data-testid": "pt-slot",
            "data-status": states[n], text: clock(s.at) + " " + label(states[n])
          });
        }))
      ]));
    });

    var ul = $("pt-rows");
    ul.textContent = "";
    rows.slice().reverse().forEach(function (row) {
      var bad = row.state === "rejected";
      ul.appendChild(el("li", {
        className: "sq-ip-row" + (bad ? " sq-ip-bad" : ""), "data-testid": "pt-queued",
        "data-state": row.state
      }, [
        el("p", { className: "sq-ip-row-head" }, [
          el("strong", { text: row.label }),
          el("span", {
            className: "sq-badge " + (bad ? "sq-tt-bad" : "sq-tt-waiting"),
            text: bad ? T.state_rejected : T.state_waiting
          })
        ]),
        el("small", { text: clock(row.item.done_at) }),
        bad ? el("p", { className: "sq-field-msg", "data-testid": "pt-error", text: row.message }) : null,
        bad ? el("button", {
          type: "button", className: "weui-btn weui-btn_mini weui-btn_default", text: T.remove,
          "data-testid": "pt-remove", onclick: function () { remove(row); }
        }) : null
      ]));
    });
    $("pt-empty").hidden = rows.length > 0;
    link.showStatus({
      waiting: rows.filter(function (r) { return r.state === "waiting"; }).length,
      rejected: rows.filter(function (r) { return r.state === "rejected"; }).length,
      fetchedAt: fetchedAt,
      when: fetchedAt ? clock(fetchedAt) : ""
    });
  }

  function loadCached() {
    return db.snapshots.get(USER).then(function (row) {
      if (row) useSnapshot(row.data, row.fetched_at);
    });
  }

  function loadQueue() {
    return db.queue.where("user_id").equals(USER).sortBy("created_at").then(function (l) {
      rows = l;
    });
  }

  $("pt-app").hidden = false;
  link.start(function () { return Promise.all([loadCached(), loadQueue()]); });
})();
