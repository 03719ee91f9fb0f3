// The htmx extension "shown-targets": leaves out each element a socket pushes
// whose place is not on this page. One render goes to every page, and pages
// differ (a filtered feed, rows trimmed to the latest, only the most urgent
// alerts pinned): an update of a row or an alert this page does not show has
// nothing to replace here, and htmx would report it as an error
// (htmx:oobErrorNoTarget). Put it in the socket element's hx-ext: live_socket.js
// runs it on every message, before the swaps.
(function () {
  "use strict";
  if (!window.htmx) return;

  // Where htmx would swap the element: its id, or the selector after the swap
  // style ("beforeend:#warnings").
  function targetOf(element) {
    var swap = element.getAttribute("hx-swap-oob") || "true";
    var colon = swap.indexOf(":");
    return colon > 0 ? swap.substring(colon + 1) : "#" + CSS.escape(element.id);
  }

  function hasTarget(element) {
    try {
      return document.querySelector(targetOf(element)) !== null;
    } catch (error) {
      return true; // a selector only htmx understands: let htmx judge it
    }
  }

  htmx.defineExtension("shown-targets", {
    transformResponse: function (text) {
      var template = document.createElement("template");
      template.innerHTML = text;
      var elements = Array.prototype.slice.call(template.content.children);
      var kept = elements.filter(hasTarget);
      if (kept.length === elements.length) return text;
      return kept
        .map(function (element) {
          return element.outerHTML;
        })
        .join("");
    },
  });
})();
