// An edit form's live conflict warning: each save of the product by someone
// else arrives as a line naming the fields it changed; those fields are marked
// on the form (their input is left as the user typed it). A deletion disables
// the form: there is nothing left to save.
(function () {
  "use strict";

  function markFields(form, warning) {
    (warning.dataset.changedFields || "").split(" ").forEach(function (name) {
      var control = name && form.elements.namedItem(name);
      var element = control && (control.length && !control.tagName ? control[0] : control);
      var field = element && element.closest(".field");
      if (field) field.classList.add("field-changed-elsewhere");
    });
  }

  function disable(form) {
    Array.prototype.forEach.call(form.elements, function (control) {
      control.disabled = true;
    });
  }

  document.querySelectorAll("[data-edit-warnings]").forEach(function (warnings) {
    var form = warnings.parentElement.querySelector("form.form");
    if (!form) return;
    warnings.addEventListener("htmx:wsAfterMessage", function () {
      warnings.querySelectorAll(".edit-warning:not([data-seen])").forEach(function (warning) {
        warning.dataset.seen = "";
        if (warning.hasAttribute("data-gone")) disable(form);
        else markFields(form, warning);
      });
    });
  });
})();
