// Catalog page. The filter controls always show what the address says (Back,
// Forward, htmx's history restore, the browser refilling a form); a search typed
// in several pauses makes one history entry, not one per pause; a failed request
// for results says so instead of leaving results that do not match; a new page
// of results is scrolled to and its heading focused.
(function () {
  "use strict";
  // htmx runs this script again when Back restores the page from the server.
  if (window.catalogPage) return;
  window.catalogPage = true;

  // Whether the current history entry was made by typing in the search box:
  // more typing then replaces it instead of pushing another.
  var typedEntry = false;

  function filters() {
    return document.getElementById("catalog-filters");
  }

  function choose(select, value) {
    select.value = value;
    if (select.selectedIndex < 0) select.selectedIndex = 0; // unknown: the default
  }

  function syncControls() {
    var form = filters();
    if (!form) return;
    var params = new URLSearchParams(location.search);
    form.elements.q.value = params.get("q") || "";
    choose(form.elements.category, params.get("category") || "");
    choose(form.elements.sort, params.get("sort") || "");
  }

  function byTyping(detail) {
    var config = detail.requestConfig;
    return Boolean(config && config.triggeringEvent && config.triggeringEvent.type === "input");
  }

  // "push" or "replace" for the results of a request that went to ``path``.
  function historyType(path, typing) {
    var same = path === location.pathname + location.search;
    var type = same || (typing && typedEntry) ? "replace" : "push";
    typedEntry = typing;
    return type;
  }

  function isResultsRequest(detail) {
    return Boolean(filters() && detail.target && detail.target.id === "results");
  }

  function showFailure(path) {
    var results = document.getElementById("results");
    var template = document.getElementById("results-failed");
    if (!results || !template) return;
    var panel = template.content.firstElementChild.cloneNode(true);
    panel.querySelector("a").setAttribute("href", path);
    results.classList.remove("htmx-request");
    results.replaceChildren(panel);
  }

  function requestFailed(event) {
    var detail = event.detail;
    if (!isResultsRequest(detail)) return;
    var path = detail.pathInfo.finalRequestPath;
    // The address follows the controls, as it would have after a success.
    var state = { htmx: true };
    if (historyType(path, byTyping(detail)) === "push") history.pushState(state, "", path);
    else history.replaceState(state, "", path);
    showFailure(path);
  }

  document.addEventListener("htmx:beforeHistoryUpdate", function (event) {
    if (!isResultsRequest(event.detail)) return;
    var update = event.detail.history;
    update.type = historyType(update.path, byTyping(event.detail));
  });
  document.addEventListener("htmx:responseError", requestFailed);
  document.addEventListener("htmx:sendError", requestFailed);
  document.addEventListener("htmx:timeout", requestFailed);
  // Back or Forward pressed again before the page came: only the last one counts
  // (an earlier answer arriving late would show results for another address).
  var restoring = null;
  document.addEventListener("htmx:historyCacheMiss", function (event) {
    if (restoring) restoring.abort();
    restoring = event.detail.xhr;
  });
  document.addEventListener("htmx:historyCacheMissLoadError", function (event) {
    if (filters()) showFailure(event.detail.path);
  });

  document.addEventListener("focusout", function (event) {
    if (event.target.id === "id_q") typedEntry = false;
  });
  window.addEventListener("popstate", function () {
    typedEntry = false;
    syncControls();
  });
  window.addEventListener("pageshow", syncControls);
  document.addEventListener("htmx:historyRestore", syncControls);

  // After "Next" or "Previous": the new page starts at the results' heading.
  document.addEventListener("htmx:afterSettle", function (event) {
    var heading = document.getElementById("results-heading");
    var status = document.getElementById("results-status");
    if (heading && status) status.textContent = heading.textContent.replace(/\s+/g, " ").trim();
    var config = event.detail.requestConfig;
    if (!heading || !config || !config.elt.closest || !config.elt.closest(".pagination")) return;
    heading.focus({ preventScroll: true });
    heading.closest("section").scrollIntoView({ block: "start" });
  });
})();
