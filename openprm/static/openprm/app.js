// Small progressive enhancements; every page works without JavaScript.
// No inline script anywhere: the Content-Security-Policy allows only files like this one (settings.py).
document.addEventListener("DOMContentLoaded", function () {
  // Filters submit as soon as a select changes, so lists react without a separate button press.
  document.querySelectorAll("form.filters select").forEach(function (el) {
    el.addEventListener("change", function () { el.form.requestSubmit(); });
  });
  // Ask before destructive actions (terminate, revoke, delete).
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // Print buttons (the printable agreement).
  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function () { window.print(); });
  });
  // Branding: keep each colour picker and its #RRGGBB text box in step.
  document.querySelectorAll("input[data-colour-for]").forEach(function (picker) {
    var text = document.getElementById(picker.getAttribute("data-colour-for"));
    if (!text) { return; }
    picker.addEventListener("input", function () { text.value = picker.value; });
    text.addEventListener("input", function () { if (/^#[0-9a-fA-F]{6}$/.test(text.value)) { picker.value = text.value; } });
  });
});
