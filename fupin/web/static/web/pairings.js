// The pairing map: the provinces (from the project's boundary endpoint) and a line from each helper's place to
// the place it helps, thicker with more pairings between the two. ECharts is served from the project's files.
document.addEventListener("DOMContentLoaded", () => {
  const element = document.getElementById("pairing-map");
  const source = document.getElementById("flow-data");
  if (!element || !source || !window.echarts) return;
  const flows = JSON.parse(source.textContent);
  const chart = echarts.init(element);
  fetch(element.dataset.geo, { credentials: "same-origin" })
    .then((response) => response.json())
    .then((geo) => {
      echarts.registerMap("provinces", geo);
      chart.setOption({
        tooltip: { trigger: "item", formatter: (item) => item.data && item.data.helper
          ? `${item.data.helper} → ${item.data.helped} (${item.data.count})` : item.name },
        geo: { map: "provinces", roam: true, nameProperty: "code", itemStyle: { areaColor: "#f3f1ea" } },
        series: [
          { type: "lines", coordinateSystem: "geo", effect: { show: true, symbol: "arrow", symbolSize: 6 },
            lineStyle: { curveness: 0.2, opacity: 0.6, color: "#b30000" },
            data: flows.map((flow) => ({ ...flow, lineStyle: { width: Math.min(1 + Math.log2(flow.count), 6) } })) },
          { type: "effectScatter", coordinateSystem: "geo", symbolSize: 5,
            data: flows.map((flow) => ({ name: flow.helped, value: flow.coords[1] })) },
        ],
      });
      element.dataset.flows = String(flows.length);
    });
  window.addEventListener("resize", () => chart.resize());
});
