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
  // A card or board wider than the window scrolls sideways inside itself; it takes the keyboard focus then, so
  // people who do not use a mouse can scroll it too (arrow keys), and stops taking it once everything fits.
  function focusableScrollers() {
    document.querySelectorAll(".card, .board").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight) {
        if (!el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "0"); el.setAttribute("data-scroll-focus", ""); }
      } else if (el.hasAttribute("data-scroll-focus")) {
        el.removeAttribute("tabindex"); el.removeAttribute("data-scroll-focus");
      }
    });
  }
  focusableScrollers();
  window.addEventListener("resize", focusableScrollers);
  document.body.addEventListener("htmx:afterSettle", focusableScrollers);
  // The menu button on phones (console sidebar, portal tabs): opens and closes the navigation it controls, and
  // Escape closes it again, handing focus back to the button.
  document.querySelectorAll("[data-menu-toggle]").forEach(function (button) {
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) { return; }
    function show(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
      // The console's sidebar comes before the button in the page, so a keyboard user is taken into the menu.
      if (open && menu.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING) {
        var first = menu.querySelector("nav a");
        if (first) { first.focus(); }
      }
    }
    button.addEventListener("click", function () { show(button.getAttribute("aria-expanded") !== "true"); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") { show(false); button.focus(); }
    });
    // A tap outside the open menu (on the dimmed page) closes it.
    document.addEventListener("click", function (event) {
      if (button.getAttribute("aria-expanded") === "true" && !menu.contains(event.target) && !button.contains(event.target)) {
        show(false);
      }
    });
  });
});
