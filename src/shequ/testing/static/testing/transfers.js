/* The transfer page: the send button says how many tubes go ("Send 2 tubes") as the sender
 * ticks them, and the hidden "count" field carries that number, so the server sends exactly
 * what the button said (a different number of ticks sends nothing). Without this script
 * the count is blank and the server shows a confirmation with the count first.
 * The words come from the page (json_script "transfer-words"), translated by Django.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-testid=transfer-form]");
  var words = document.getElementById("transfer-words");
  if (!form || !words) return;
  words = JSON.parse(words.textContent);
  var button = form.querySelector("[data-testid=transfer-send]");
  var count = form.querySelector("input[name=count]");

  function update() {
    var n = form.querySelectorAll("input[name=tube]:checked").length;
    var label = n === 0 ? words.none : n === 1 ? words.one : words.other;
    button.textContent = label.replace("%(n)s", String(n));
    button.disabled = n === 0;
    button.setAttribute("data-count", String(n));
    count.value = String(n);
  }

  form.addEventListener("change", update);
  // A page restored from the back/forward cache keeps its ticks: count them again.
  window.addEventListener("pageshow", update);
  update();
})();
