// The report's "Print" button: the browser's print dialog (the page has a print stylesheet).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
