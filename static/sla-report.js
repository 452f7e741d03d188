// SLA report: draws the charts from the JSON the page carries (#sla-chart-data) with
// Chart.js (static/vendor/chart.umd.min.js). The tables below show the same figures, so
// the page works without it.
(function () {
  "use strict";
  var COLORS = {met: "#2b8a3e", missed: "#c92a2a", met2: "#74b816", missed2: "#f08c00"};

  function draw(canvasId, spec, labels, type) {
    var canvas = document.getElementById(canvasId);
    if (!canvas || !spec) return;
    var stacked = type === "bar";
    new window.Chart(canvas, {
      type: type,
      data: {
        labels: labels,
        datasets: spec.series.map(function (s) {
          return {label: s.label, data: s.data, stack: s.stack,
                  backgroundColor: COLORS[s.kind], borderColor: COLORS[s.kind],
                  spanGaps: true, tension: 0.2};
        })
      },
      options: {
        responsive: true, animation: false,
        plugins: {title: {display: true, text: spec.title}, legend: {position: "bottom"}},
        scales: {x: {stacked: stacked}, y: {stacked: stacked, beginAtZero: true}}
      }
    });
  }

  function start() {
    var source = document.getElementById("sla-chart-data");
    if (!source || !window.Chart) return;
    var data = JSON.parse(source.textContent);
    draw("sla-chart-targets", data.targets, data.labels, "bar");
    draw("sla-chart-times", data.times, data.labels, "line");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
