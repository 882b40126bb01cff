// Dashboard charts from the page's own data (json_script); ECharts is served from the project's static files.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("chart-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const charts = [];
  const trendElement = document.getElementById("trend-chart");
  if (trendElement) {
    const chart = echarts.init(trendElement);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [data.labels.incidence, data.labels.poor] },
      xAxis: { type: "category", data: data.trend.map((row) => row.year) },
      yAxis: [{ type: "value", name: "%" }, { type: "value" }],
      series: [
        { name: data.labels.incidence, type: "line", data: data.trend.map((row) => row.incidence) },
        { name: data.labels.poor, type: "bar", yAxisIndex: 1, data: data.trend.map((row) => row.poor) },
      ],
    });
    charts.push(chart);
  }
  const childrenElement = document.getElementById("children-chart");
  if (childrenElement && data.children.length) {
    const chart = echarts.init(childrenElement);
    chart.setOption({
      tooltip: {},
      grid: { left: 120 },
      xAxis: { type: "value", name: "%" },
      yAxis: { type: "category", data: data.children.map((row) => row.name) },
      series: [{ type: "bar", name: data.labels.incidence, data: data.children.map((row) => row.incidence) }],
    });
    charts.push(chart);
  }
  const mapElement = document.getElementById("map-chart");
  if (mapElement && data.children.length) {
    // A choropleth of the areas below: shapes from the project's own boundary endpoint, keyed by area code.
    const chart = echarts.init(mapElement);
    charts.push(chart);
    fetch(mapElement.dataset.geo, { credentials: "same-origin" })
      .then((response) => response.json())
      .then((geo) => {
        echarts.registerMap("areas", geo);
        const values = data.children.filter((row) => row.incidence !== null).map((row) => row.incidence);
        chart.setOption({
          tooltip: { trigger: "item", formatter: (item) => `${item.data ? item.data.label : item.name}: ${
            item.value === undefined || Number.isNaN(item.value) ? "—" : item.value.toFixed(2) + "%"}` },
          visualMap: { min: 0, max: Math.max(1, ...values), calculable: true, left: "left", bottom: 0,
                       inRange: { color: ["#fef0d9", "#fc8d59", "#b30000"] }, text: ["%", ""] },
          series: [{ type: "map", map: "areas", nameProperty: "code", roam: true,
                     name: data.labels.incidence,
                     data: data.children.map((row) => ({ name: row.code, value: row.incidence, label: row.name })) }],
        });
        chart.on("click", (item) => {
          window.location.href = `${mapElement.dataset.drill}${item.name}/?year=${mapElement.dataset.year}`;
        });
        mapElement.dataset.features = String(geo.features.length);
      });
  }
  document.querySelectorAll("[data-breakdown]").forEach((element) => {
    const items = data.breakdowns[element.dataset.breakdown] || [];
    const chart = echarts.init(element);
    chart.setOption({ tooltip: { trigger: "item" }, series: [{ type: "pie", radius: ["40%", "70%"], data: items }] });
    charts.push(chart);
  });
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
  document.body.dataset.chartsReady = String(charts.length);
});
