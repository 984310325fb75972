// Tamam: small progressive enhancements. Pages work without it.
(function () {
  "use strict";

  // The exact time after each relative one, in the reader's own time zone. Explicit fields:
  // dateStyle/timeStyle may not be combined with timeZoneName (the call throws).
  var exactFormat = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", timeZoneName: "short"
  });

  function localiseTimes(root) {
    if (!root.querySelectorAll) { return; }  // htmx also swaps text nodes
    root.querySelectorAll("time[datetime] .exact-time").forEach(function (el) {
      var when = new Date(el.parentNode.getAttribute("datetime"));
      if (!isNaN(when)) { el.textContent = exactFormat.format(when); }
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
