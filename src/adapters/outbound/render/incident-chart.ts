/**
 * Renders the incident thread's chart: error rate (top) and p99 latency (bottom) over one shared UTC
 * time axis, with the deploy / change point / rollback / recovery moments as labelled vertical rules
 * and the pre-deploy baseline as dashed rules. Pure: model in, PNG out; no network, no system fonts.
 *
 * Pipeline: a Vega-Lite spec → vega-lite `compile` → Vega headless SVG → resvg PNG.
 */
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

export interface ChartPoint {
  at: number /* epoch ms */;
  value: number;
}
export interface ChartMarker {
  at: number;
  label: string /* "deploy v2.4.0", "change point", "rollback", "recovered" */;
}
export interface IncidentChartModel {
  title: string; // e.g. "checkout/production — error rate and p99"
  errorRatePercent: ChartPoint[]; // percent 0..100
  p99Ms: ChartPoint[]; // milliseconds
  baseline?: { errorRatePercent: number; p99Ms: number }; // drawn as dashed horizontal rules
  markers: ChartMarker[]; // vertical rules with a text label
}

/**
 * The font ships inside node_modules (dejavu-fonts-ttf), not from the OS: the chart must look the
 * same on a laptop, in CI and in the slim container, and resvg reads only TTF/OTF, not WOFF. Resolved
 * through the package, so the path is right from src (tests) and dist (built) alike.
 */
const require = createRequire(import.meta.url);
const FONT_FAMILY = 'DejaVu Sans';
const FONT_FILES = [
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'), // the title is bold
];

/**
 * Every horizontal size is fixed so the image is always WIDTH px wide, whatever the data: the y axes
 * get a fixed extent (which also lines the two panels up) and the chart title is cut to fit.
 */
const WIDTH = 900;
const PADDING = 10;
const Y_AXIS_EXTENT = 60; // ticks and labels
const Y_AXIS_TITLE = 21; // the rotated title beside them: its font size plus Vega's padding
const PANEL_WIDTH = WIDTH - 2 * PADDING - Y_AXIS_EXTENT - Y_AXIS_TITLE;
const PANEL_HEIGHT = 190;
/** Rasterised at 2× so the image stays crisp on high-density screens, where Slack shows it scaled. */
const SCALE = 2;

const LABEL_FONT_SIZE = 11;
const LABEL_ROW_HEIGHT = 13;
const LABEL_ROWS = 3;

interface MarkerLabel extends ChartMarker {
  /** Pixel offset from the panel's top: labels of markers close in time go on different rows. */
  labelY: number;
  /** Labels in the right half grow leftwards, so none runs off the image's edge. */
  align: 'left' | 'right';
}

/**
 * Puts each marker's label on the first row where it does not overlap the label before it on that
 * row. Text width is estimated (Vega's headless renderer does no real font measuring either).
 */
function layoutMarkers(markers: ChartMarker[], start: number, end: number): MarkerLabel[] {
  const msPerPx = Math.max(end - start, 1) / PANEL_WIDTH;
  const rowEnds: number[] = []; // pixel x where each row's last label ends
  return [...markers]
    .sort((a, b) => a.at - b.at)
    .map((marker) => {
      const x = (marker.at - start) / msPerPx;
      const width = marker.label.length * LABEL_FONT_SIZE * 0.62 + 8;
      const align = x > PANEL_WIDTH / 2 ? 'right' : 'left';
      const [left, right] = align === 'left' ? [x, x + width] : [x - width, x];
      let row = rowEnds.findIndex((rowEnd) => rowEnd < left);
      if (row === -1) row = rowEnds.length < LABEL_ROWS ? rowEnds.length : rowEnds.length - 1;
      rowEnds[row] = right;
      return { ...marker, labelY: 4 + row * LABEL_ROW_HEIGHT, align };
    });
}

/** vega-lite exports only the top-level spec type; its parts are taken from it. */
type VConcatSpec = Extract<TopLevelSpec, { vconcat: unknown }>;
type PanelSpec = Extract<VConcatSpec['vconcat'][number], { layer: unknown }>;
type LayerSpec = PanelSpec['layer'][number];

/**
 * One panel: the series, its dashed baseline, and the markers (rule + label) over the full height.
 * The x encoding is set per layer, not on the panel: a layer would inherit it, and the baseline rule
 * (which has no time) must span the whole width instead.
 */
function panel(
  yTitle: string,
  color: string,
  points: ChartPoint[],
  baseline: number | undefined,
  markers: MarkerLabel[],
  showTimeLabels: boolean,
): PanelSpec {
  const x = {
    field: 'at',
    type: 'temporal',
    // On-call people from several zones read one clock. No `nice`: the axis spans exactly the data,
    // as layoutMarkers assumes.
    scale: { type: 'utc', nice: false },
    axis: showTimeLabels
      ? { format: '%H:%M', title: 'time (UTC)', labelFlush: true, tickCount: 12 }
      : { labels: false, ticks: false, title: null, tickCount: 12 }, // shown once, under the bottom panel
  } as const;
  // Headroom above the highest value for the marker labels' rows, so no label sits on the line.
  const labelSpace =
    markers.length === 0 ? 0 : Math.max(...markers.map((m) => m.labelY)) + LABEL_ROW_HEIGHT + 4;
  const highest = Math.max(...points.map((p) => p.value), baseline ?? 0);
  const top = highest > 0 ? highest : 1; // an all-zero series still gets a readable axis
  const layers: LayerSpec[] = [
    {
      data: { values: points },
      // A line through a single point draws nothing: show that point as a dot instead.
      mark: { type: 'line', color, strokeWidth: 2, point: points.length === 1 },
      encoding: {
        x,
        y: {
          field: 'value',
          type: 'quantitative',
          title: yTitle,
          scale: { domainMin: 0, domainMax: top / (1 - labelSpace / PANEL_HEIGHT), nice: false },
          axis: { minExtent: Y_AXIS_EXTENT, maxExtent: Y_AXIS_EXTENT, format: ',~r', tickCount: 5 },
        },
      },
    },
  ];
  if (baseline !== undefined) {
    layers.push({
      data: { values: [{}] }, // one rule; with the series' data it would be drawn once per point
      mark: { type: 'rule', color: '#6b7280', strokeDash: [6, 4], strokeWidth: 1.5 },
      encoding: { y: { datum: baseline, type: 'quantitative' } },
    });
  }
  if (markers.length > 0) {
    layers.push(
      {
        data: { values: markers },
        mark: { type: 'rule', color: '#374151', strokeWidth: 1 },
        encoding: { x },
      },
      {
        data: { values: markers },
        mark: {
          type: 'text',
          y: { expr: 'datum.labelY' },
          baseline: 'top',
          align: { expr: 'datum.align' },
          dx: { expr: "datum.align === 'left' ? 3 : -3" },
          fontSize: LABEL_FONT_SIZE,
          color: '#111827',
        },
        encoding: { x, text: { field: 'label' } },
      },
    );
  }
  return { width: PANEL_WIDTH, height: PANEL_HEIGHT, layer: layers };
}

/** A scrape can yield NaN (0/0 error rate with no traffic): such a point is a gap, not a value. */
const drawable = (points: ChartPoint[]) =>
  points.filter((p) => Number.isFinite(p.at) && Number.isFinite(p.value));

/** The Vega-Lite spec of the whole chart. */
function chartSpec(model: IncidentChartModel): VConcatSpec {
  const errorRate = drawable(model.errorRatePercent);
  const p99 = drawable(model.p99Ms);
  const times = [...errorRate, ...p99].map((p) => p.at);
  if (times.length === 0)
    throw new Error('incident chart: the model has no error-rate or p99 points to draw');
  const all = [...times, ...model.markers.map((m) => m.at)];
  const markers = layoutMarkers(model.markers, Math.min(...all), Math.max(...all));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: model.title, anchor: 'start', fontSize: 15, limit: WIDTH - 2 * PADDING },
    background: 'white', // a transparent PNG shows black text on black in Slack's dark theme
    padding: PADDING,
    config: {
      font: FONT_FAMILY, // the bundled font; Vega's default (sans-serif) means whatever the OS has
      view: { stroke: '#d1d5db' },
      axis: { labelFontSize: 11, titleFontSize: 11, gridColor: '#eef0f3' },
    },
    vconcat: [
      panel('Error rate %', '#dc2626', errorRate, model.baseline?.errorRatePercent, markers, false),
      panel('p99 ms', '#2563eb', p99, model.baseline?.p99Ms, markers, true),
    ],
    spacing: 12,
    resolve: { scale: { x: 'shared' } },
  };
}

/** The chart as SVG (before rasterising): useful to test what text is on it. */
export async function incidentChartSvg(model: IncidentChartModel): Promise<string> {
  const view = new vega.View(vega.parse(compile(chartSpec(model)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function renderIncidentChart(
  model: IncidentChartModel,
): Promise<{ png: Buffer; width: number; height: number }> {
  const svg = await incidentChartSvg(model);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: SCALE },
    font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
  });
  const image = resvg.render();
  return { png: image.asPng(), width: image.width, height: image.height };
}
