/* What the offline-first phone pages share (checkpoints/gate.js, testing/station.js,
 * inspections/phone.js).
 *
 * A page keeps its snapshot and its queue in IndexedDB (Dexie) itself. This module gives it
 * small helpers and `link`, which sends the queued items in batches to the API (each item
 * with its own client UUID; the server answers each one, in order: created, duplicate or
 * rejected — docs/api.md "Batches from devices"), refreshes the snapshot, shows the status
 * line, follows the network coming and going with a retry timer, and registers the service
 * worker (shequ/offline-sw.js, served by the page's view under the page's path).
 *
 * Every item the server answered leaves the waiting queue: the page drops what was recorded
 * and shows what was rejected with its reason, never sending it again as it is (a page may keep
 * a rejected item aside for the user to correct — inspections/phone.js does — and put it back
 * among the waiting ones, same client UUID, once corrected: it was not recorded). Only a batch that got no answer
 * (no network, a 5xx, an answer that is not one per item) stays to be sent again; a batch the
 * server refused whole (a 4xx: it will refuse it again) stays too, with the error shown, and
 * is tried again only after a pause that doubles each time (up to an hour) or when the user
 * presses the send button.
 *
 * A plain script (no build step): it defines window.ShequOffline.
 */
(function () {
  "use strict";

  // ---- small helpers ------------------------------------------------------------------
  function $(id) { return document.getElementById(id); }

  // Fills "%(name)s" as in the page's translated strings.
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  // el("li", {className, text, onclick, "data-x": …}, [children])
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function pad(n, width) {
    var s = String(n);
    while (s.length < (width || 2)) s = "0" + s;
    return s;
  }

  // "HH:MM" on the phone's clock.
  function clock(iso) {
    var d = new Date(iso);
    return pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  // The phone's time as ISO 8601 with its UTC offset (what the server stores as device time).
  function isoWithOffset(d) {
    var off = -d.getTimezoneOffset();
    var sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
      "T" + pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) +
      "." + pad(d.getMilliseconds(), 3) + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }

  function newUuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // Plain http on a LAN address has no randomUUID: build a version 4 UUID by hand.
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return pad(b.toString(16)); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // Django's CSRF cookie, else the token the page was rendered with.
  function csrfToken(fallback) {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : fallback;
  }

  // A function toast(text, bad) that shows text in element `id` for six seconds.
  function toaster(id) {
    var timer = null;
    return function (text, bad) {
      var t = $(id);
      t.textContent = text;
      t.className = "sq-msg" + (bad ? " sq-gate-toast-bad" : "");
      t.hidden = false;
      clearTimeout(timer);
      timer = setTimeout(function () { t.hidden = true; }, 6000);
    };
  }

  /* Registers the page's worker. A worker installed by this load keeps the open page itself;
   * one already running that does not serve this page (a forced reload, or a worker of an
   * older, narrower scope serving it) is asked to keep it, so the page reloads offline after
   * its first load. Registrations of a narrower scope inside this one are the older workers
   * of the same pages (the gate's was /checkpoints/gate/): they go. */
  function registerWorker(url, scope) {
    if (!("serviceWorker" in navigator)) return;
    var sw = navigator.serviceWorker;
    sw.register(url, { scope: scope }).then(function (reg) {
      if (sw.getRegistrations) {
        sw.getRegistrations().then(function (all) {
          all.forEach(function (r) {
            if (r.scope !== reg.scope && r.scope.indexOf(reg.scope) === 0) r.unregister();
          });
        });
      }
      if (reg.active && sw.controller !== reg.active) {
        reg.active.postMessage({ keep: window.location.href });
      }
    }).catch(function () {});
  }

  // ---- the link to the server -----------------------------------------------------------
  /* config: the page's json_script config (strings, batch_url, snapshot_url, csrf_token,
   *   sw_url, sw_scope); its strings: online, offline, syncing, waiting, rejected, refreshed,
   *   never, login, sync_failed.
   * o: {
   *   prefix: the page's element ids' prefix ("gate-": gate-net, gate-waiting, gate-rejected,
   *     gate-refreshed, gate-problem make the status line, gate-sync is the send button),
   *   syncEveryMs: how often to retry sending,
   *   waiting(): the queued rows still to send, oldest first, each {client_uuid, item},
   *   answers(rows, results): a promise, once the server has answered each sent item
   *     (results[i] answers rows[i]; the page takes every row out of the waiting queue),
   *   snapshot(data): a promise, with a fresh snapshot from the server,
   *   forget(): a promise, dropping the kept snapshot when the server refuses a fresh one,
   *   render(): draws the page (the status line with showStatus)
   * }
   * The link's `syncing` and `problem` (the last sync or refresh problem) are for the page.
   */
  var BATCH_SIZE = 200;
  var REFRESH_EVERY_MS = 5 * 60 * 1000;
  var PAUSE_FIRST_MS = 60 * 1000;        // after a batch refused whole: then 2, 4, … minutes
  var PAUSE_MAX_MS = 60 * 60 * 1000;

  // A batch the server refused whole (a 4xx other than a lost login): sending it again
  // unchanged gets the same answer, so the link pauses before it does.
  function Refused(message) { this.message = message; }

  function link(config, o) {
    var T = config.strings;
    var self = { syncing: false, problem: "", pausedUntil: 0, pauseMs: 0 };

    function json(resp) {
      if (resp.status === 401 || resp.redirected) throw new Error(T.login);
      if (resp.status === 403) {
        // A refusal with the server's reason (e.g. no shift here now), else a lost login.
        return resp.json().then(function (body) {
          var err = new Error((body && body.detail) || T.login);
          err.refused = Boolean(body && body.detail);
          throw err;
        }, function () { throw new Error(T.login); });
      }
      if (resp.status >= 400 && resp.status < 500) {
        // The server's JSON error names what is wrong with the request.
        return resp.json().catch(function () { return {}; }).then(function (body) {
          var detail = body && typeof body.detail === "string" ? ": " + body.detail : "";
          var first = body && body.errors && body.errors[0];
          if (first && first.message) detail += " " + (first.field || "") + " " + first.message;
          throw new Refused(T.sync_failed + " (" + resp.status + ")" + detail);
        });
      }
      if (!resp.ok) throw new Error(T.sync_failed + " (" + resp.status + ")");
      return resp.json();
    }

    function failed(err) {
      if (navigator.onLine) self.problem = err.message || T.sync_failed;
      o.render();
    }

    // Sends the waiting rows, a batch at a time; `force` (the send button) skips a pause.
    self.sync = function (force) {
      if (self.syncing || !navigator.onLine) return Promise.resolve();
      if (force !== true && Date.now() < self.pausedUntil) return Promise.resolve();
      var waiting = o.waiting();
      var batch = waiting.slice(0, BATCH_SIZE);
      if (!batch.length) return Promise.resolve();
      self.syncing = true;
      o.render();
      return fetch(config.batch_url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(config.csrf_token) },
        body: JSON.stringify({ items: batch.map(function (r) { return r.item; }) })
      }).then(json).then(function (results) {
        // One answer per item, in order; anything else is no answer (sent again later).
        if (!Array.isArray(results) || results.length !== batch.length) {
          throw new Error(T.sync_failed);
        }
        self.problem = "";
        self.pausedUntil = 0;
        self.pauseMs = 0;
        return o.answers(batch, results);
      }).then(function () {
        self.syncing = false;
        o.render();
        // A full batch answered: send the next (every answered row has left the queue).
        if (batch.length === BATCH_SIZE && o.waiting().length < waiting.length) {
          return self.sync(force);
        }
      }).catch(function (err) {
        self.syncing = false;
        if (err instanceof Refused) {
          self.pauseMs = Math.min(PAUSE_MAX_MS, self.pauseMs ? 2 * self.pauseMs : PAUSE_FIRST_MS);
          self.pausedUntil = Date.now() + self.pauseMs;
        }
        failed(err);
      });
    };

    self.refresh = function () {
      if (!navigator.onLine) return Promise.resolve();
      return fetch(config.snapshot_url, {
        credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store"
      }).then(json).then(o.snapshot).then(function () {
        if (self.problem === T.login) self.problem = "";
        o.render();
      }).catch(function (err) {
        // Refused the snapshot: what the phone keeps of it is no longer the user's to keep.
        if (err.refused && o.forget) return o.forget().then(function () { failed(err); });
        failed(err);
      });
    };

    function syncThenRefresh(force) { return self.sync(force === true).then(self.refresh); }

    // s: {waiting, rejected (counts), fetchedAt (ISO, or null), when (fetchedAt in words)}
    self.showStatus = function (s) {
      var online = navigator.onLine;
      var net = $(o.prefix + "net");
      net.textContent = self.syncing ? T.syncing : online ? T.online : T.offline;
      net.className = "sq-badge " + (online ? "sq-gate-online" : "sq-gate-offline");
      net.setAttribute("data-online", String(online));
      net.hidden = false;

      var w = $(o.prefix + "waiting");
      w.textContent = fmt(T.waiting, { n: s.waiting });
      w.setAttribute("data-count", String(s.waiting));
      w.hidden = s.waiting === 0;
      var r = $(o.prefix + "rejected");
      r.textContent = fmt(T.rejected, { n: s.rejected });
      r.hidden = s.rejected === 0;

      var ref = $(o.prefix + "refreshed");
      if (s.fetchedAt) {
        ref.textContent = fmt(T.refreshed, { t: s.when });
        ref.setAttribute("data-fetched", s.fetchedAt);
      } else {
        ref.textContent = T.never;
        ref.removeAttribute("data-fetched");
      }
      $(o.prefix + "problem").textContent = self.problem;
      $(o.prefix + "problem").hidden = !self.problem;
    };

    // Wires the sync button, the network events and the timers, registers the service
    // worker, then: load() what the phone keeps, draw, send, refresh the snapshot, draw.
    self.start = function (load) {
      $(o.prefix + "sync").addEventListener("click", function () { syncThenRefresh(true); });
      window.addEventListener("online", function () { o.render(); syncThenRefresh(); });
      window.addEventListener("offline", function () { o.render(); });
      setInterval(function () { self.sync(); }, o.syncEveryMs);
      setInterval(syncThenRefresh, REFRESH_EVERY_MS);
      registerWorker(config.sw_url, config.sw_scope);
      return load()
        .then(function () { o.render(); return self.sync(); })
        .then(self.refresh)
        .then(function () { o.render(); });
    };

    return self;
  }

  // The server answers each item of a batch in order (results[n] answers sent[n]). A recorded
  // item (created, or a duplicate of one recorded before) leaves the phone's queue; any other
  // stays, marked rejected with the server's field and reason, and is not sent again until
  // the user fixes or removes it. `onDone(row, answer)` sees each recorded one. Answers the
  // rows recorded and a promise of the queue's writes.
  function settle(queue, sent, results, fallback, onDone) {
    var done = [];
    var writes = sent.map(function (row, n) {
      var r = results[n] || {};
      if (r.status === "created" || r.status === "duplicate") {
        done.push(row);
        if (onDone) onDone(row, r);
        return queue.delete(row.client_uuid);
      }
      row.state = "rejected";
      row.field = r.field || "";
      row.message = r.message || fallback;
      return queue.put(row);
    });
    return { done: done, written: Promise.all(writes) };
  }

  // A page that is only read offline (the checkpoints home) names its worker in a JSON
  // element #sq-offline-worker: {sw_url, sw_scope}.
  var named = document.getElementById("sq-offline-worker");
  if (named) {
    try {
      var w = JSON.parse(named.textContent);
      registerWorker(w.sw_url, w.sw_scope);
    } catch (e) { /* no worker: the page still works online */ }
  }

  window.ShequOffline = {
    $: $,
    fmt: fmt,
    el: el,
    clock: clock,
    isoWithOffset: isoWithOffset,
    newUuid: newUuid,
    toaster: toaster,
    registerWorker: registerWorker,
    link: link,
    settle: settle
  };
})();
