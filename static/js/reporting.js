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

  // A long category label is broken into lines of about this many characters, so the axis
  // keeps it whole instead of cutting it at the chart's edge.
  var LINE_LENGTH = 22;

  function wrap(label) {
    var lines = [];
    var line = "";
    String(label).split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > LINE_LENGTH) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    lines.push(line);
    return lines.length > 1 ? lines : lines[0];
  }

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
    var labels = figure.type === "bar" ? figure.labels.map(wrap) : figure.labels;
    var lineCount = labels.reduce(function (count, label) {
      return count + (Array.isArray(label) ? label.length : 1);
    }, 0);
    var horizontal = figure.type === "bar" && figure.labels.length > 6;
    if (horizontal) {
      // Room for every label and its lines: Chart.js would otherwise skip or overlap them.
      canvas.parentElement.style.height = Math.max(16, figure.labels.length * 1.6 + lineCount * 0.9) + "rem";
    }
    var categoryAxis = { beginAtZero: true, ticks: { autoSkip: false, maxRotation: figure.type === "bar" ? 0 : 50 } };
    var valueAxis = { beginAtZero: true, ticks: { precision: 0 } };
    new Chart(canvas, {
      type: figure.type,
      data: { labels: labels, datasets: datasets },
      options: {
        // Danish thousands separators and decimal commas on the axes and in the tooltips.
        locale: "da-DK",
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
