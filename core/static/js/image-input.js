// Product image field: preview the chosen file before it is uploaded. Without
// this script the field still works (thumbnail, "Remove image", file input).
(function () {
  "use strict";
  document.querySelectorAll("[data-image-input]").forEach(function (box) {
    var input = box.querySelector('input[type="file"]');
    var remove = box.querySelector('input[type="checkbox"]');
    var current = box.querySelector(".image-current");
    var preview = box.querySelector(".image-preview");
    var url = null;

    function showPreview() {
      if (url) URL.revokeObjectURL(url);
      var file = input.files && input.files[0];
      url = file && /^image\//.test(file.type) ? URL.createObjectURL(file) : null;
      preview.hidden = !url;
      if (!url) return;
      preview.querySelector("img").src = url;
      preview.querySelector(".image-preview-name").textContent = file.name;
      // A new file and "Remove image" contradict each other: the new file wins.
      if (remove && remove.checked) {
        remove.checked = false;
        current.classList.remove("image-removed");
      }
    }

    input.addEventListener("change", showPreview);
    if (remove) {
      remove.addEventListener("change", function () {
        current.classList.toggle("image-removed", remove.checked);
        if (remove.checked && input.value) {
          input.value = "";
          showPreview();
        }
      });
    }
  });
})();
