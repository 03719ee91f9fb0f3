// The staff product table. Inline edits: Enter saves (the cell's own form),
// Escape puts the saved value back; a refused value or a conflict (400, 409)
// still replaces the row, so the message shows beside its cell. Ticking a
// product posts the page's selection (the checkboxes belong to the selection
// form). Products added while the table is open are counted. The bulk form
// shows only the chosen action's field.
(function () {
  "use strict";
  if (window.productTable) return; // htmx may run this script again on Back
  window.productTable = true;
  document.documentElement.classList.add("js");

  var NEEDS = {
    set_category: "category",
    price_percent: "percent",
    price_amount: "amount",
    set_quantity: "quantity",
  };

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("inline-input")) return;
    if (event.key === "Escape") {
      input.value = input.dataset.saved;
      input.removeAttribute("aria-invalid");
      input.blur();
      event.preventDefault();
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if ((status === 400 || status === 409) && target && target.id && target.id.indexOf("table-row-") === 0) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // An inline edit names the version the page last heard of for its row (a
  // push may have moved it on since this cell was drawn).
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    var row = form.closest && form.closest("tr[id^='table-row-']");
    if (!row || !form.matches("form")) return;
    var marker = document.getElementById(row.id.replace("table-row-", "table-") + "-version");
    if (marker) event.detail.parameters.version = marker.dataset.version;
  });

  // After a row is answered, the cell edited keeps the focus.
  var editing = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    var input = form.querySelector && form.querySelector(".inline-input");
    editing = input ? input.id : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!editing) return;
    var input = document.getElementById(editing);
    editing = null;
    if (input && event.detail.target && event.detail.target.contains(input)) {
      if (input.getAttribute("aria-invalid") === "true") input.focus();
    }
  });

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.id === "table-selection-form" && window.htmx) {
      window.htmx.trigger(form, "selection-changed");
    }
    if (event.target.id === "id_bulk-action") showActionField(event.target.form);
  });

  function showActionField(form) {
    if (!form) return;
    var action = form.elements["bulk-action"];
    var needed = NEEDS[action && action.value];
    form.querySelectorAll("[data-bulk-field]").forEach(function (field) {
      var name = field.dataset.bulkField;
      field.hidden = name !== "action" && name !== needed;
    });
  }

  function countAdded() {
    var items = document.getElementById("table-added-items");
    var text = document.querySelector(".table-added-text");
    var link = document.querySelector(".table-added-link");
    if (!items || !text) return;
    var count = items.children.length;
    if (!count) return;
    text.textContent = count === 1 ? "1 new product." : count + " new products.";
    if (link) link.hidden = false;
  }

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "table-added-items") countAdded();
  });

  // The filter controls say what the address says: after a header sorts or a
  // page link pages (the address moved without the form), and on Back.
  function syncControls(withSearch) {
    var form = document.getElementById("table-filters");
    if (!form) return;
    var params = new URLSearchParams(location.search);
    ["category", "stock", "alert", "sort", "per_page"].forEach(function (name) {
      var select = form.elements[name];
      if (!select) return;
      select.value = params.get(name) || (name === "per_page" ? "50" : "");
      if (select.selectedIndex < 0) select.selectedIndex = 0;
    });
    if (withSearch) form.elements.q.value = params.get("q") || "";
  }
  document.addEventListener("htmx:pushedIntoHistory", function () {
    syncControls(false);
  });
  window.addEventListener("popstate", function () {
    syncControls(true);
  });
  document.addEventListener("htmx:historyRestore", function () {
    syncControls(true);
  });

  // A row's category select comes with its saved choice only: the page lists
  // every category once (a <template>), copied into each select here, for
  // the rows of the page, a row answered by an inline edit and pushed cells.
  function fillCategories(root) {
    if (!root || !root.querySelectorAll) return;
    var selects = root.querySelectorAll("select[data-choices]");
    if (root.matches && root.matches("select[data-choices]")) selects = [root];
    Array.prototype.forEach.call(selects, function (select) {
      var choices = document.getElementById(select.dataset.choices);
      if (!choices) return;
      select.replaceChildren(choices.content.cloneNode(true));
      select.value = select.dataset.saved;
      select.removeAttribute("data-choices");
    });
  }
  document.addEventListener("htmx:load", function (event) {
    fillCategories(event.target);
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    fillCategories(document); // the swapped element replaced its target
  });
  // Should an event be missed, a select still has every choice when used.
  document.addEventListener("focusin", function (event) {
    fillCategories(event.target);
  });
  document.addEventListener("pointerdown", function (event) {
    fillCategories(event.target);
  });

  function setUp() {
    showActionField(document.getElementById("table-bulk-form"));
    fillCategories(document);
  }
  document.addEventListener("htmx:afterSettle", setUp);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
