// An edit form's live conflict warning: each save of the product by someone
// else arrives as a line naming the fields it changed; those fields are marked
// on the form (their input is left as the user typed it), and each offers "Use
// their value", which puts the new value in the field so that the user settles
// it before saving. A deletion disables the form: there is nothing left to save.
(function () {
  "use strict";

  function control(form, name) {
    var found = name && form.elements.namedItem(name);
    return found && (found.length && !found.tagName ? found[0] : found);
  }

  function markFields(form, warning) {
    (warning.dataset.changedFields || "").split(" ").forEach(function (name) {
      var element = control(form, name);
      var field = element && element.closest(".field");
      if (field) field.classList.add("field-changed-elsewhere");
    });
  }

  // A select takes only a value one of its options has (a category deleted
  // since has none): then the field is left as it is.
  function useValue(form, button) {
    var element = control(form, button.dataset.field);
    if (!element || element.disabled) return;
    var value = button.dataset.value;
    if (element.tagName === "SELECT" &&
        !Array.prototype.some.call(element.options, function (o) { return o.value === value; })) {
      return;
    }
    element.value = value;
    element.dispatchEvent(new Event("input", { bubbles: true }));
    element.dispatchEvent(new Event("change", { bubbles: true }));
    var field = element.closest(".field");
    if (field) {
      field.classList.remove("field-changed-elsewhere");
      field.classList.add("field-uses-theirs");
    }
    button.disabled = true;
    button.textContent = "Their value is in the form";
  }

  function disable(form) {
    Array.prototype.forEach.call(form.elements, function (element) {
      element.disabled = true;
    });
  }

  document.querySelectorAll("[data-edit-warnings]").forEach(function (warnings) {
    var form = warnings.parentElement.querySelector("form.form");
    if (!form) return;
    // The form's socket (live_socket.js) appends each warning here.
    document.addEventListener("live:message", function () {
      warnings.querySelectorAll(".edit-warning:not([data-seen])").forEach(function (warning) {
        warning.dataset.seen = "";
        if (warning.hasAttribute("data-gone")) {
          disable(form);
          warnings.querySelectorAll("[data-use-value]").forEach(function (button) {
            button.disabled = true;
          });
        } else {
          markFields(form, warning);
        }
      });
    });
    warnings.addEventListener("click", function (event) {
      var button = event.target.closest("[data-use-value]");
      if (button) useValue(form, button);
    });
  });
})();
