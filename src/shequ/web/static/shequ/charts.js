/* Every chart in Shequ: draws each <div class="sq-chart" data-chart="ID"> with ECharts from the
 * JSON island <script type="application/json" id="ID"> (core/charts.py writes both). The
 * same numbers stand in a table under each chart, so a page reads without JavaScript. */
(function () {
  "use strict";
  var COLOURS = {
    blue: "#1485ee", green: "#07c160", red: "#fa5151", orange: "#fa9d3b",
    purple: "#6467f0", grey: "#b2b2b2"
  };
  var drawn = [];

  function faded(hex) {
    return hex + "66"; // 40 % opacity: a target beside the figure
  }

  function option(spec) {
    var hbar = spec.kind === "hbar";
    var line = spec.kind === "line";
    var narrow = window.innerWidth < 480;
    var category = {
      type: "category", data: spec.labels,
      axisTick: { alignWithLabel: true },
      axisLabel: hbar ? { width: narrow ? 96 : 180, overflow: "truncate" } : { hideOverlap: true }
    };
    var value = { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eee" } } };
    if (spec.unit === "%") {
      value.max = 100;
      value.axisLabel = { formatter: "{value}%" };
    }
    var series = spec.series.map(function (s) {
      var colour = COLOURS[s.colour] || s.colour || COLOURS.blue;
      var out = {
        name: s.name, type: line ? "line" : "bar", data: s.data,
        itemStyle: { color: s.faint ? faded(colour) : colour },
        emphasis: { focus: "series" }
      };
      if (line) {
        out.lineStyle = { color: colour, width: 2, type: s.faint ? "dashed" : "solid" };
        out.symbolSize = 5;
        out.connectNulls = false;
      } else {
        out.barMaxWidth = 28;
        if (spec.stack) { out.stack = "all"; }
      }
      return out;
    });
    return {
      animation: false,
      textStyle: { fontFamily: "inherit" },
      tooltip: { trigger: "axis", confine: true },
      legend: spec.series.length > 1 ? { top: 0, type: "scroll" } : { show: false },
      grid: {
        left: 8, right: 16, bottom: 4, top: spec.series.length > 1 ? 32 : 12, containLabel: true
      },
      xAxis: hbar ? value : category,
      yAxis: hbar ? Object.assign({}, category, { inverse: true }) : value,
      series: series
    };
  }

  function draw(el) {
    if (el.getAttribute("data-drawn") || !window.echarts) { return; }
    var island = document.getElementById(el.getAttribute("data-chart"));
    if (!island) { return; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option(JSON.parse(island.textContent)));
    el.setAttribute("data-drawn", "1");
    drawn.push(chart);
  }

  function drawAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(".sq-chart[data-chart]"), draw);
  }

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      // A chart swapped out by htmx is let go.
      drawn = drawn.filter(function (chart) {
        if (chart.getDom().isConnected) { chart.resize(); return true; }
        chart.dispose();
        return false;
      });
    }, 150);
  });
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  // After an htmx swap (the board refreshes itself), draw what is new: an outerHTML swap
  // fires on the element it replaced, so look over the whole page.
  document.addEventListener("htmx:afterSwap", function () { drawAll(document); });
  if (document.readyState !== "loading") { drawAll(document); }
})();
