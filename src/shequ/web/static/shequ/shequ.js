/* Behaviour every page shares. The Content-Security-Policy allows no inline script, so what
   used to sit in onsubmit / onchange attributes lives here, driven by data attributes:
     <form data-confirm="Lift this zone now?">   asks before the form is sent;
     <select data-autosubmit>                    sends its form when the choice changes
                                                 (a <noscript> button does it without JS). */
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
})();
