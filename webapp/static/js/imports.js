// New import: say at once when the chosen file is over the size limit, before it is sent
// (the server refuses it too, with the same words).
(function () {
  "use strict";
  var input = document.querySelector("input[type=file][data-max-bytes]");
  if (!input) return;
  var error = document.getElementById("file-error");
  var field = input.closest(".field");
  var limit = Number(input.getAttribute("data-max-bytes"));

  function check() {
    var file = input.files && input.files[0];
    var tooLarge = Boolean(file && limit && file.size > limit);
    input.setCustomValidity(tooLarge ? input.getAttribute("data-too-large") : "");
    if (tooLarge) {
      error.textContent = input.getAttribute("data-too-large");
      error.hidden = false;
      field.classList.add("has-error");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", "file-error");
    } else if (file) {
      error.hidden = true;
      field.classList.remove("has-error");
      input.setAttribute("aria-invalid", "false");
      input.setAttribute("aria-describedby", "file-hint");
    }
    return !tooLarge;
  }

  input.addEventListener("change", check);
  input.form.addEventListener("submit", function (event) {
    if (!check()) {
      event.preventDefault();
      input.focus();
    }
  });
})();
