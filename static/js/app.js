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

  // Drafts: forms marked data-draft keep what was typed in this browser's session storage until
  // they are submitted, so a timeout or a lost connection never loses the text.
  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    var key = "draft:" + form.dataset.draft;
    var saved = sessionStorage.getItem(key);
    if (saved) {
      try {
        var values = JSON.parse(saved);
        Object.keys(values).forEach(function (name) {
          var field = form.elements.namedItem(name);
          if (field && field.type !== "hidden" && field.type !== "checkbox" && !field.value) {
            field.value = values[name];
          }
        });
      } catch (e) { sessionStorage.removeItem(key); }
    }
    form.addEventListener("input", function () {
      var values = {};
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name && field.type !== "hidden" && field.type !== "password" && field.type !== "checkbox"
            && field.name !== "cpr" && field.value) {
          values[field.name] = field.value;
        }
      });
      sessionStorage.setItem(key, JSON.stringify(values));
    });
    form.addEventListener("submit", function () { sessionStorage.removeItem(key); });
  });

  // Logging out on a shared PC clears every draft kept in this browser.
  document.querySelectorAll("form[data-clear-drafts]").forEach(function (form) {
    form.addEventListener("submit", function () { sessionStorage.clear(); });
  });
})();
