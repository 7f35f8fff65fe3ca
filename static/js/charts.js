// Draws every chart on the page: <div data-figure="ID"> takes its figure from the JSON script #ID
// (written by Django's json_script, so no figure data is ever inlined into JavaScript).
// plotly.js (megabytes) is fetched only by a page that has a chart: its address is this script
// tag's data-plotly, so pages without charts load nothing but this file.
(function () {
  "use strict";
  var plotlyUrl = document.currentScript && document.currentScript.dataset.plotly;

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

  function start() {
    if (!document.querySelector("[data-figure]")) { return; }
    if (window.Plotly || !plotlyUrl) { draw(); return; }
    var script = document.createElement("script");
    script.src = plotlyUrl;
    script.addEventListener("load", draw);
    document.head.appendChild(script);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
