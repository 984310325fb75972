// Tamam: small progressive enhancements. Pages work without it.
(function () {
  "use strict";

  // Show the exact time of every <time> in the reader's own time zone on hover.
  function localiseTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) {
        el.title = when.toLocaleString(undefined, {
          dateStyle: "medium", timeStyle: "medium", timeZoneName: "short"
        });
      }
    });
  }

  // Forms with data-confirm ask before they post when htmx is not handling them.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !form.hasAttribute("hx-post") && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { localiseTimes(document); });
  document.addEventListener("htmx:afterSwap", function (event) { localiseTimes(event.target); });
})();
