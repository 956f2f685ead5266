import {
  incidentChartSvg,
  renderIncidentChart,
} from '../../../../../src/adapters/outbound/render/incident-chart.js';
import type { IncidentChartModel } from '../../../../../src/adapters/outbound/render/incident-chart.js';

const MINUTE = 60_000;
const START = Date.UTC(2026, 2, 14, 13, 0); // 13:00 UTC

/** 75 minutes of 1-minute points: healthy, a bad deploy at 13:18, rolled back at 13:41, healthy from 13:48. */
function model(overrides: Partial<IncidentChartModel> = {}): IncidentChartModel {
  const minutes = Array.from({ length: 75 }, (_, i) => i);
  const bad = (i: number) => i >= 19 && i < 48;
  return {
    title: 'checkout/production — error rate and p99',
    errorRatePercent: minutes.map((i) => ({
      at: START + i * MINUTE,
      value: bad(i) ? 5 + (i % 4) : 0.4 + (i % 3) * 0.1,
    })),
    p99Ms: minutes.map((i) => ({
      at: START + i * MINUTE,
      value: bad(i) ? 950 + (i % 5) * 20 : 240 + (i % 4) * 8,
    })),
    baseline: { errorRatePercent: 0.5, p99Ms: 250 },
    markers: [
      { at: START + 18 * MINUTE, label: 'deploy v2.4.0' },
      { at: START + 20 * MINUTE, label: 'change point' },
      { at: START + 41 * MINUTE, label: 'rollback' },
      { at: START + 48 * MINUTE, label: 'recovered' },
    ],
    ...overrides,
  };
}

/** The text of every <text> element in the SVG (Vega escapes &, < and > in them). */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] ?? '');
}

describe('renderIncidentChart', () => {
  it('returns a real PNG whose header matches the returned size, 900 px wide at 2×, of a Slack-friendly weight', async () => {
    const { png, width, height } = await renderIncidentChart(model());

    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(width);
    expect(png.readUInt32BE(20)).toBe(height);
    expect(width).toBe(1800);
    expect(height).toBeGreaterThan(600);
    expect(png.length).toBeGreaterThan(5 * 1024);
    expect(png.length).toBeLessThan(500 * 1024);
  });

  it('keeps the same width whatever the data, so the thread’s charts line up', async () => {
    const wide = await renderIncidentChart(
      model({
        title: 'a very long title '.repeat(20),
        p99Ms: [{ at: START, value: 123_456 }],
        markers: [{ at: START - 30 * MINUTE, label: 'deploy v10.20.300-rc.1+build.77' }],
      }),
    );
    expect(wide.width).toBe(1800);
  });

  it('draws the marker rules and labels: the same chart without markers is a different image', async () => {
    const withMarkers = await renderIncidentChart(model());
    const without = await renderIncidentChart(model({ markers: [] }));
    expect(withMarkers.png.equals(without.png)).toBe(false);
  });

  it('rasterises text with the bundled font: the same chart with blank marker labels is a different image', async () => {
    // Same layout either way (rules, title, axes); only the labels' glyphs differ. Without a usable
    // font resvg silently drops text, and the two images would be identical.
    const labelled = model();
    const blank = { ...labelled, markers: labelled.markers.map((m) => ({ ...m, label: '' })) };
    const [a, b] = await Promise.all([renderIncidentChart(labelled), renderIncidentChart(blank)]);
    expect(a.png.equals(b.png)).toBe(false);
  });

  it('renders the same bytes every time (bundled font, no system fonts)', async () => {
    const first = await renderIncidentChart(model());
    const second = await renderIncidentChart(model());
    expect(first.png.equals(second.png)).toBe(true);
  });

  it('puts the title, both panel titles and every marker label in the bundled font, markers in both panels', async () => {
    const svg = await incidentChartSvg(model());
    const all = texts(svg);

    expect(all).toContain('checkout/production — error rate and p99');
    expect(all).toContain('Error rate %');
    expect(all).toContain('p99 ms');
    for (const label of ['deploy v2.4.0', 'change point', 'rollback', 'recovered']) {
      expect(all.filter((t) => t === label)).toHaveLength(2);
    }
    const families = new Set([...svg.matchAll(/font-family="([^"]*)"/g)].map((m) => m[1]));
    expect([...families]).toEqual(['DejaVu Sans']);
  });

  it('labels the time axis in UTC HH:MM, whatever the machine’s time zone', async () => {
    const tz = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      const all = texts(await incidentChartSvg(model()));
      expect(all).toContain('time (UTC)');
      expect(all).toContain('13:00');
      expect(all).toContain('13:40');
      expect(all).not.toContain('09:00');
      expect(all).not.toContain('9:00');
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('draws the baseline as dashed rules only when there is one', async () => {
    const dashes = (svg: string) => svg.match(/stroke-dasharray="[^"]+"/g) ?? [];
    expect(dashes(await incidentChartSvg(model()))).toHaveLength(2);
    expect(dashes(await incidentChartSvg(model({ baseline: undefined })))).toHaveLength(0);
  });

  it('escapes markup in labels instead of breaking the SVG', async () => {
    const svg = await incidentChartSvg(model({ markers: [{ at: START, label: 'deploy <v2> & co' }] }));
    expect(texts(svg)).toContain('deploy &lt;v2&gt; &amp; co');
    await expect(
      renderIncidentChart(model({ markers: [{ at: START, label: 'deploy <v2> & co' }] })),
    ).resolves.toMatchObject({ width: 1800 });
  });

  it('still draws a chart when only one series has points', async () => {
    const { width } = await renderIncidentChart(model({ errorRatePercent: [], baseline: undefined }));
    expect(width).toBe(1800);
  });

  it('rejects a model with no points at all, or only unusable ones, with a clear error', async () => {
    await expect(renderIncidentChart(model({ errorRatePercent: [], p99Ms: [] }))).rejects.toThrow(
      'incident chart: the model has no error-rate or p99 points to draw',
    );
    await expect(
      renderIncidentChart(model({ errorRatePercent: [{ at: START, value: NaN }], p99Ms: [] })),
    ).rejects.toThrow(/no error-rate or p99 points/);
  });
});
