// The portal's only script of its own. No inline handlers anywhere (the CSP forbids them).
(function () {
  "use strict";

  function toast(message, kind) {
    var region = document.getElementById("toasts");
    if (!region) return;
    var el = document.createElement("div");
    el.className = kind === "error" ? "alert-error shadow-lg" : "alert-success shadow-lg";
    el.setAttribute("role", kind === "error" ? "alert" : "status");
    el.textContent = message;
    region.appendChild(el);
    setTimeout(function () { el.remove(); }, 6000);
  }

  // A failed htmx swap is never silent: 4xx/5xx are not swapped by htmx 2, so say what happened.
  document.body.addEventListener("htmx:responseError", function (evt) {
    var status = evt.detail.xhr.status;
    var text = status === 403 ? "You are not allowed to do that."
      : status === 404 ? "That item no longer exists."
      : status === 429 ? "Too many requests; wait a moment and try again."
      : "Something went wrong (" + status + "). Nothing was changed; please try again.";
    toast(text, "error");
  });
  document.body.addEventListener("htmx:sendError", function () {
    toast("The portal could not be reached. Check your connection and try again.", "error");
  });
  // The session ended while the page was open: go to the login page instead of swapping it in.
  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    var url = evt.detail.xhr.responseURL || "";
    if (url.indexOf("/accounts/login/") !== -1 && evt.detail.requestConfig.verb !== "get") {
      window.location.href = url;
    }
  });

  // After "Load more" (or any swap that marks its first new item), move the keyboard focus to
  // what arrived, instead of losing it to <body> with the button that was replaced.
  document.body.addEventListener("htmx:afterSettle", function () {
    var first = document.querySelector("[data-focus-after-swap]");
    if (!first) return;
    first.removeAttribute("data-focus-after-swap");
    first.focus({ preventScroll: true });
  });

  // Elements with data-select-on-focus select their text (codes, keys) for easy copying.
  document.addEventListener("focusin", function (evt) {
    if (evt.target.matches && evt.target.matches("[data-select-on-focus]")) evt.target.select();
  });

  // Radio lists produced by the student search: choosing one fills in the chosen-student label.
  document.addEventListener("change", function (evt) {
    var radio = evt.target;
    if (!radio.matches || !radio.matches("input[data-student-choice]")) return;
    var form = radio.closest("form");
    var label = form && form.querySelector("[data-chosen-student]");
    if (label) label.textContent = radio.getAttribute("data-student-label");
  });
})();

// Bulk award: "Add" next to a search result appends the enrollment number to the list.
document.addEventListener("click", function (evt) {
  var button = evt.target.closest && evt.target.closest("[data-add-enrollment]");
  if (!button) return;
  var form = button.closest("form");
  var box = form && form.querySelector("textarea[name='enrollment_numbers']");
  if (!box) return;
  var number = button.getAttribute("data-add-enrollment");
  var lines = box.value.split(/\r?\n/).map(function (l) { return l.trim(); }).filter(Boolean);
  var present = lines.some(function (l) { return l.split(/[\s,;]+/)[0].toUpperCase() === number; });
  if (!present) lines.push(number);
  box.value = lines.join("\n") + "\n";
  button.textContent = "Added";
  button.disabled = true;
});

// A header checkbox with data-select-all="NAME" ticks every checkbox called NAME.
document.addEventListener("change", function (evt) {
  var box = evt.target;
  if (!box.matches || !box.matches("input[data-select-all]")) return;
  var name = box.getAttribute("data-select-all");
  document.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(function (el) {
    if (el !== box) el.checked = box.checked;
  });
});

// Escape closes an open menu or popover (<details>) and returns focus to its toggle.
document.addEventListener("keydown", function (evt) {
  if (evt.key !== "Escape") return;
  document.querySelectorAll("details[open]").forEach(function (el) {
    el.removeAttribute("open");
    var summary = el.querySelector("summary");
    if (summary && el.contains(document.activeElement)) summary.focus();
  });
});

// The page a QR scan lands on submits its check-in form by itself (POST with the CSRF token).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-auto-submit]").forEach(function (form) {
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });
});

// [data-countdown="N"] counts down N seconds in its text (the check-in screen's rotation).
setInterval(function () {
  document.querySelectorAll("[data-countdown]").forEach(function (el) {
    var left = Math.max(0, parseInt(el.getAttribute("data-countdown"), 10) - 1);
    el.setAttribute("data-countdown", String(left));
    el.textContent = String(left);
  });
}, 1000);

// Enter in a search-as-you-type box (student search) must not submit the surrounding form.
document.addEventListener("keydown", function (evt) {
  var el = evt.target;
  if (evt.key === "Enter" && el.matches && el.matches("input[type=search][hx-get]") && el.form) {
    evt.preventDefault();
  }
});

// A plain (non-htmx) form's [data-disable-on-submit] button is disabled once the form is sent,
// so a double click cannot send it twice. Deferred, so the button's own value is still sent.
document.addEventListener("submit", function (evt) {
  var buttons = evt.target.querySelectorAll ? evt.target.querySelectorAll("[data-disable-on-submit]") : [];
  setTimeout(function () {
    buttons.forEach(function (b) { b.disabled = true; b.setAttribute("aria-busy", "true"); });
  }, 0);
});

// [data-copy="ID"] copies the text of element ID to the clipboard and says so.
document.addEventListener("click", function (evt) {
  var button = evt.target.closest && evt.target.closest("[data-copy]");
  if (!button || !navigator.clipboard) return;
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (!source) return;
  navigator.clipboard.writeText(source.textContent).then(function () {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-copied") || "Copied";
    setTimeout(function () { button.textContent = label; }, 2000);
  });
});
