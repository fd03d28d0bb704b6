// Site-wide behaviour. No inline script anywhere: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  // Warn before the idle timeout ends; any real activity resets the clock on the next request.
  var body = document.body;
  var idleMinutes = parseInt(body.dataset.idleMinutes || "0", 10);
  if (idleMinutes > 0) {
    var warning = document.getElementById("idle-warning");
    var lastActivity = Date.now();
    var pinged = false;
    ["keydown", "mousedown", "mousemove", "touchstart"].forEach(function (name) {
      document.addEventListener(name, function () {
        lastActivity = Date.now();
        if (warning && !warning.classList.contains("d-none")) {
          warning.classList.add("d-none");
          // Tell the server the user is here, so the session is extended.
          fetch(window.location.href, { method: "HEAD", credentials: "same-origin" });
        }
      }, { passive: true });
    });
    setInterval(function () {
      var idleMs = Date.now() - lastActivity;
      if (warning && idleMs > (idleMinutes - 2) * 60000) {
        warning.classList.remove("d-none");
      }
      if (idleMs > idleMinutes * 60000 && !pinged) {
        pinged = true;
        window.location.href = body.dataset.loginUrl + "?next=" + encodeURIComponent(window.location.pathname);
      }
    }, 15000);
  }

  // Drafts. A form marked data-draft keeps what is typed in this tab's sessionStorage, under the
  // user and the form's name (new call, contact 123, ...), so a reload, a lost connection or a save
  // that fails never loses the text. sessionStorage rather than localStorage: a draft lives in
  // this tab only and ends when the browser closes, so a shared PC keeps no typed text for the next
  // person, on disk or in another window. A draft is removed when the server has confirmed the
  // save (the next page names it in data-drafts-saved), on Cancel or Discard, and on the login
  // page, where logging out and the idle timeout land; never on submit, so a failed save keeps it.
  // CPR fields and search boxes are never kept.
  var DRAFT_PREFIX = "draft:";
  var SKIPPED_TYPES = ["hidden", "password", "file", "search", "submit", "button", "reset", "image"];
  var userId = body.dataset.userId;

  function draftKey(name) {
    return DRAFT_PREFIX + userId + ":" + name;
  }

  function forget(key) {
    try { sessionStorage.removeItem(key); } catch (e) { /* storage refused: nothing kept */ }
  }

  function clearAllDrafts() {
    try {
      Object.keys(sessionStorage).forEach(function (key) {
        if (key.indexOf(DRAFT_PREFIX) === 0) { sessionStorage.removeItem(key); }
      });
    } catch (e) { /* storage refused: nothing kept */ }
  }

  function keptField(field) {
    return field.name && field.name !== "_draft" && !field.disabled
      && SKIPPED_TYPES.indexOf(field.type) < 0 && !/(^|-)cpr$/.test(field.name)
      && !("draftSkip" in field.dataset);
  }

  // Each field by its kind: a radio group as the value chosen (or none), check boxes as the list
  // of values ticked, a multiple select as the values selected, anything else as its value.
  function snapshot(form) {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!keptField(field)) { return; }
      var name = field.name;
      if (field.type === "radio") {
        if (!fields[name]) { fields[name] = { radio: null }; }
        if (field.checked) { fields[name].radio = field.value; }
      } else if (field.type === "checkbox") {
        if (!fields[name]) { fields[name] = { checked: [] }; }
        if (field.checked) { fields[name].checked.push(field.value); }
      } else if (field.type === "select-multiple") {
        fields[name] = {
          selected: Array.prototype.filter.call(field.options, function (option) { return option.selected; })
            .map(function (option) { return option.value; })
        };
      } else {
        fields[name] = { value: field.value };
      }
    });
    return fields;
  }

  // Rows a formset added in the browser (the crisis plan's people) are added again first.
  function addMissingRows(form, fields) {
    Object.keys(fields).forEach(function (name) {
      var match = /^(.+)-(\d+)-[^-]+$/.exec(name);
      if (!match || form.elements.namedItem(name)) { return; }
      var button = form.querySelector("[data-add-row='" + match[1] + "']");
      for (var tries = 0; button && tries < 50 && !form.elements.namedItem(name); tries++) {
        button.click();
      }
    });
  }

  function restore(form, fields) {
    var changed = false;
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!keptField(field) || !Object.prototype.hasOwnProperty.call(fields, field.name)) { return; }
      var kept = fields[field.name];
      if (field.type === "radio" && "radio" in kept) {
        changed = field.checked !== (field.value === kept.radio) || changed;
        field.checked = field.value === kept.radio;
      } else if (field.type === "checkbox" && Array.isArray(kept.checked)) {
        changed = field.checked !== (kept.checked.indexOf(field.value) >= 0) || changed;
        field.checked = kept.checked.indexOf(field.value) >= 0;
      } else if (field.type === "select-multiple" && Array.isArray(kept.selected)) {
        Array.prototype.forEach.call(field.options, function (option) {
          changed = option.selected !== (kept.selected.indexOf(option.value) >= 0) || changed;
          option.selected = kept.selected.indexOf(option.value) >= 0;
        });
      } else if (typeof kept.value === "string" && field.value !== kept.value) {
        field.value = kept.value;
        changed = true;
      }
    });
    return changed;
  }

  function pad(number) {
    return number < 10 ? "0" + number : String(number);
  }

  function savedAtText(time) {
    var saved = new Date(time);
    var clock = pad(saved.getHours()) + ":" + pad(saved.getMinutes());
    if (saved.toDateString() === new Date().toDateString()) { return clock; }
    return pad(saved.getDate()) + "." + pad(saved.getMonth() + 1) + "." + saved.getFullYear() + " " + clock;
  }

  function announce(form, key, time) {
    var template = document.getElementById("draft-restored");
    if (!template) { return; }
    var notice = template.content.firstElementChild.cloneNode(true);
    var message = notice.querySelector("[data-draft-message]");
    message.textContent = message.textContent.replace("{time}", savedAtText(time));
    notice.querySelector("[data-draft-discard]").addEventListener("click", function () {
      forget(key);
      form.reset();
      notice.remove();
      var first = Array.prototype.find.call(form.elements, keptField);
      if (first) { first.focus(); }
    });
    form.parentNode.insertBefore(notice, form);
  }

  function keepDraft(form) {
    var key = draftKey(form.dataset.draft);
    var marker = document.createElement("input");
    marker.type = "hidden";
    marker.name = "_draft";
    marker.value = form.dataset.draft;
    form.appendChild(marker);
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(key) || "null"); } catch (e) { forget(key); }
    // A page answering a POST shows what was sent; the draft is not laid over it.
    if (saved && saved.fields && !("posted" in body.dataset)) {
      var focused = document.activeElement;
      addMissingRows(form, saved.fields);
      if (restore(form, saved.fields)) { announce(form, key, saved.at); }
      if (focused && focused !== document.activeElement) { focused.focus(); }
    }
    function save() {
      try {
        sessionStorage.setItem(key, JSON.stringify({ at: Date.now(), fields: snapshot(form) }));
      } catch (e) { /* storage full or refused: the form still works without a draft */ }
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.querySelectorAll("[data-draft-cancel]").forEach(function (cancel) {
      cancel.addEventListener("click", function () { forget(key); });
    });
  }

  // After the scripts of the page itself (the plan form's "add a row" buttons) are set up.
  document.addEventListener("DOMContentLoaded", function () {
    if ("clearDrafts" in body.dataset) { clearAllDrafts(); }
    if (!userId) { return; }
    (body.dataset.draftsSaved || "").split(" ").forEach(function (name) {
      if (name) { forget(draftKey(name)); }
    });
    document.querySelectorAll("form[data-draft]").forEach(keepDraft);
  });
})();
