// Dashboard charts, drawn from the JSON data island the server renders (no inline script).
(function () {
  "use strict";

  var island = document.getElementById("dashboard-data");
  if (!island || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(island.textContent);
  // Current period solid and dark, previous period light with a dashed border, so the two
  // differ by more than colour; the legend names each.
  var styles = [
    { backgroundColor: "#0d3b66", borderColor: "#0d3b66", borderDash: [] },
    { backgroundColor: "#adb5bd", borderColor: "#495057", borderDash: [4, 3] }
  ];

  data.figures.forEach(function (figure) {
    var canvas = document.getElementById("chart-" + figure.key);
    if (!canvas) {
      return;
    }
    var datasets = figure.series.map(function (series, index) {
      var style = styles[index % styles.length];
      return {
        label: series.label,
        data: series.data,
        backgroundColor: style.backgroundColor,
        borderColor: style.borderColor,
        borderWidth: 2,
        borderDash: figure.type === "line" ? style.borderDash : [],
        tension: 0.2
      };
    });
    var horizontal = figure.type === "bar" && figure.labels.length > 6;
    if (horizontal) {
      // Room for every label: Chart.js would otherwise skip some of them.
      canvas.parentElement.style.height = Math.max(16, figure.labels.length * 2.2) + "rem";
    }
    var categoryAxis = { beginAtZero: true, ticks: { autoSkip: false } };
    var valueAxis = { beginAtZero: true, ticks: { precision: 0 } };
    new Chart(canvas, {
      type: figure.type,
      data: { labels: figure.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: horizontal ? "y" : "x",
        scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
        plugins: { legend: { display: datasets.length > 1 } }
      }
    });
  });
})();
