// Every live socket of a page resumes from the newest point it saw (below).
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

  // Resume (live/protocol.py): a socket URL with ?after=<id> asks only for what
  // happened after the point its page was rendered at. Every event arrives
  // marked with its point; the element keeps the newest it saw (in its markup,
  // so a page restored from the back/forward cache has it too) and every
  // reconnect asks from there rather than from the render-time point.
  var POINT = /<!--live:(\d+)-->/g;
  var ENDING = [1006, 1011, 1012, 1013]; // retried by the ws extension itself
  var wrappers = new WeakMap(); // socket element -> the extension's socket
  var closed = new WeakMap(); // socket element -> its last close code

  function pointOf(element) {
    return parseInt(element.getAttribute("data-live-after") || "0", 10) || 0;
  }

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var message = event.detail.message;
    if (typeof message !== "string" || message.indexOf("<!--live:") < 0) return;
    var newest = pointOf(event.target);
    var match;
    POINT.lastIndex = 0;
    while ((match = POINT.exec(message))) newest = Math.max(newest, parseInt(match[1], 10));
    if (newest) event.target.setAttribute("data-live-after", String(newest));
  });

  function resumeUrl(url) {
    var elements = document.querySelectorAll("[ws-connect]");
    for (var i = 0; i < elements.length; i++) {
      var source = elements[i].getAttribute("ws-connect") || "";
      var point = pointOf(elements[i]);
      if (!source || !point || url.slice(-source.length) !== source) continue;
      var resumed = new URL(url);
      if (!resumed.searchParams.has("after")) return url;
      resumed.searchParams.set("after", String(point));
      return resumed.toString();
    }
    return url;
  }

  if (window.htmx) {
    var create = htmx.createWebSocket;
    htmx.createWebSocket = function (url) {
      return create ? create(resumeUrl(url)) : new WebSocket(resumeUrl(url), []);
    };
  }

  document.addEventListener("htmx:wsOpen", function (event) {
    wrappers.set(event.target, event.detail.socketWrapper);
    closed.delete(event.target);
  });

  document.addEventListener("htmx:wsClose", function (event) {
    closed.set(event.target, event.detail.event.code);
  });

  // Restored from the back/forward cache: a socket the browser closed while the
  // page was away, and that nothing else reopens, resumes from its point.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("[ws-connect]").forEach(function (element) {
      var wrapper = wrappers.get(element);
      var code = closed.get(element);
      if (!wrapper || code === undefined || ENDING.indexOf(code) >= 0) return;
      var stop = numbers(element.dataset.notAllowedCodes).concat(numbers(element.dataset.tooManyCodes));
      if (stop.indexOf(code) >= 0) return;
      wrapper.reconnect();
    });
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
