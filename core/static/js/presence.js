// Who else is on this page: the server renders everyone present once for every
// socket, so each page leaves out its own user here. The bar is filled by the
// page's one socket (live_socket.js); when the staff part of it ends (logged
// out, a right taken away) the bar is emptied, as it would no longer change.
(function () {
  "use strict";
  if (window.presenceBars) return; // htmx may run this script again on Back
  window.presenceBars = true;

  function leaveOutMe() {
    document.querySelectorAll("[data-me]").forEach(function (holder) {
      holder.querySelectorAll(".presence-person").forEach(function (person) {
        person.hidden = person.dataset.user === holder.dataset.me;
      });
    });
  }

  document.addEventListener("live:message", leaveOutMe);
  document.addEventListener("live:status", function (event) {
    if (event.detail.state !== "not-allowed") return;
    document.querySelectorAll("[data-me] .presence").forEach(function (list) {
      list.replaceChildren();
    });
  });
  leaveOutMe();
})();
