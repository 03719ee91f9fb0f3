// Sockets marked data-live-socket (the public catalog, an edit form's
// warnings): the htmx ws extension swaps what they push. This keeps them open:
// the server's "reconnect and resync" codes (read from the page, rendered from
// the live protocol) are not retried by the extension, so they are here, with
// backoff. After "not allowed" or "too many sockets" the page stays as it is:
// it works without live updates.
(function () {
  "use strict";
  if (window.liveSockets) return; // htmx may run this script again on Back
  window.liveSockets = true;

  var attempts = 0;

  function numbers(text) {
    return (text || "").split(/\s+/).filter(Boolean).map(Number);
  }

  document.addEventListener("htmx:wsOpen", function (event) {
    if (event.target.closest("[data-live-socket]")) attempts = 0;
  });

  document.addEventListener("htmx:wsClose", function (event) {
    var socket = event.target.closest("[data-live-socket]");
    if (!socket || !socket.isConnected) return; // replaced by new results
    if (numbers(socket.dataset.reconnectCodes).indexOf(event.detail.event.code) < 0) return;
    var ceiling = 1000 * Math.pow(2, Math.min(attempts, 5));
    attempts += 1;
    setTimeout(event.detail.socketWrapper.reconnect, 250 + Math.random() * ceiling);
  });
})();
