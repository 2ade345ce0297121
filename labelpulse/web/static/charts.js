/* Draws every chart of a page with plotly.js (served from /static/vendor, no network).
 *
 * Each container [data-chart] names, in data-source, a <script type="application/json"> that
 * holds the chart's spec as the server built it from the report (labelpulse/web/charts.py):
 *   {type: "bar"|"line", barmode?, unit: "count"|"seconds", ytitle?, x: [...], xaxis?: "date",
 *    (xaxis "date": x holds ISO dates, drawn one category per day with whole-day ticks)
 *    series: [{key, name, color | colors, y: [...]}]}
 * Durations arrive in seconds (the report's own figures); only the display picks minutes or
 * hours. Once plotly has drawn a chart the container gets data-rendered="true", which is what
 * browser tests wait for. Radio inputs [data-toggle-chart=<id>] choose which series shows.
 */
(function () {
  "use strict";

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // The same wording as labelpulse/readable.py: 12.5 s, 4 m 05 s, 1 h 23 m.
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    if (seconds < 60) return (seconds % 1 ? seconds.toFixed(1) : String(seconds)) + " s";
    var total = Math.round(seconds);
    var minutes = Math.floor(total / 60);
    if (minutes < 60) return minutes + " m " + pad(total % 60) + " s";
    return Math.floor(minutes / 60) + " h " + pad(minutes % 60) + " m";
  }

  function timeScale(spec) {
    var most = 0;
    spec.series.forEach(function (s) {
      s.y.forEach(function (v) { if (v !== null && v > most) most = v; });
    });
    if (most >= 7200) return { divide: 3600, label: "hours" };
    if (most >= 120) return { divide: 60, label: "minutes" };
    return { divide: 1, label: "seconds" };
  }

  function toggles(id) {
    return document.querySelectorAll('input[data-toggle-chart="' + id + '"]');
  }

  function chosen(id) {
    var inputs = toggles(id);
    for (var i = 0; i < inputs.length; i++) if (inputs[i].checked) return inputs[i].value;
    return null;
  }

  function traces(spec, id) {
    var seconds = spec.unit === "seconds";
    var scale = seconds ? timeScale(spec) : { divide: 1, label: spec.ytitle || "annotations" };
    var only = chosen(id);
    var data = spec.series.map(function (s) {
      var trace = {
        type: spec.type === "line" ? "scatter" : "bar",
        name: s.name,
        x: spec.x,
        y: s.y.map(function (v) { return v === null ? null : v / scale.divide; }),
        customdata: s.y.map(function (v) { return seconds ? duration(v) : (v === null ? "–" : v.toLocaleString()); }),
        hovertemplate: "%{x}<br>" + s.name + ": %{customdata}<extra></extra>",
        visible: only === null || only === s.key ? true : false
      };
      if (spec.type === "line") {
        trace.mode = "lines+markers";
        trace.connectgaps = false;
        trace.line = { color: s.color, width: 2 };
        trace.marker = { color: s.color, size: 5 };
      } else {
        trace.marker = { color: s.colors || s.color };
      }
      return trace;
    });
    return { data: data, yTitle: scale.label };
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // "2026-11-19" as "Nov 19" (with the year when the dates span more than one).
  function dayLabel(iso, withYear) {
    var parts = iso.split("-");
    var text = MONTHS[Number(parts[1]) - 1] + " " + Number(parts[2]);
    return withYear ? text + " " + parts[0] : text;
  }

  // Dates are whole days, so the axis is one category per day (never a time axis, which
  // puts "23:59:59.9996" between the days of a 1-3-day window), labelled on at most a few
  // evenly spaced days: fewer on a narrow screen.
  function xAxis(spec, narrow) {
    var axis = { fixedrange: true, type: "category", automargin: true, tickangle: 0 };
    if (spec.xaxis !== "date") return axis;
    var dates = spec.x;
    var room = narrow ? 4 : 8;
    var step = Math.max(1, Math.ceil(dates.length / room));
    var years = dates.length > 0 && dates[0].slice(0, 4) !== dates[dates.length - 1].slice(0, 4);
    var shown = dates.filter(function (_, i) { return i % step === 0; });
    axis.tickmode = "array";
    axis.tickvals = shown;
    axis.ticktext = shown.map(function (d) { return dayLabel(d, years); });
    return axis;
  }

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    if (typeof Plotly === "undefined") {
      el.textContent = "The chart library did not load; the table below has the same figures.";
      return;
    }
    var built = traces(spec, el.id);
    var narrow = el.clientWidth > 0 && el.clientWidth < 520;
    var legend = spec.series.length > 1;
    var layout = {
      height: narrow ? 230 : 250,
      margin: { l: narrow ? 40 : 48, r: 8, t: 8, b: 32 },
      barmode: spec.barmode || "group",
      showlegend: legend,
      // Below the plot, left-aligned, so that at phone widths it wraps instead of covering bars.
      legend: { orientation: "h", x: 0, xanchor: "left", y: -0.12, yanchor: "top" },
      yaxis: {
        title: { text: narrow ? "" : built.yTitle }, rangemode: "tozero", fixedrange: true,
        nticks: narrow ? 4 : 6, automargin: true
      },
      xaxis: xAxis(spec, narrow),
      font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: narrow ? 11 : 12 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)"
    };
    var config = { displaylogo: false, responsive: true, modeBarButtons: [["toImage"]] };
    Plotly.newPlot(el, built.data, layout, config).then(function () {
      el.setAttribute("data-rendered", "true");
    });
    var inputs = toggles(el.id);
    for (var i = 0; i < inputs.length; i++) {
      inputs[i].addEventListener("change", function (event) {
        var key = event.target.value;
        var visible = spec.series.map(function (s) { return s.key === key; });
        Plotly.restyle(el, { visible: visible }).then(function () {
          el.setAttribute("data-mode", key);
        });
      });
    }
    var start = chosen(el.id);
    if (start !== null) el.setAttribute("data-mode", start);
  }

  function drawAll() {
    var charts = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < charts.length; i++) draw(charts[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
