// The one client of the live socket protocol (live/protocol.py, docs/live.md),
// loaded by every live page. A page has at most one socket: the element that
// holds it names its URL and the server's close codes,
//
//   <section data-live-socket="/ws/products/?after=12" {% live_codes %}>
//
// and this module opens it, swaps what it pushes into the page (every top-level
// element out of band, by its id or its hx-swap-oob target, as htmx does),
// remembers the newest point of the change log it received and reconnects from
// there, and acts on the close codes:
//
// - "not allowed" (4403): stop, or, where the element names a public socket to
//   fall back to (data-live-fallback: a staff product page's price and stock),
//   go on with that one;
// - "too many sockets" (4429): stop; the page works without live updates;
// - "restarting", "too slow" (4012, 4013) and a dropped connection (1006, 1011,
//   1012, 1013): reconnect after a backoff with jitter, so that a restarted
//   server is not hit by every page at the same instant;
// - anything else: stop (the page says to reload).
//
// Page scripts do not touch the socket: they listen on its element (the events
// bubble) for what they do with frames and with the connection:
//
//   live:status         detail.state: connecting, connected, reconnecting,
//                       not-allowed (detail.fallback: going on with the public
//                       socket), too-many, closed; detail.code: the close code
//   live:beforemessage  detail.message, before the swaps (cancelable)
//   live:message        detail.message, after them
//
// The element's data-live-state says the same for CSS and tests. Extensions in
// the element's hx-ext (shown-targets) see each message first, as htmx's own.
(function () {
  "use strict";
  if (window.liveSocket || !window.htmx) return; // htmx may run this script again on Back
  window.liveSocket = true;

  var POINT = /<!--live:(\d+)-->/g;
  var DROPPED = [1006, 1011, 1012, 1013]; // the connection or the server fell over
  var connections = new Map(); // element -> its connection
  var api = null; // htmx's swapping functions, given to extensions

  // The same calls htmx's own ws extension makes for a message: defining an
  // extension is how htmx hands them out.
  htmx.defineExtension("live-socket", {
    init: function (internal) {
      api = internal;
    },
  });

  function codes(text) {
    return (text || "").split(/\s+/).filter(Boolean).map(Number);
  }

  function fire(element, name, detail, cancelable) {
    var event = new CustomEvent(name, { bubbles: true, cancelable: Boolean(cancelable), detail: detail });
    return element.dispatchEvent(event);
  }

  function status(connection, state, extra) {
    connection.element.dataset.liveState = state;
    var detail = { state: state, code: connection.code };
    Object.keys(extra || {}).forEach(function (key) {
      detail[key] = extra[key];
    });
    fire(connection.element, "live:status", detail);
  }

  // Resume (live/protocol.py): a socket URL with ?after=<id> asks only for what
  // happened after the point its page was rendered at. Every event arrives
  // marked with its point; the element keeps the newest it saw (in its markup,
  // so a page restored from the back/forward cache has it too) and every
  // reconnect asks from there rather than from the render-time point.
  function pointOf(element) {
    return parseInt(element.getAttribute("data-live-after") || "0", 10) || 0;
  }

  function notePoint(element, message) {
    if (message.indexOf("<!--live:") < 0) return;
    var newest = pointOf(element);
    var match;
    POINT.lastIndex = 0;
    while ((match = POINT.exec(message))) newest = Math.max(newest, parseInt(match[1], 10));
    if (newest) element.setAttribute("data-live-after", String(newest));
  }

  function socketUrl(connection) {
    var url = new URL(connection.path, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    var point = pointOf(connection.element);
    if (point && url.searchParams.has("after")) url.searchParams.set("after", String(point));
    return url.toString();
  }

  function swapIn(element, message) {
    if (!fire(element, "live:beforemessage", { message: message }, true)) return;
    api.withExtensions(element, function (extension) {
      message = extension.transformResponse(message, null, element);
    });
    var settleInfo = api.makeSettleInfo(element);
    var fragment = api.makeFragment(message);
    Array.prototype.slice.call(fragment.children).forEach(function (child) {
      api.oobSwap(api.getAttributeValue(child, "hx-swap-oob") || "true", child, settleInfo);
    });
    api.settleImmediately(settleInfo.tasks);
    fire(element, "live:message", { message: message });
  }

  function open(connection) {
    connection.timer = null;
    if (connection.stopped) return;
    if (!connection.element.isConnected) return forget(connection.element);
    var socket = new WebSocket(socketUrl(connection));
    connection.socket = socket;
    status(connection, connection.opened ? "reconnecting" : "connecting");
    socket.addEventListener("open", function () {
      if (connection.socket !== socket) return;
      connection.opened = true;
      connection.attempts = 0;
      connection.code = null;
      status(connection, "connected");
    });
    socket.addEventListener("message", function (event) {
      if (connection.socket !== socket || typeof event.data !== "string") return;
      if (!connection.element.isConnected) return forget(connection.element);
      notePoint(connection.element, event.data);
      swapIn(connection.element, event.data);
    });
    socket.addEventListener("close", function (event) {
      if (connection.socket !== socket) return; // replaced, or closed here
      connection.socket = null;
      closed(connection, event.code);
    });
  }

  function closed(connection, code) {
    var element = connection.element;
    connection.code = code;
    if (codes(element.dataset.notAllowedCodes).indexOf(code) >= 0) {
      var fallback = element.getAttribute("data-live-fallback");
      if (fallback && connection.path !== fallback) {
        connection.path = fallback;
        status(connection, "not-allowed", { fallback: true });
        return open(connection);
      }
      return stop(connection, "not-allowed");
    }
    if (codes(element.dataset.tooManyCodes).indexOf(code) >= 0) return stop(connection, "too-many");
    if (codes(element.dataset.reconnectCodes).indexOf(code) >= 0 || DROPPED.indexOf(code) >= 0) {
      status(connection, "reconnecting");
      return later(connection);
    }
    stop(connection, "closed");
  }

  // Exponential backoff with full jitter, reset once a socket opens.
  function later(connection) {
    var ceiling = 1000 * Math.pow(2, Math.min(connection.attempts, 5));
    connection.attempts += 1;
    connection.timer = setTimeout(open, 250 + Math.random() * ceiling, connection);
  }

  function stop(connection, state) {
    connection.stopped = true;
    status(connection, state);
  }

  function shut(connection) {
    clearTimeout(connection.timer);
    connection.timer = null;
    var socket = connection.socket;
    connection.socket = null;
    if (socket) socket.close(1000);
  }

  function connect(element) {
    if (connections.has(element)) return;
    var connection = {
      element: element,
      path: element.getAttribute("data-live-socket"),
      socket: null,
      timer: null,
      attempts: 0,
      opened: false,
      stopped: false,
      code: null,
    };
    if (!connection.path) return;
    connections.set(element, connection);
    open(connection);
  }

  function forget(element) {
    var connection = connections.get(element);
    if (!connection) return;
    connection.stopped = true;
    shut(connection);
    connections.delete(element);
  }

  // Sockets come and go with their elements: htmx swaps in new results (a new
  // socket for what they show) and cleans up the old ones.
  htmx.onLoad(function (content) {
    if (content.matches && content.matches("[data-live-socket]")) connect(content);
    if (content.querySelectorAll) content.querySelectorAll("[data-live-socket]").forEach(connect);
  });
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    forget(event.target);
  });

  // The back/forward cache: a page leaving for it closes its socket (the
  // browser would, and an open socket can keep the page out of it); shown
  // again, it reconnects from the newest point it had received.
  window.addEventListener("pagehide", function (event) {
    if (!event.persisted) return;
    connections.forEach(function (connection) {
      if (connection.stopped) return;
      shut(connection);
      connection.suspended = true;
    });
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    connections.forEach(function (connection) {
      if (!connection.suspended) return;
      connection.suspended = false;
      connection.attempts = 0;
      open(connection);
    });
  });
})();
