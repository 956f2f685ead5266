/** A metrics watch's latest reading in words: "watching: 0.3% / p99 230 ms, 4 of 10 min". */
import { millis, percent } from './evidence/grade.js';
import type { TimelineEvent } from './timeline.js';

const minutes = (ms: number) => Math.floor(ms / 60_000);

export function watchText(event: Extract<TimelineEvent, { type: 'verify_watching' }>): string {
  const numbers = [
    event.errorRatePercent !== undefined ? percent(event.errorRatePercent) : undefined,
    event.p99Ms !== undefined ? `p99 ${millis(event.p99Ms)}` : undefined,
  ]
    .filter(Boolean)
    .join(' / ');
  const watch = event.watchMs;
  // Under two minutes, minutes say nothing: count seconds instead.
  const progress =
    watch >= 120_000
      ? `${minutes(event.steadyMs)} of ${minutes(watch)} min`
      : `${Math.floor(event.steadyMs / 1000)} of ${Math.round(watch / 1000)} s`;
  return event.within ? `watching: ${numbers}, ${progress}` : `watching: ${numbers}, still above tolerance`;
}
