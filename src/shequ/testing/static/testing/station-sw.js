/* The station pages' service worker, served by testing/views.py at
 * /testing/stations/sw.js (so its scope is /testing/stations/), with
 * self.SHEQU_STATION = {version, static: [urls]} written above this text.
 *
 * Pages: network first, the last copy when offline. Static files: cache first (their URLs
 * are kept on install). The API is never cached here: the page keeps its data in IndexedDB.
 */
"use strict";

var CACHE = "shequ-station-" + self.SHEQU_STATION.version;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) { return cache.addAll(self.SHEQU_STATION.static); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (key) {
        if (key.indexOf("shequ-station-") === 0 && key !== CACHE) return caches.delete(key);
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
    return caches.match(request, { ignoreSearch: true }).then(function (hit) {
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
  if (request.mode === "navigate" && url.pathname.indexOf(self.registration.scope.replace(self.location.origin, "")) === 0) {
    event.respondWith(pageNetworkFirst(request));
  } else if (self.SHEQU_STATION.static.indexOf(url.pathname) !== -1) {
    event.respondWith(staticCacheFirst(request));
  }
});
