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
  // The words come from the page (#toasts' data attributes, translated by the template).
  function message(name, status) {
    var region = document.getElementById("toasts");
    var text = (region && region.getAttribute("data-error-" + name)) || "";
    return text.replace("%(status)s", String(status || ""));
  }
  document.body.addEventListener("htmx:responseError", function (evt) {
    var status = evt.detail.xhr.status;
    var known = status === 403 || status === 404 || status === 429;
    toast(message(known ? String(status) : "other", status), "error");
  });
  document.body.addEventListener("htmx:sendError", function () {
    toast(message("offline"), "error");
  });
  // The session ended while the page was open (the bell's poll, a count, a form): any htmx
  // request the server sent to the sign-in page loads that page whole, never into the bell,
  // and brings the user back to this page afterwards.
  var login = document.body.getAttribute("data-login-url");
  // Several requests can come back with HX-Redirect at once (the bell and the balance both
  // refresh on "points-changed"): follow the first, and drop the rest, whose navigation would
  // abort the one already under way. A redirect that left the page in place (stopped, a
  // download) stops counting after 5 s. `redirectUnderWay` answers false once per window, and
  // the caller that hears it goes.
  var redirectedAt = 0;
  function redirectUnderWay() {
    if (Date.now() - redirectedAt < 5000) return true;
    redirectedAt = Date.now();
    return false;
  }
  window.addEventListener("pageshow", function (evt) {
    if (evt.persisted) redirectedAt = 0; // back from the page cache: this page is live again
  });
  document.body.addEventListener("htmx:beforeOnLoad", function (evt) {
    if (evt.detail.xhr.getResponseHeader("HX-Redirect") && redirectUnderWay()) evt.preventDefault();
  });
  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    var url = evt.detail.xhr.responseURL || "";
    if (!login || !url || new URL(url, window.location.href).pathname !== login) return;
    evt.detail.shouldSwap = false;
    evt.detail.isError = false;
    if (redirectUnderWay()) return;
    window.location.assign(login + "?next=" + encodeURIComponent(window.location.pathname + window.location.search));
  });

  // Focus follows the work. After an htmx swap:
  //  1. the first field marked aria-invalid="true" in what was swapped in (a form came back
  //     with errors), else
  //  2. the element marked data-focus (what the user needs next: the confirm button, a success
  //     message, the first of the items "Load more" brought), wherever the response put it
  //     (out-of-band parts too); a response's marks are removed once one is used, and a full
  //     page keeps only the one it focuses, so any mark in the page came with this response;
  //     else
  //  3. if the request came from what the user was on (the form, the button) and the swap
  //     took that element away, the first status or alert message in the swapped content, or
  //     the content itself; a poll or a count refreshing meanwhile never takes the focus.
  // Elements that are not focusable get tabindex="-1". When the focus does not move, status
  // and alert messages that arrived are read out through the page's live region (#announcer):
  // a live region inserted together with its text is often not announced.
  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
  function within(root, selector) {
    return root.matches(selector) ? root : root.querySelector(selector);
  }
  function focusOn(el) {
    if (!el.matches(FOCUSABLE)) el.setAttribute("tabindex", "-1");
    el.removeAttribute("data-focus");
    el.focus();
  }
  function spoken(el) {
    return el.textContent.trim().replace(/\s+/g, " ");
  }
  function announce(root) {
    var region = document.getElementById("announcer");
    if (!region) return;
    var said = [];
    if (root.matches("[role=status], [role=alert]")) said.push(spoken(root));
    root.querySelectorAll("[role=status], [role=alert]").forEach(function (el) {
      if (spoken(el) && el.getClientRects().length) said.push(spoken(el));
    });
    if (!said.length) return;
    region.textContent = "";
    setTimeout(function () { region.textContent = said.join(" "); }, 50);
  }
  document.body.addEventListener("htmx:beforeRequest", function (evt) {
    evt.detail.focusedBefore = document.activeElement;
  });
  document.body.addEventListener("htmx:afterSettle", function (evt) {
    var root = evt.target;
    var info = evt.detail;
    if (!root || !root.isConnected || !root.matches || info.focusMoved) return;
    var el = within(root, "[aria-invalid=true]") || document.querySelector("[data-focus]");
    var before = info.focusedBefore;
    var source = info.requestConfig && info.requestConfig.elt;
    var actedHere = before && before !== document.body && source && source.contains(before);
    if (!el && actedHere && !before.isConnected) {
      el = within(root, "[role=status], [role=alert]") || root;
    }
    if (el) {
      info.focusMoved = true;
      focusOn(el);
      // The whole response is in the page by now: marks it did not use must not take the
      // focus at some later, unrelated swap (a poll).
      document.querySelectorAll("[data-focus]").forEach(function (other) { other.removeAttribute("data-focus"); });
    } else {
      announce(root);
    }
  });
  // A full page that comes back with errors (a form posted without htmx): the first invalid
  // field; or what the page marks with data-focus.
  document.addEventListener("DOMContentLoaded", function () {
    var main = document.getElementById("main");
    var el = main && (main.querySelector("[aria-invalid=true]") || main.querySelector("[data-focus]"));
    if (el) focusOn(el);
    document.querySelectorAll("[data-focus]").forEach(function (other) { other.removeAttribute("data-focus"); });
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

// After a check-in (the "checked-in" event its answer triggers) the panels it makes moot,
// the reminder and "I was there", leave the event's page, as a reload would show it.
document.body.addEventListener("checked-in", function () {
  document.querySelectorAll("[data-leaves-on-check-in]").forEach(function (el) { el.remove(); });
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

// A <details data-focus-on-open> (a reject or cancel form behind a button) takes the focus to
// its first field or button when it opens, so the keyboard is where the typing happens.
document.addEventListener("toggle", function (evt) {
  var details = evt.target;
  if (!details.matches || !details.matches("details[data-focus-on-open]") || !details.open) return;
  var first = details.querySelector("textarea, input:not([type=hidden]), select, button");
  if (first) first.focus();
}, true);

// Length limits shown while typing: a [data-counter-for] element under a text field
// ({% char_counter %} in portal/templatetags/portal.py) counts "12 characters left" or "3 characters too
// many". The field's maxlength is taken off, so nothing is ever cut silently: the server
// refuses what is too long and says so. Going over the limit is read out once.
function setUpCounters(root) {
  root.querySelectorAll("[data-counter-for]").forEach(function (counter) {
    var field = document.getElementById(counter.getAttribute("data-counter-for"));
    if (!field || field.hasAttribute("data-counted")) return;
    field.setAttribute("data-counted", "");
    field.removeAttribute("maxlength");
    var max = parseInt(counter.getAttribute("data-max"), 10);
    var wasOver = false;
    function update() {
      // As the server counts: characters, not UTF-16 units, and a line break sent as CR LF.
      var used = Array.from(field.value.replace(/\r?\n/g, "\r\n")).length;
      var left = max - used;
      var over = left < 0;
      counter.textContent = counter.getAttribute(over ? "data-over" : "data-left")
        .replace("%(n)s", Math.abs(left).toLocaleString());
      counter.classList.toggle("text-red-700", over);
      counter.classList.toggle("font-medium", over);
      if (over && !wasOver) {
        var region = document.getElementById("announcer");
        if (region) region.textContent = counter.textContent;
      }
      wasOver = over;
    }
    field.addEventListener("input", update);
    update();
  });
}
document.addEventListener("DOMContentLoaded", function () { setUpCounters(document); });
document.addEventListener("htmx:load", function (evt) { setUpCounters(evt.target); });

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

// The phone menu (below md): [data-menu-toggle] opens and closes the menu it controls. While it
// is open, Tab and Shift+Tab stay inside it (the button and the menu's links); Escape, the
// button or a tap outside closes it, and the focus goes back to the button.
(function () {
  var button = document.querySelector("[data-menu-toggle]");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) return;
  var backdrop = document.querySelector("[data-menu-backdrop]");
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), select, textarea, [tabindex]:not([tabindex='-1'])";

  function isOpen() { return button.getAttribute("aria-expanded") === "true"; }
  function setOpen(open, focusButton) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.hidden = !open;
    if (backdrop) backdrop.hidden = !open;
    if (focusButton) button.focus();
  }
  button.addEventListener("click", function () { setOpen(!isOpen(), false); });
  if (backdrop) backdrop.addEventListener("click", function () { setOpen(false, true); });
  document.addEventListener("keydown", function (evt) {
    if (!isOpen()) return;
    if (evt.key === "Escape") {
      evt.preventDefault();
      setOpen(false, true);
      return;
    }
    if (evt.key !== "Tab") return;
    var items = [button].concat(Array.prototype.slice.call(menu.querySelectorAll(FOCUSABLE)));
    var at = items.indexOf(document.activeElement);
    var next = at === -1 ? items[0]
      : evt.shiftKey && at === 0 ? items[items.length - 1]
      : !evt.shiftKey && at === items.length - 1 ? items[0]
      : null;
    if (next) {
      evt.preventDefault();
      next.focus();
    }
  });
  // From md up the links are in the header again: a menu left open would keep the focus.
  var wide = window.matchMedia("(min-width: 768px)");
  wide.addEventListener("change", function () { if (wide.matches && isOpen()) setOpen(false, false); });
})();

// A saved award: the answer brought the message and a fresh key; the form is cleared here for
// the next student (what was typed stays one click away: "Award again").
document.body.addEventListener("award-saved", function () {
  var form = document.getElementById("award-form");
  if (!form) return;
  var key = form.querySelector("#award-key");
  var fresh = key ? key.value : null;
  form.reset();
  if (key && fresh) key.value = fresh;  // reset() would restore the key the page came with
  var results = document.getElementById("student-results");
  if (results) results.innerHTML = "";
});
