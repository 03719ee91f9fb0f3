// Live feed page: connection indicator, row cap, relative times, "Load older"
// cursor and focus, a brief highlight on rows that arrive.
(function () {
  "use strict";
  var feed = document.getElementById("live-feed");
  var status = document.getElementById("connection-status");
  if (!feed || !status) return;
  var maxRows = parseInt(feed.dataset.maxRows || "200", 10);
  // Rows with a larger id than this arrived while the page was open.
  var newestSeen = newestId();

  function show(state, text) {
    status.dataset.state = state;
    status.querySelector(".status-text").textContent = text;
  }

  show("connecting", "Connecting…"); // the page said that live updates need this script

  // The socket itself (codes, backoff, resume) is live_socket.js's; this says
  // what it is doing.
  var SAID = {
    connecting: ["connecting", "Connecting…"],
    reconnecting: ["reconnecting", "Reconnecting…"],
    connected: ["connected", "Connected"],
    "not-allowed": ["ended", "Session ended."],
    "too-many": ["ended", "Disconnected: reload the page to reconnect"],
    closed: ["ended", "Disconnected: reload the page to reconnect"],
  };
  feed.addEventListener("live:status", function (event) {
    var said = SAID[event.detail.state];
    if (said) show(said[0], said[1]);
    status.querySelector(".status-action").hidden = event.detail.state !== "not-allowed";
  });
  feed.addEventListener("live:message", function () {
    trimRows();
    highlightNew();
    refreshTimes();
  });

  function newestId() {
    var first = document.querySelector("#feed-rows > .change");
    return first ? parseInt(first.dataset.id, 10) : 0;
  }

  // The first message after (re)connecting replaces every row: only the ones
  // newer than any shown before get the highlight.
  function highlightNew() {
    document.querySelectorAll("#feed-rows > .change").forEach(function (row) {
      if (parseInt(row.dataset.id, 10) <= newestSeen) return;
      row.classList.add("change-new");
      setTimeout(function () {
        row.classList.remove("change-new");
      }, 3000);
    });
    newestSeen = Math.max(newestSeen, newestId());
  }

  // "Load older": the first of the loaded rows gets focus and is scrolled to
  // (the response's <title> updates the page title).
  var lastBeforeLoad = null;
  feed.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.target.closest("#feed-more")) return;
    var rows = document.querySelectorAll("#feed-rows > .change");
    lastBeforeLoad = rows[rows.length - 1] || null;
  });
  feed.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;
    if (!lastBeforeLoad || !config || !config.elt.closest("#feed-more")) return;
    var first = lastBeforeLoad.nextElementSibling;
    lastBeforeLoad = null;
    refreshTimes();
    if (!first) return;
    first.setAttribute("tabindex", "-1");
    first.focus({ preventScroll: true });
    first.scrollIntoView({ block: "start" });
  });

  // Keep the live part bounded; older rows stay reachable through "Load older".
  function trimRows() {
    var rows = document.querySelectorAll("#feed-rows > .change");
    if (rows.length <= maxRows) return;
    for (var i = maxRows; i < rows.length; i++) rows[i].remove();
    // Rows leave the page, so older rows exist even where the list said it
    // was the whole history.
    var more = document.querySelector("#feed-more a") || addOlderLink();
    if (more) {
      var url = more.getAttribute("href").replace(/before=\d+/, "before=" + rows[maxRows - 1].dataset.id);
      more.setAttribute("href", url);
      more.setAttribute("hx-get", url);
      htmx.process(more);
    }
  }

  function addOlderLink() {
    var container = document.getElementById("feed-more");
    if (!container) return null;
    var url = new URL(window.location.href); // with the page's filters
    url.searchParams.set("before", "0");
    var link = document.createElement("a");
    link.className = "button";
    link.textContent = "Load older";
    link.setAttribute("href", url.pathname + url.search);
    link.setAttribute("hx-target", "#feed-more");
    link.setAttribute("hx-swap", "outerHTML");
    container.replaceChildren(link);
    return link;
  }

  // Rows that another script shows later (held while paused) are bounded too.
  feed.addEventListener("feed:rowsshown", function () {
    trimRows();
    refreshTimes();
  });

  function relative(date) {
    var seconds = Math.round((Date.now() - date.getTime()) / 1000);
    if (seconds < 45) return "just now";
    var minutes = Math.round(seconds / 60);
    if (minutes < 60) return minutes + (minutes === 1 ? " minute ago" : " minutes ago");
    var hours = Math.round(minutes / 60);
    if (hours < 24) return hours + (hours === 1 ? " hour ago" : " hours ago");
    return date.toLocaleString();
  }

  function refreshTimes() {
    document.querySelectorAll("time[data-relative]").forEach(function (el) {
      el.textContent = relative(new Date(el.getAttribute("datetime")));
    });
  }
  // Every relative time on the page comes from relative() above, also the ones
  // the server wrote: rows loaded with the page and rows pushed agree.
  refreshTimes();
  setInterval(refreshTimes, 30000);
})();
