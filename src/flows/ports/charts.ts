/** Renders an incident's chart (error rate and p99 over time, with the moments that matter) to PNG. */
export interface ChartPoint {
  at: number;
  value: number;
}

export interface ChartMarker {
  at: number;
  label: string;
}

export interface ChartModel {
  title: string;
  errorRatePercent: ChartPoint[];
  p99Ms: ChartPoint[];
  baseline?: { errorRatePercent: number; p99Ms: number };
  markers: ChartMarker[];
}

export interface ChartRenderer {
  render(model: ChartModel): Promise<{ png: Buffer; width: number; height: number }>;
}
