/* The movement forms' barcode scanner (the gate page's zxing reader, any barcode format).
 * A scanned or typed barcode is looked up (GET /supplies/barcode/?code=) and chooses the item:
 * on the receive form the barcode field is filled and the item selected; on the issue,
 * transfer and adjust forms the first (soonest-to-expire) batch of that item is selected.
 * Without JavaScript the barcode box is a GET form: the page comes back with its choices
 * narrowed to the item (supplies/scanning.py). */
(function () {
  "use strict";
  var box = document.getElementById("sq-scan");
  if (!box) return;
  box.querySelector("[data-scan-camera]").hidden = false;
  var video = box.querySelector("video");
  var button = box.querySelector("[data-scan-camera]");
  var typed = box.querySelector("[data-scan-code]");
  var status = box.querySelector("[data-scan-status]");
  var camera = null;

  function say(text) { status.textContent = text || ""; }

  function choose(item) {
    var barcode = document.getElementById("id_barcode");
    var items = document.getElementById("id_item");
    var stock = document.getElementById("id_stock");
    if (items) items.value = String(item.id);
    if (stock) {
      var hit = Array.prototype.filter.call(stock.options, function (o) {
        return o.text.indexOf(" · " + item.name) >= 0;
      })[0];
      if (!hit) return say(box.dataset.notHere + " " + item.name);
      stock.value = hit.value;
    }
    if (barcode && !barcode.value) barcode.value = item.code;
    say(item.name + " · " + item.unit);
  }

  function lookup(code) {
    code = (code || "").trim();
    if (!code) return;
    var barcode = document.getElementById("id_barcode");
    if (barcode) barcode.value = code;
    fetch(box.dataset.lookup + "?code=" + encodeURIComponent(code), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
      .then(function (item) { item.code = code; choose(item); })
      .catch(function () { say(box.dataset.unknown + " " + code); });
  }

  function stop() {
    if (camera) camera.stop();
    camera = null;
    video.hidden = true;
    button.textContent = box.dataset.start;
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (window.ZXingBrowser) return resolve();
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  button.addEventListener("click", function () {
    if (camera) return stop();
    loadScript(box.dataset.zxing).then(function () {
      var reader = new window.ZXingBrowser.BrowserMultiFormatReader();
      video.hidden = false;
      return reader.decodeFromConstraints({ video: { facingMode: "environment" } }, video,
        function (result) {
          if (!result) return;
          stop();
          lookup(result.getText());
        });
    }).then(function (controls) {
      camera = controls;
      button.textContent = box.dataset.stop;
    }).catch(function () { stop(); say(box.dataset.failed); });
  });
  box.addEventListener("submit", function (e) {
    e.preventDefault();  // choose in place: what was typed in the movement form stays
    lookup(typed.value);
  });
})();
