/* Logged out: forget what the offline pages kept on this phone — the residents, passes and
   lists the server sent, and the cached pages. The one list of stores is core/offline.py's
   OFFLINE_STORES, given by the login page as JSON (#sq-forget). Records still waiting to be
   sent stay queued for the same user's next login. */
(function () {
  var data = document.getElementById("sq-forget");
  if (!data) return;
  var stores;
  try { stores = JSON.parse(data.textContent); } catch (e) { return; }
  document.documentElement.setAttribute("data-forgetting", String(stores.length));
  var pending = stores.length;
  function oneDone() {
    pending -= 1;
    if (pending <= 0) document.documentElement.setAttribute("data-forgot", "1");
  }
  stores.forEach(function (store) {
    if (!store.database) { oneDone(); return; }  // a worker that keeps only a cache
    try {
      var open = indexedDB.open(store.database);
      // A phone that never opened this page has no such database: make none.
      open.onupgradeneeded = function () { open.transaction.abort(); };
      open.onerror = oneDone;
      open.onsuccess = function () {
        var db = open.result;
        var tables = store.forget.filter(function (t) { return db.objectStoreNames.contains(t); });
        if (!tables.length) { db.close(); oneDone(); return; }
        var tx = db.transaction(tables, "readwrite");
        tables.forEach(function (t) { tx.objectStore(t).clear(); });
        tx.oncomplete = tx.onerror = tx.onabort = function () { db.close(); oneDone(); };
      };
    } catch (e) { oneDone(); /* no IndexedDB: nothing kept, nothing to forget */ }
  });
  if (window.caches) {
    caches.keys().then(function (keys) {
      keys.forEach(function (key) {
        stores.forEach(function (store) {
          if (key.indexOf(store.cache + "-") === 0) caches.delete(key);
        });
      });
    });
  }
})();
