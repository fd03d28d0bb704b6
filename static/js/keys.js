// The desk's keyboard shortcuts, listed in the help overlay that "?" opens (templates/base.html).
// Single keys act only when the focus is not in a text field, so typing is never taken over.
(function () {
  "use strict";
  var body = document.body;
  var newCall = body.dataset.newCallUrl;
  var help = document.getElementById("shortcut-help");

  function typing(target) {
    if (target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT") {
      return true;
    }
    return target.tagName === "INPUT" && !/^(radio|checkbox|submit|button)$/.test(target.type);
  }

  function chooseAcuteness(key, keepFocus) {
    var radio = document.querySelector(".contacts-quick-log input[name=acuteness][value='" + key + "']");
    if (!radio) {
      return false;
    }
    radio.checked = true;
    if (!keepFocus) {
      radio.focus();
    }
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    // In the quick log's empty line a 1, 2 or 3 picks the acuteness and the line keeps the focus:
    // staff choose it as the call begins and type on, with no Tab to the radios and back.
    if (/^[123]$/.test(event.key) && !event.ctrlKey && !event.altKey && !event.metaKey &&
        target.name === "summary" && target.value === "" && target.closest(".contacts-quick-log")) {
      if (chooseAcuteness(event.key, true)) {
        event.preventDefault();
      }
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = target.closest ? target.closest("form[method=post]") : null;
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(target)) {
      return;
    }
    if ((event.key === "n" || event.key === "N") && newCall && window.location.pathname !== newCall) {
      event.preventDefault();
      window.location.href = newCall;
    } else if (event.key === "?" && help) {
      event.preventDefault();
      if (help.open) {
        help.close();
      } else {
        help.showModal();
      }
    } else if (/^[123]$/.test(event.key) && chooseAcuteness(event.key, false)) {
      event.preventDefault();
    }
  });
})();
