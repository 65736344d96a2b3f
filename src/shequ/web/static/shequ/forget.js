/* Logged out: forget the residents and passes the gate page kept on this phone, and its cached
   pages. Passages still waiting to be sent stay queued for the same user's next login. */
(function () {
  try {
    var open = indexedDB.open("shequ-gate");
    open.onupgradeneeded = function () { open.transaction.abort(); };  // none here: make none
    open.onsuccess = function () {
      var db = open.result;
      if (db.objectStoreNames.contains("snapshots")) {
        db.transaction("snapshots", "readwrite").objectStore("snapshots").clear();
      }
    };
    if (window.caches) caches.keys().then(function (keys) {
      keys.forEach(function (k) { if (k.indexOf("shequ-gate-") === 0) caches.delete(k); });
    });
  } catch (e) { /* nothing kept, nothing to forget */ }
})();
