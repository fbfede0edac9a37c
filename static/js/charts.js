// Draws every <canvas data-chart="ID"> from the JSON in <script id="ID"> (json_script), on page
// load and after each htmx swap. Chart.js is vendored (static/js/vendor); no inline script, so
// the CSP stays strict. The same figures are in a table next to each chart.
(function () {
  "use strict";

  var palette = ["#4f46e5", "#059669", "#d97706", "#db2777", "#0891b2", "#7c3aed", "#65a30d",
    "#dc2626", "#475569", "#0d9488"];
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // Long labels down the side ("Event title (01 Dec)") are cut to fit the chart's width, with
  // the date on a line of its own so events stay apart; the tooltip and the table keep them
  // whole.
  function shortLabel(value) {
    var label = this.getLabelForValue(value);
    var room = this.chart.width < 480 ? 14 : 26;
    var match = /^(.*) (\([^)]*\))$/.exec(label);
    var title = match ? match[1] : label;
    if (title.length > room) title = title.slice(0, room - 1) + "…";
    return match ? [title, match[2]] : title;
  }

  function draw(canvas) {
    if (canvas.dataset.chartReady || typeof Chart === "undefined") return;
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    var line = spec.kind === "line";
    canvas.dataset.chartReady = "1";
    new Chart(canvas, {
      type: spec.kind,
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          var colour = palette[i % palette.length];
          return {
            label: s.label, data: s.values, backgroundColor: line ? colour + "22" : colour,
            borderColor: colour, borderWidth: line ? 2 : 0, borderRadius: line ? 0 : 4,
            fill: line, tension: 0.3, cubicInterpolationMode: "monotone", pointRadius: line ? 3 : 0, maxBarThickness: 36
          };
        })
      },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true, maintainAspectRatio: false, animation: still ? false : { duration: 400 },
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: spec.series.length > 1, position: "bottom",
            labels: { boxWidth: 12, boxHeight: 12 } },
          tooltip: { callbacks: { label: function (ctx) {
            var value = spec.horizontal ? ctx.parsed.x : ctx.parsed.y;
            return ctx.dataset.label + ": " + value.toLocaleString() + " " + spec.unit;
          } } }
        },
        scales: spec.horizontal ? {
          x: { beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#f1f5f9" } },
          y: { grid: { display: false }, ticks: { autoSkip: false, callback: shortLabel } }
        } : {
          x: { stacked: spec.stacked, grid: { display: false },
            ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 8 } },
          y: { stacked: spec.stacked, beginAtZero: true, ticks: { precision: 0 },
            grid: { color: "#f1f5f9" } }
        }
      }
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:load", function (evt) { drawAll(evt.target); });
})();
