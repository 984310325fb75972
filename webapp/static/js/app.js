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

  // A job's live part and its rows say data-job-state="active" or "final". When a poll brings
  // the final one: retitle the tab, announce the end, and notify if asked and the tab is hidden.
  var states = {};          // element id -> the state it had
  var notifyWanted = false; // set only by the "Notify me" button (opt-in)

  function remember(root) {
    if (!root.querySelectorAll) { return; }
    var found = Array.prototype.slice.call(root.querySelectorAll("[data-job-state]"));
    if (root.hasAttribute && root.hasAttribute("data-job-state")) { found.push(root); }
    found.forEach(function (el) {
      var before = states[el.id];
      states[el.id] = el.dataset.jobState;
      if (el.dataset.title) { document.title = el.dataset.title; }
      if (before === "active" && el.dataset.jobState === "final" && el.dataset.ended) {
        jobEnded(el.dataset.ended);
      }
    });
  }

  function jobEnded(words) {
    var announcer = document.getElementById("announcer");
    if (announcer) { announcer.textContent = words; }
    var box = document.getElementById("job-notify");
    if (box) { box.hidden = true; }
    if (notifyWanted && document.visibilityState === "hidden" &&
        window.Notification.permission === "granted") {
      var note = new window.Notification("Tamam", { body: words });
      note.onclick = function () { window.focus(); note.close(); };
    }
  }

  function offerNotifications() {
    var box = document.getElementById("job-notify");
    if (!box || !("Notification" in window) || window.Notification.permission === "denied") {
      return;
    }
    var button = document.getElementById("notify-toggle");
    var note = document.getElementById("notify-note");
    function want(on) {
      notifyWanted = on;
      button.setAttribute("aria-pressed", on ? "true" : "false");
      note.textContent = on ? "You will get a notification if this tab is in the background." : "";
    }
    button.addEventListener("click", function () {
      if (notifyWanted) { want(false); return; }
      Promise.resolve(window.Notification.requestPermission()).then(function (answer) {
        if (answer === "granted") {
          want(true);
        } else {
          note.textContent = "Your browser blocks notifications from this site.";
          button.disabled = true;
        }
      });
    });
    box.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    localiseTimes(document);
    remember(document);
    offerNotifications();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    localiseTimes(event.target);
    remember(event.target);
  });
})();
