// The radiator reloads itself every few minutes, so a wall screen follows the wave. Done here
// rather than with <meta http-equiv="refresh">, which no one can stop: a person reading the page
// (with a screen reader, say) would lose their place at every reload. The button pauses it
// (WCAG 2.2.1 and 2.2.2: auto-updating content can be paused).
(function () {
  "use strict";
  function start() {
    var shown = document.getElementById("refresh");
    var toggle = document.getElementById("refresh-toggle");
    var status = document.getElementById("refresh-status");
    if (!shown || !toggle || !status) { return; }
    var seconds = parseInt(toggle.dataset.refreshSeconds, 10);
    var timer = null;
    function schedule() {
      timer = window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
    }
    shown.hidden = false;
    toggle.addEventListener("click", function () {
      if (timer === null) {
        schedule();
        toggle.textContent = toggle.dataset.pauseLabel;
        status.textContent = status.dataset.running;
      } else {
        window.clearTimeout(timer);
        timer = null;
        toggle.textContent = toggle.dataset.resumeLabel;
        status.textContent = status.dataset.paused;
      }
    });
    schedule();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
