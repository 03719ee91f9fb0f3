// A "Restore" form in a row pushed over the feed's socket was rendered once for
// every viewer, so it carries no CSRF token: it is given the page's before it is
// sent (the one layout.html hands htmx). Rows rendered with the page have their own.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("change-restore")) return;
    if (form.querySelector("input[name=csrfmiddlewaretoken]")) return;
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrfmiddlewaretoken";
    token.value = headers["X-CSRFToken"] || "";
    form.appendChild(token);
  });
})();
