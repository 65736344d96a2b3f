/* Behaviour every page shares. The Content-Security-Policy allows no inline script, so what
   used to sit in onsubmit / onchange attributes lives here, driven by data attributes:
     <form data-confirm="Lift this zone now?">   asks before the form is sent;
     <select data-autosubmit>                    sends its form when the choice changes
                                                 (a <noscript> button does it without JS);
     <fieldset data-cascade-url="/…/">           holding <select data-cascade="compound"> …:
                                                 when one list changes, the later ones are
                                                 emptied and refilled from the URL's JSON
                                                 ({"building": [[value, label], …], …}), and
                                                 the no-JS button [data-cascade-refresh] that
                                                 sends the form back for them is hidden. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.submit();
    }
  });

  function cascade(box) {
    var refresh = box.querySelector("[data-cascade-refresh]");
    var selects = Array.prototype.slice.call(box.querySelectorAll("select[data-cascade]"));
    if (!window.fetch || !selects.length) return;
    if (refresh) refresh.classList.add("sq-cascade-js");
    selects.forEach(function (select, i) {
      select.addEventListener("change", function () {
        var later = selects.slice(i + 1);
        var query = selects.slice(0, i + 1).map(function (s) {
          return encodeURIComponent(s.getAttribute("data-cascade")) + "=" + encodeURIComponent(s.value);
        }).join("&");
        later.forEach(function (s) { s.value = ""; });
        fetch(box.getAttribute("data-cascade-url") + "?" + query, {
          credentials: "same-origin", headers: { Accept: "application/json" }
        }).then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        }).then(function (data) {
          later.forEach(function (s) {
            var blank = s.options.length ? s.options[0].text : "—";
            s.innerHTML = "";
            s.appendChild(new Option(blank, ""));
            (data[s.getAttribute("data-cascade")] || []).forEach(function (pair) {
              s.appendChild(new Option(pair[1], pair[0]));
            });
          });
        }).catch(function () {
          if (refresh) refresh.classList.remove("sq-cascade-js");  // the form can still send for them
        });
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-cascade-url]"), cascade);
})();
