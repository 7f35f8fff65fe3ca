// Draws every chart on the page: <div data-figure="ID"> takes its figure from the JSON script #ID
// (written by Django's json_script, so no figure data is ever inlined into JavaScript).
(function () {
  "use strict";
  function draw() {
    document.querySelectorAll("[data-figure]").forEach(function (element) {
      var source = document.getElementById(element.dataset.figure);
      if (!source || !window.Plotly) { return; }
      var figure = JSON.parse(source.textContent);
      if (element.dataset.static === "true") {
        figure.config = Object.assign({}, figure.config, { staticPlot: true });
      }
      window.Plotly.newPlot(element, figure.data, figure.layout, figure.config).then(function () {
        // The picture is for sighted readers; the table beside it carries the same numbers for
        // screen readers. Hide the SVG only, so the toolbar's labelled buttons stay reachable.
        element.querySelectorAll("svg").forEach(function (svg) { svg.setAttribute("aria-hidden", "true"); });
        element.classList.add("chart-drawn");
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
