// Draws the Chart.js charts of a page from JSON embedded in <script type="application/json"> tags.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  const COLORS = ["#2563eb", "#16a34a", "#ea580c", "#9333ea", "#0891b2", "#db2777", "#ca8a04"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function data(id) { return JSON.parse(document.getElementById(id).textContent); }

  const draw = {
    radar: function (c, d) {
      return new Chart(c, {
        type: "radar",
        data: { labels: d.labels, datasets: [{ data: d.values, fill: true, backgroundColor: "rgba(37,99,235,.18)", borderColor: "#2563eb", pointBackgroundColor: "#2563eb" }] },
        options: { plugins: { legend: { display: false } }, scales: { r: { min: 0, max: 100, ticks: { stepSize: 20, backdropColor: "transparent" } } } },
      });
    },
    progress: function (c, d) {
      const sets = Object.keys(d.criteria).filter(function (k) { return d.criteria[k].some(function (v) { return v !== null; }); })
        .map(function (k, i) { return { label: d.names[k] || k, data: d.criteria[k], borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length], spanGaps: true, cubicInterpolationMode: "monotone" }; });
      sets.unshift({ label: d.average_name, data: d.average, borderColor: "#111827", backgroundColor: "#111827", borderWidth: 3, cubicInterpolationMode: "monotone" });
      return new Chart(c, { type: "line", data: { labels: d.labels, datasets: sets }, options: { scales: { y: { min: 0, max: 100 } }, plugins: { legend: { position: "bottom" } } } });
    },
    bars: function (c, d) {
      const v = d.criteria.values;
      return new Chart(c, {
        type: "bar",
        data: { labels: d.criteria.labels, datasets: [{ data: v, backgroundColor: v.map(function (x) { return x === null ? "#e5e7eb" : x >= 61 ? "#16a34a" : x >= 41 ? "#ca8a04" : "#dc2626"; }), borderRadius: 6 }] },
        options: { plugins: { legend: { display: false } }, scales: { y: { min: 0, max: 100 } } },
      });
    },
    trend: function (c, d) {
      return new Chart(c, {
        type: "line",
        data: { labels: d.trend.labels, datasets: [{ label: d.average_name, data: d.trend.average, borderColor: "#2563eb", backgroundColor: "rgba(37,99,235,.15)", fill: true, cubicInterpolationMode: "monotone" }] },
        options: { plugins: { legend: { display: false } }, scales: { y: { min: 0, max: 100 } } },
      });
    },
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (c) {
    const fn = draw[c.dataset.chart];
    if (fn && document.getElementById(c.dataset.src)) fn(c, data(c.dataset.src));
  });
  document.querySelectorAll("td.heat[data-v]").forEach(function (td) {
    const v = parseInt(td.dataset.v, 10);
    if (!isNaN(v)) td.style.background = "hsla(" + Math.round(v * 1.2) + ", 70%, 45%, .16)";
  });
})();
