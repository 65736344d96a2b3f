/* The service worker of the offline-first pages (the gate page, the sampling station page).
 * Each page's view serves this file under the page's own path, /checkpoints/gate/sw.js or
 * /testing/stations/sw.js (a worker's scope is its URL's folder), with its settings written
 * above this text:
 *   self.SHEQU_OFFLINE = {cache: "shequ-gate", version: "…", static: [urls to keep],
 *                         pages: [path patterns of the pages to keep] (none: every page in scope)};
 *
 * Pages: network first, the last copy when offline. A page is kept from its first load: the
 * worker is not there yet when the page itself comes from the network, so on install it keeps
 * the open pages it would have kept, and a page that finds the worker already running but not
 * serving it (a forced reload) asks it to keep the page with a message {keep: url}. Static
 * files: cache first (their URLs are kept on install). The API is never cached here: the page
 * keeps its data in IndexedDB. The caches go at logout (web/static/shequ/forget.js).
 */
"use strict";

var SETTINGS = self.SHEQU_OFFLINE;
var CACHE = SETTINGS.cache + "-" + SETTINGS.version;

var SCOPE_PATH = self.registration.scope.replace(self.location.origin, "");
var PAGES = (SETTINGS.pages || []).map(function (p) { return new RegExp(p); });

// A page this worker keeps: one of SETTINGS.pages, else (none named) any page in its scope.
function keepsPage(url) {
  if (url.origin !== self.location.origin) return false;
  if (url.pathname.indexOf(SCOPE_PATH) !== 0) return false;
  if (!SETTINGS.pages) return true;
  return PAGES.some(function (re) { return re.test(url.pathname); });
}

// Fetches a page again (with the user's cookies) and keeps it, if it came whole.
function keepPage(href) {
  var url = new URL(href);
  if (!keepsPage(url)) return Promise.resolve();
  url.hash = "";
  return fetch(url.href, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
    if (!response.ok || response.redirected) return null;
    return caches.open(CACHE).then(function (cache) { return cache.put(url.href, response); });
  }).catch(function () { /* no network: kept next time */ });
}

// The pages open when the worker came: they loaded before it could keep them.
function keepOpenPages() {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
    return Promise.all(list.map(function (client) { return keepPage(client.url); }));
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) { return cache.addAll(SETTINGS.static); })
      .then(keepOpenPages)
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (typeof data.keep === "string") event.waitUntil(keepPage(data.keep));
});

// Drops this page's older caches (another page's worker keeps its own).
self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (key) {
        if (key.indexOf(SETTINGS.cache + "-") === 0 && key !== CACHE) return caches.delete(key);
        return null;
      }));
    }).then(function () { return self.clients.claim(); })
  );
});

function pageNetworkFirst(request) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    // ignoreVary: a page kept on install was fetched by the worker, whose request lacks the
    // browser's Accept-Language that the page's Vary names; it is the same user's same page.
    return caches.match(request, { ignoreSearch: true, ignoreVary: true }).then(function (hit) {
      return hit || Response.error();
    });
  });
}

function staticCacheFirst(request) {
  return caches.match(request).then(function (hit) {
    return hit || fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && keepsPage(url)) {
    event.respondWith(pageNetworkFirst(request));
  } else if (SETTINGS.static.indexOf(url.pathname) !== -1) {
    event.respondWith(staticCacheFirst(request));
  }
});

// ---- Web Push (shequ.notify; served for it at /notify/sw.js) --------------------------------
// The server sends {title, body, url, tag}; the phone shows it even when locked and no page is
// open. A tap opens (or focuses) the page it links, through the inbox so it is marked read.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "Shequ", {
    body: data.body || "",
    tag: data.tag || undefined,
    data: { url: data.url || "/inbox/" },
    icon: "/static/shequ/favicon.svg",
    renotify: Boolean(data.tag),
    requireInteraction: true
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = new URL((event.notification.data && event.notification.data.url) || "/inbox/", self.location.origin);
  if (url.origin !== self.location.origin) return;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (windows[i].url === url.href && "focus" in windows[i]) return windows[i].focus();
    }
    return self.clients.openWindow(url.href);
  }));
});
