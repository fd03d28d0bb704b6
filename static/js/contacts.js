// Contacts: the running call timers on the quick log and the board's calls. Loaded only on
// contacts pages; timers in content htmx swaps in (the board's calls) start as they arrive.
(function () {
  "use strict";

  function pad(number) {
    return number < 10 ? "0" + number : String(number);
  }

  function format(seconds) {
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    return (hours ? hours + ":" + pad(minutes) : String(minutes)) + ":" + pad(rest);
  }

  function start(timer) {
    if (timer.dataset.timerStarted) {
      return;
    }
    timer.dataset.timerStarted = "1";
    var since = Date.parse(timer.dataset.timerSince);
    if (isNaN(since)) {
      since = Date.now();
    }
    function tick() {
      timer.textContent = format(Math.max(0, Math.floor((Date.now() - since) / 1000)));
    }
    tick();
    var interval = setInterval(function () {
      if (!timer.isConnected) {
        clearInterval(interval);
        return;
      }
      tick();
    }, 1000);
  }

  function startAll(root) {
    if (root.matches && root.matches("[data-timer-since]")) {
      start(root);
    }
    root.querySelectorAll("[data-timer-since]").forEach(start);
  }

  startAll(document);
  document.addEventListener("htmx:load", function (event) {
    startAll(event.detail.elt);
  });
})();
