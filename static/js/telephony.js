// The line view: fresh content from its server-sent-events stream (live through Redis, or a
// new stream every two seconds without it), and running timers between updates.
(function () {
  "use strict";
  var view = document.getElementById("line-now");
  if (!view) {
    return;
  }

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = String(seconds % 60).padStart(2, "0");
    return hours ? hours + ":" + String(minutes).padStart(2, "0") + ":" + rest : minutes + ":" + rest;
  }

  // Timers count from the server's clock at rendering, so a PC whose clock is off shows the same.
  var offset = 0;
  function tick() {
    view.querySelectorAll("[data-since]").forEach(function (element) {
      var since = Date.parse(element.dataset.since);
      if (!isNaN(since)) {
        element.textContent = clock((Date.now() + offset - since) / 1000);
      }
    });
  }
  function show(html) {
    view.innerHTML = html;
    var rendered = view.querySelector("[data-at]");
    if (rendered) {
      offset = Date.parse(rendered.dataset.at) - Date.now();
    }
    tick();
  }
  setInterval(tick, 1000);

  var stream = new EventSource(view.dataset.streamUrl);
  stream.addEventListener("line", function (event) {
    show(event.data);
  });
  stream.onerror = function () {
    // A stream that ends is reopened by the browser; one that cannot be (the user was logged
    // out, or the server refuses) is closed, and the page reloads to show why.
    if (stream.readyState === EventSource.CLOSED) {
      window.location.reload();
    }
  };
})();
