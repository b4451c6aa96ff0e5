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

// Bulk actions (lib/bulk.py): row checkboxes belong to the bulk form through form="…"; a header checkbox
// with data-select-all="<form id>" ticks every row of the page, and data-bulk-count shows how many are ticked.
document.addEventListener("DOMContentLoaded", function () {
  function rows(formId) {
    return document.querySelectorAll('input[type="checkbox"][name="ids"][form="' + formId + '"]');
  }
  function update(formId) {
    var ticked = Array.prototype.filter.call(rows(formId), function (box) { return box.checked; }).length;
    document.querySelectorAll('[data-bulk-count="' + formId + '"]').forEach(function (el) {
      if (!el.hasAttribute("data-idle")) { el.setAttribute("data-idle", el.textContent); }
      el.textContent = ticked ? ticked + " selected" : el.getAttribute("data-idle");
    });
    document.querySelectorAll('[data-select-all="' + formId + '"]').forEach(function (all) {
      all.checked = ticked > 0 && ticked === rows(formId).length;
    });
  }
  document.querySelectorAll("[data-select-all]").forEach(function (all) {
    var formId = all.getAttribute("data-select-all");
    all.addEventListener("change", function () {
      rows(formId).forEach(function (box) { box.checked = all.checked; });
      update(formId);
    });
    rows(formId).forEach(function (box) { box.addEventListener("change", function () { update(formId); }); });
  });
});

// The commission plan editor shows only the chosen type's fields: sections carry data-plan-types="<types>"
// (server-rendered; the server also ignores other types' fields), hidden while another type is chosen.
document.addEventListener("DOMContentLoaded", function () {
  var type = document.querySelector('#plan-form select[name="type"]');
  if (!type) { return; }
  function show() {
    document.querySelectorAll("#plan-form [data-plan-types]").forEach(function (section) {
      section.hidden = section.getAttribute("data-plan-types").split(" ").indexOf(type.value) === -1;
    });
  }
  type.addEventListener("change", show);
  show();
});
