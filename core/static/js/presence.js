// Who else is on this page: the server renders everyone present once for every
// socket, so each page leaves out its own user here. A presence bar with its own
// socket is also kept connected (the feed page's socket is feed.js's).
(function () {
  "use strict";

  function codes(text) {
    return (text || "").split(/\s+/).filter(Boolean).map(Number);
  }

  document.querySelectorAll("[data-me]").forEach(function (section) {
    var me = section.dataset.me;

    function leaveOutMe() {
      section.querySelectorAll(".presence-person").forEach(function (person) {
        person.hidden = person.dataset.user === me;
      });
    }

    section.addEventListener("htmx:wsAfterMessage", leaveOutMe);
    leaveOutMe();
    if (!section.classList.contains("presence-bar")) return;

    // The server's "reconnect and resync" codes, which the ws extension does
    // not retry by itself; after "not allowed" the bar simply stays as it is.
    var reconnect = codes(section.dataset.reconnectCodes);
    var attempts = 0;
    section.addEventListener("htmx:wsOpen", function () {
      attempts = 0;
    });
    section.addEventListener("htmx:wsClose", function (event) {
      if (reconnect.indexOf(event.detail.event.code) < 0) return;
      var ceiling = 1000 * Math.pow(2, Math.min(attempts, 5));
      attempts += 1;
      setTimeout(event.detail.socketWrapper.reconnect, 250 + Math.random() * ceiling);
    });
  });
})();
