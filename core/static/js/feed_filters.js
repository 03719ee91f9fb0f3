// Live feed page: filters and pause for the rows pushed over the socket.
//
// A pushed row is rendered once for every socket, so the server cannot leave out
// what one page's filters exclude: this script does, before htmx swaps the rows
// in, comparing each row's data attributes with the rules the server wrote on
// #feed-view (the rules of dashboard/filters.py). Rows that do not match are
// counted, not shown. While paused, matching rows wait behind an "N new" button.
//
// The rows the page was loaded with (or that the filter form fetched) come from
// the server, filtered there; the socket's first message (the current state, sent
// on every connect) then only adds what is newer, instead of replacing them.
(function () {
  "use strict";
  var feed = document.getElementById("live-feed");
  var rows = document.getElementById("feed-rows");
  var controls = document.getElementById("feed-controls");
  if (!feed || !rows || !controls) return;
  var pauseButton = document.getElementById("feed-pause");
  var heldButton = document.getElementById("feed-held");
  var maxRows = parseInt(feed.dataset.maxRows || "200", 10);
  var paused = false;
  var held = []; // rows that arrived while paused, at most maxRows, oldest first
  var heldTotal = 0; // how many arrived while paused (some may be dropped)
  var known = new Set(); // ids of rows held or counted, so none counts twice
  var inSocketMessage = false;
  var newest = 0; // the newest event id this page has shown, held or counted

  function view() {
    return document.getElementById("feed-view");
  }

  function idOf(row) {
    return parseInt(row.dataset.id, 10) || 0;
  }

  function noteNewest() {
    var v = view();
    var first = rows.querySelector(".change");
    newest = Math.max(
      newest,
      v ? parseInt(v.dataset.latest || "0", 10) : 0,
      first ? idOf(first) : 0
    );
  }

  function instant(text) {
    return text ? Date.parse(text) : null;
  }

  function rules() {
    var data = view() ? view().dataset : {};
    var r = {
      none: data.filterNone === "true",
      action: data.filterAction || "",
      actor: data.filterActor || "",
      product: data.filterProduct || "",
      field: data.filterField || "",
      since: instant(data.filterSince),
      until: instant(data.filterUntil),
    };
    r.active = Boolean(
      r.none || r.action || r.actor || r.product || r.field ||
      r.since !== null || r.until !== null
    );
    return r;
  }

  function lower(text) {
    return (text || "").toLowerCase();
  }

  function matches(row, r) {
    var d = row.dataset;
    if (r.none) return false;
    if (r.action && d.action !== r.action) return false;
    if (r.actor && lower(d.actor) !== r.actor && lower(d.source) !== r.actor) return false;
    if (r.product && lower(d.product).indexOf(r.product) < 0 &&
        lower(d.sku).indexOf(r.product) < 0) return false;
    if (r.field && (d.fields || "").split(/\s+/).indexOf(r.field) < 0) return false;
    if (r.since !== null || r.until !== null) {
      var time = row.querySelector("time");
      var at = time ? Date.parse(time.getAttribute("datetime")) : NaN;
      if (r.since !== null && !(at >= r.since)) return false;
      if (r.until !== null && !(at < r.until)) return false;
    }
    return true;
  }

  function countUnmatched() {
    var v = view();
    if (!v) return;
    var count = parseInt(v.dataset.unmatched || "0", 10) + 1;
    v.dataset.unmatched = String(count);
    var out = v.querySelector(".feed-unmatched");
    if (!out) return;
    out.textContent = count + (count === 1 ? " new change" : " new changes") +
      " arrived that " + (count === 1 ? "does" : "do") + " not match.";
    out.hidden = false;
  }

  function showHeldButton() {
    heldButton.hidden = heldTotal === 0;
    heldButton.textContent = heldTotal + " new";
    heldButton.setAttribute(
      "aria-label",
      "Show " + heldTotal + (heldTotal === 1 ? " new change" : " new changes")
    );
  }

  function hold(row) {
    held.push(row);
    if (held.length > maxRows) held.shift();
    heldTotal += 1;
    showHeldButton();
  }

  // Newest on top, as pushed rows would have been; then bounded by feed.js.
  function showRows(list) {
    list.sort(function (a, b) {
      return idOf(a) - idOf(b);
    });
    var shown = 0;
    list.forEach(function (row) {
      if (document.getElementById(row.id)) return;
      rows.prepend(row);
      shown += 1;
    });
    if (shown) feed.dispatchEvent(new CustomEvent("feed:rowsshown", { bubbles: true }));
  }

  function showHeld() {
    var overflowed = heldTotal > held.length;
    var list = held;
    held = [];
    heldTotal = 0;
    showHeldButton();
    if (overflowed) {
      // More arrived than the page keeps: showing only the newest would leave a
      // gap above the older rows. Ask the server for the list as it is now.
      htmx.trigger(document.getElementById("feed-filters"), "submit");
    } else {
      showRows(list);
    }
  }

  function setPaused(value) {
    paused = value;
    pauseButton.setAttribute("aria-pressed", paused ? "true" : "false");
    pauseButton.textContent = paused ? "Resume" : "Pause";
    if (!paused) showHeld();
  }

  // Rows of one socket message: dropped (already shown or held), counted (not
  // matching), held (paused) or kept. Returns the kept ones.
  function sort(incoming, r, onlyNewer) {
    var kept = [];
    incoming.forEach(function (row) {
      var id = idOf(row);
      if (onlyNewer && id <= newest) return;
      if (known.has(id) || document.getElementById(row.id)) return;
      newest = Math.max(newest, id);
      if (!matches(row, r)) {
        known.add(id);
        countUnmatched();
      } else if (paused) {
        known.add(id);
        hold(row);
      } else {
        kept.push(row);
      }
    });
    return kept;
  }

  // live_socket.js swaps a message's elements synchronously between these two
  // events; the microtask ends the flag even if a swap throws.
  feed.addEventListener("live:beforemessage", function () {
    inSocketMessage = true;
    queueMicrotask(function () {
      inSocketMessage = false;
    });
  });
  feed.addEventListener("live:message", function () {
    inSocketMessage = false;
  });

  document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
    var detail = event.detail;
    var target = detail.target;
    if (!inSocketMessage) {
      // The filter form's answer: new rules, rows and counter from the server.
      // Held rows were matched against the old rules; the server's list is
      // current, so they are let go.
      if (target.id === "feed-view") {
        held = [];
        heldTotal = 0;
        showHeldButton();
      }
      return;
    }
    noteNewest();
    var r = rules();
    var merging = paused || r.active;
    if (target.id === "feed-more") {
      // The state's "Load older" belongs to its own rows, not to the ones shown.
      if (merging) detail.shouldSwap = false;
      return;
    }
    if (target.id !== "feed-rows") return;
    var fragment = detail.fragment;
    var snapshot = fragment.hasAttribute && fragment.hasAttribute("data-snapshot");
    var incoming = Array.prototype.filter.call(fragment.children, function (child) {
      return child.classList.contains("change");
    });
    if (!merging) {
      incoming.forEach(function (row) {
        newest = Math.max(newest, idOf(row));
      });
      return;
    }
    var kept = sort(incoming, r, snapshot);
    if (snapshot) {
      detail.shouldSwap = false;
      showRows(kept);
    } else {
      fragment.replaceChildren.apply(fragment, kept);
    }
  });

  pauseButton.addEventListener("click", function () {
    setPaused(!paused);
  });
  heldButton.addEventListener("click", showHeld);
  noteNewest();
  controls.hidden = false;
})();
