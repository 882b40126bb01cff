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
  document.querySelectorAll("[data-breakdown]").forEach((element) => {
    const items = data.breakdowns[element.dataset.breakdown] || [];
    const chart = echarts.init(element);
    chart.setOption({ tooltip: { trigger: "item" }, series: [{ type: "pie", radius: ["40%", "70%"], data: items }] });
    charts.push(chart);
  });
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
  document.body.dataset.chartsReady = String(charts.length);
});
