// Contacts: the running call timer on the quick log. Loaded only on contacts pages.
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

  document.querySelectorAll("[data-timer-since]").forEach(function (timer) {
    var since = Date.parse(timer.dataset.timerSince);
    if (isNaN(since)) {
      since = Date.now();
    }
    function tick() {
      timer.textContent = format(Math.max(0, Math.floor((Date.now() - since) / 1000)));
    }
    tick();
    setInterval(tick, 1000);
  });
})();
