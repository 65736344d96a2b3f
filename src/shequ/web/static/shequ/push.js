/* "Turn on notifications on this phone" (the inbox page): asks the browser's permission,
 * subscribes this phone to Web Push with the server's VAPID key through the service worker at
 * /notify/sw.js, and tells the server (shequ.notify). The section's data attributes carry the
 * key, the URLs, the CSRF token and the texts; it stays hidden without JavaScript. */
(function () {
  "use strict";
  var box = document.getElementById("sq-push");
  if (!box) return;
  var d = box.dataset;
  var state = box.querySelector("[data-state]");
  var on = box.querySelector("[data-push-on]");
  var off = box.querySelector("[data-push-off]");
  box.hidden = false;

  function show(text, canTurnOn, canTurnOff) {
    state.textContent = text;
    on.hidden = !canTurnOn;
    off.hidden = !canTurnOff;
    on.disabled = off.disabled = false;
  }

  function key(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": d.csrf },
      body: JSON.stringify(body)
    }).then(function (answer) {
      if (!answer.ok) throw new Error(String(answer.status));
      return answer;
    });
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    show(d.unsupported, false, false);
    return;
  }
  var ready = navigator.serviceWorker.register(d.sw, { scope: d.scope }).then(function () {
    return navigator.serviceWorker.getRegistration(d.scope);
  });

  ready.then(function (registration) {
    return registration.pushManager.getSubscription();
  }).then(function (subscription) {
    if (window.Notification.permission === "denied") show(d.blocked, false, false);
    else if (subscription && d.subscribed === "1") show(d.isOn, false, true);
    else show(d.isOff, true, false);
  }).catch(function () { show(d.unsupported, false, false); });

  on.addEventListener("click", function () {
    on.disabled = true;
    window.Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        show(permission === "denied" ? d.blocked : d.isOff, permission !== "denied", false);
        return null;
      }
      return ready.then(function (registration) {
        return registration.pushManager.getSubscription().then(function (existing) {
          return existing || registration.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: key(d.key)
          });
        });
      }).then(function (subscription) {
        return post(d.subscribe, subscription.toJSON());
      }).then(function () {
        d.subscribed = "1";
        show(d.isOn, false, true);
      });
    }).catch(function () { show(d.failed, true, false); });
  });

  off.addEventListener("click", function () {
    off.disabled = true;
    ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return null;
      return post(d.unsubscribe, { endpoint: subscription.endpoint }).then(function () {
        return subscription.unsubscribe();
      });
    }).then(function () {
      d.subscribed = "0";
      show(d.isOff, true, false);
    }).catch(function () { show(d.failed, false, true); });
  });
})();
