// Tamam: small progressive enhancements. Pages work without it.
// The page's language and the words app.js writes, in it (base.html: #script-words). Dates
// follow the reader's own variant of the page's language when the browser names one (en-GB
// keeps its 24-hour clock), else the page's; Arabic keeps Western digits, as the server does.
var PAGE_LANG = (function () {
  var lang = document.documentElement.lang;
  if (!lang) { return undefined; }
  var asked = (navigator.languages && navigator.languages.length) ?
    navigator.languages : [navigator.language];
  var mine = asked.filter(function (tag) { return tag && tag.split("-")[0] === lang; });
  var tags = mine.length ? mine.slice() : [lang];
  if (lang === "ar") {  // ARABIC_DIGITS: the page says which digits (body data-digits)
    var digits = document.body && document.body.dataset.digits === "arab" ? "arab" : "latn";
    tags = tags.map(function (tag) { return tag.indexOf("-u-") < 0 ? tag + "-u-nu-" + digits : tag; });
  }
  return tags;
})();
function pageWords(key, values) {
  if (!pageWords.table) {
    var node = document.getElementById("script-words");
    try { pageWords.table = node ? JSON.parse(node.textContent) : {}; } catch (e) { pageWords.table = {}; }
  }
  var words = pageWords.table[key] || key;
  Object.keys(values || {}).forEach(function (name) {
    words = words.split("%(" + name + ")s").join(values[name]);
  });
  return words;
}

(function () {
  "use strict";

  // The exact time after each relative one, in the reader's own time zone. Explicit fields:
  // dateStyle/timeStyle may not be combined with timeZoneName (the call throws).
  var exactFormat = new Intl.DateTimeFormat(PAGE_LANG, {
    year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", timeZoneName: "short"
  });

  // HIJRI_DATES=on: the Hijri (Umm al-Qura) date under it, of the same day in the same zone.
  var hijriFormat = null;
  try {
    hijriFormat = new Intl.DateTimeFormat(PAGE_LANG, {
      calendar: "islamic-umalqura", year: "numeric", month: "long", day: "numeric"
    });
    if (hijriFormat.resolvedOptions().calendar !== "islamic-umalqura") { hijriFormat = null; }
  } catch (e) { hijriFormat = null; }  // the server's Hijri date (UTC) stays

  function localiseTimes(root) {
    if (!root.querySelectorAll) { return; }  // htmx also swaps text nodes
    root.querySelectorAll("time[datetime] .exact-time").forEach(function (el) {
      var when = new Date(el.parentNode.getAttribute("datetime"));
      if (!isNaN(when)) { el.textContent = exactFormat.format(when); }
    });
    if (!hijriFormat) { return; }
    root.querySelectorAll("time[datetime] .hijri-date").forEach(function (el) {
      var when = new Date(el.parentNode.getAttribute("datetime"));
      if (!isNaN(when)) { el.textContent = hijriFormat.format(when); }
    });
  }

  // A time of day (<time class="clock">: a job requested, a queue paused), in the reader's
  // zone: "14:05", then its day.
  var clockFormat = new Intl.DateTimeFormat(PAGE_LANG, { hour: "2-digit", minute: "2-digit" });
  var dayFormat = new Intl.DateTimeFormat(PAGE_LANG, {
    year: "numeric", month: "short", day: "numeric", timeZoneName: "short"
  });

  function localiseClocks(root) {
    if (!root.querySelectorAll) { return; }
    root.querySelectorAll("time.clock[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) { return; }
      el.querySelector(".clock-time").textContent = clockFormat.format(when);
      el.querySelector(".clock-day").textContent = dayFormat.format(when);
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
      note.textContent = on ? pageWords("notify_on") : "";
    }
    button.addEventListener("click", function () {
      if (notifyWanted) { want(false); return; }
      Promise.resolve(window.Notification.requestPermission()).then(function (answer) {
        if (answer === "granted") {
          want(true);
        } else {
          note.textContent = pageWords("notify_blocked");
          button.disabled = true;
        }
      });
    });
    box.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    localiseTimes(document);
    localiseClocks(document);
    remember(document);
    offerNotifications();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    localiseTimes(event.target);
    localiseClocks(event.target);
    remember(event.target);
  });
})();

// My jobs' live updates: one request per page per interval, not one per row. The list sends
// its active rows' ids and versions to data-live-url; the server answers 204 when none changed,
// else only the changed rows, swapped out of band. The interval backs off while nothing changes
// (1 s, 2, 4, up to 10 s) and starts again at 1 s on a change; the poll pauses while the tab is
// hidden and when the reader presses "Pause live updates". It stops when no row is active.
(function () {
  "use strict";

  var FIRST = 1000, LONGEST = 10000;
  var delay = FIRST, timer = null, busy = false, paused = false;

  function list() { return document.querySelector("#job-list[data-live-url]"); }

  function activeRows(root) {
    return Array.prototype.slice.call(root.querySelectorAll("tr.job-row[data-job-state='active']"));
  }

  function schedule(ms) {
    window.clearTimeout(timer);
    timer = null;
    var root = list();
    if (!root || paused || document.hidden || !activeRows(root).length) { return; }
    timer = window.setTimeout(poll, ms);
  }

  function poll() {
    timer = null;
    var root = list();
    if (!root || busy) { return; }
    var rows = activeRows(root).map(function (row) {
      return row.id.slice(4) + "." + row.dataset.version;  // id="job-<id>"
    });
    if (!rows.length) { return; }
    busy = true;
    var url = root.dataset.liveUrl + "?rows=" + encodeURIComponent(rows.join(","));
    fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status !== 200) { return false; }
        return response.text().then(function (html) {
          window.htmx.swap(root, html, { swapStyle: "none" });  // only the oob rows
          return true;
        });
      })
      .catch(function () { return false; })  // offline: keep backing off
      .then(function (changed) {
        busy = false;
        delay = changed ? FIRST : Math.min(delay * 2, LONGEST);
        schedule(delay);
      });
  }

  // Rows brought out of band: let the page's afterSwap handlers (local times, announcing a
  // job that ended) see them as they see any other swap.
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var fresh = event.target;  // the new row, now in the page
    if (fresh && fresh.classList && fresh.classList.contains("job-row")) {
      fresh.dispatchEvent(new CustomEvent("htmx:afterSwap", { bubbles: true, detail: {} }));
    }
  });

  // A running row's duration counts on between polls ("Running 1 min 5 s").
  function words(seconds) {
    var s = Math.max(0, Math.floor(seconds)), m = Math.floor(s / 60), h = Math.floor(m / 60);
    function unit(name, n) { return pageWords("unit_" + name, { n: n }); }
    if (s < 60) { return unit("s", s); }
    if (m < 60) { return (m < 10 && s % 60) ? unit("min", m) + " " + unit("s", s % 60) : unit("min", m); }
    if (h < 24) { return m % 60 ? unit("h", h) + " " + unit("min", m % 60) : unit("h", h); }
    return unit("d", Math.floor(h / 24)) + (h % 24 ? " " + unit("h", h % 24) : "");
  }

  function tick() {
    document.querySelectorAll("#job-list .duration[data-since]").forEach(function (el) {
      // The words before the duration stay ("Running ", "قيد التنفيذ منذ "): it starts at a digit.
      var since = new Date(el.dataset.since), text = el.textContent, at = text.search(/\d/);
      if (!isNaN(since) && at >= 0) {
        el.textContent = text.slice(0, at) + words((Date.now() - since) / 1000);
      }
    });
  }

  function showPaused() {
    var button = document.getElementById("live-toggle");
    var note = document.getElementById("live-note");
    if (!button) { return; }
    button.setAttribute("aria-pressed", paused ? "true" : "false");
    button.textContent = paused ? pageWords("live_resume") : pageWords("live_pause");
    note.textContent = paused ? pageWords("live_paused_list") : "";
  }

  function restart() {
    delay = FIRST;
    schedule(delay);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var controls = document.getElementById("live-controls");
    if (!list()) { return; }
    if (controls) {
      controls.hidden = false;
      document.getElementById("live-toggle").addEventListener("click", function () {
        paused = !paused;
        showPaused();
        if (paused) { schedule(0); } else { restart(); }
      });
    }
    window.setInterval(tick, 1000);
    restart();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { schedule(0); } else { restart(); }
  });
  // A filter or another page swaps the whole list: poll its rows, from 1 s.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "job-list") { restart(); }
  });
})();

// The job page's poll says what it shows (X-Job-Version, from its last answer), so an
// unchanged job costs the server an empty 204 instead of a rendered part.
(function () {
  "use strict";

  var shown = null;  // the version of the live part on the page

  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (shown && elt && elt.id === "job-live" && event.detail.verb === "get") {
      event.detail.headers["X-Job-Version"] = shown;
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr, elt = event.detail.elt;
    if (xhr && elt && elt.id === "job-live" && xhr.status === 200) {
      shown = xhr.getResponseHeader("X-Job-Version") || null;
    } else if (xhr && xhr.status === 200 && event.detail.target &&
               event.detail.target.id === "job-live") {
      shown = null;  // a cancel redrew it: the next poll renders
    }
  });
})();

// Parts of a page that refresh themselves (/ops: the live figures every 5 s, the charts every
// minute). Each element with data-refresh-url is fetched every data-refresh-every ms, one request
// per part, and swapped whole by htmx, which keeps keyboard focus on the element with the same
// id; open <details> stay open, and an answer identical to the last is not swapped. A failed
// request backs off (doubling, up to a minute). Like My jobs' poll, the refresh pauses while
// the tab is hidden and when the reader presses "Pause live updates" (the same controls).
(function () {
  "use strict";

  var LONGEST = 60000;
  var paused = false;
  var parts = {};  // element id -> { timer, delay, busy, last }

  function every(id) {
    var el = document.getElementById(id);
    return (el && parseInt(el.dataset.refreshEvery, 10)) || 5000;
  }

  function schedule(id, ms) {
    var part = parts[id];
    window.clearTimeout(part.timer);
    part.timer = null;
    if (paused || document.hidden) { return; }
    part.timer = window.setTimeout(function () { refresh(id); }, ms);
  }

  function swap(id, html) {
    var el = document.getElementById(id);
    var open = Array.prototype.map.call(el.querySelectorAll("details[open][id]"), function (d) {
      return d.id;
    });
    window.htmx.swap(el, html, { swapStyle: "outerHTML" });
    open.forEach(function (detailsId) {
      var details = document.getElementById(detailsId);
      if (details) { details.open = true; }
    });
  }

  function refresh(id) {
    var part = parts[id], el = document.getElementById(id);
    part.timer = null;
    if (!el || part.busy) { return; }
    part.busy = true;
    fetch(el.dataset.refreshUrl, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) {
        var away = response.headers.get("HX-Redirect");
        if (away) { window.location.assign(away); return false; }  // signed out meanwhile
        if (response.status !== 200) { return false; }
        return response.text().then(function (html) {
          if (!paused && html !== part.last) {  // paused meanwhile: the page stays as it is
            swap(id, html);
            part.last = html;
          }
          return true;
        });
      })
      .catch(function () { return false; })  // offline: keep backing off
      .then(function (ok) {
        part.busy = false;
        part.delay = ok ? every(id) : Math.min(part.delay * 2, LONGEST);
        schedule(id, part.delay);
      });
  }

  function startAll(soon) {
    Object.keys(parts).forEach(function (id) {
      parts[id].delay = every(id);
      schedule(id, soon ? 0 : parts[id].delay);
    });
  }

  function stopAll() {
    Object.keys(parts).forEach(function (id) {
      window.clearTimeout(parts[id].timer);
      parts[id].timer = null;
    });
  }

  function showPaused() {
    var button = document.getElementById("live-toggle");
    button.setAttribute("aria-pressed", paused ? "true" : "false");
    button.textContent = paused ? pageWords("live_resume") : pageWords("live_pause");
    document.getElementById("live-note").textContent =
      paused ? pageWords("live_paused_figures") : "";
  }

  // A chart step's <title> starts with its time in UTC: say it in the reader's zone.
  var timeOfDay = new Intl.DateTimeFormat(PAGE_LANG, { hour: "2-digit", minute: "2-digit" });

  function localiseTitles(root) {
    if (!root.querySelectorAll) { return; }
    root.querySelectorAll("title[data-at]").forEach(function (title) {
      var at = new Date(title.getAttribute("data-at"));
      var until = title.hasAttribute("data-until") && new Date(title.getAttribute("data-until"));
      var cut = title.textContent.indexOf(": ");
      if (isNaN(at) || cut < 0) { return; }
      var words = until ? pageWords("time_to", { start: timeOfDay.format(at), end: timeOfDay.format(until) })
        : timeOfDay.format(at);
      title.textContent = words + title.textContent.slice(cut);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localiseTitles(document);
    document.querySelectorAll("[data-refresh-url][id]").forEach(function (el) {
      parts[el.id] = { timer: null, delay: every(el.id), busy: false, last: null };
    });
    if (!Object.keys(parts).length) { return; }
    var controls = document.getElementById("live-controls");
    if (controls) {
      controls.hidden = false;
      document.getElementById("live-toggle").addEventListener("click", function () {
        paused = !paused;
        showPaused();
        if (paused) { stopAll(); } else { startAll(true); }
      });
    }
    startAll(false);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { stopAll(); } else if (!paused) { startAll(true); }
  });
  // A part in its final state (the ping's answers, all in) says so to screen readers, once:
  // it arrives once, since it no longer polls.
  function announce(root) {
    var done = root.matches && root.matches("[data-announce]") ? root :
      root.querySelector && root.querySelector("[data-announce]");
    var announcer = document.getElementById("announcer");
    if (done && announcer) {
      announcer.textContent = "";
      announcer.textContent = done.dataset.announce;
    }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    localiseTitles(event.target);
    announce(event.target);
  });
})();

// On a phone the nav is one line that scrolls sideways: the current page's link is shown.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var current = document.querySelector("nav.nav a[aria-current]");
  var nav = current && current.parentNode;
  if (nav && nav.scrollWidth > nav.clientWidth) {
    current.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
});
