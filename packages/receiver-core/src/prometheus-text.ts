// The Prometheus text exposition format, read as it streams in. Hand-written rather than a library: the npm parsers
// build every sample (and often the whole body) as objects, and a 10,000-queue RabbitMQ scrape is 40,000 samples in
// 4.3 MiB; this one filters by name before touching the labels and never holds more than one chunk.

/** One sample. In the callbacks of the scanners `labels` is reused from sample to sample: copy what you keep. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export type SampleFilter = (name: string) => boolean;
export type SampleCallback = (name: string, labels: Record<string, string>, value: number) => void;

const everySample: SampleFilter = () => true;

function unescapeLabel(s: string): string {
  return s.includes('\\') ? s.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c)) : s;
}

/** A sample value: a float, `+Inf`, `-Inf` or `NaN` (Number() alone reads `+Inf` as NaN). */
function sampleValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/**
 * Calls `onSample` for every sample of complete lines in `text` whose name passes `want`. Label values may hold any
 * character (queue names do), so labels are scanned, not split. A trailing timestamp is ignored.
 */
export function scanPrometheusText(text: string, want: SampleFilter, onSample: SampleCallback): void {
  const labels: Record<string, string> = {};
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    if (text.charCodeAt(pos) !== 35 /* # */ && end > pos) {
      const brace = text.indexOf('{', pos);
      const space = text.indexOf(' ', pos);
      const nameEnd = brace !== -1 && brace < end && (space === -1 || brace < space) ? brace : space;
      const name = text.slice(pos, nameEnd);
      if (nameEnd !== -1 && nameEnd <= end && want(name)) {
        for (const k in labels) delete labels[k];
        let i = nameEnd;
        if (text.charCodeAt(i) === 123 /* { */) {
          i++;
          while (i < end && text.charCodeAt(i) !== 125 /* } */) {
            const eq = text.indexOf('=', i);
            const key = text.slice(i, eq);
            let j = eq + 2; // skip ="
            const start = j;
            for (;;) {
              const c = text.charCodeAt(j);
              if (c === 92 /* \ */) j += 2;
              else if (c === 34 /* " */ || Number.isNaN(c)) break;
              else j++;
            }
            labels[key] = unescapeLabel(text.slice(start, j));
            i = j + 1;
            if (text.charCodeAt(i) === 44 /* , */) i++;
          }
          i++;
        }
        const valueText = text.slice(i, end).trim();
        const sp = valueText.indexOf(' ');
        onSample(name, labels, sampleValue(sp === -1 ? valueText : valueText.slice(0, sp)));
      }
    }
    pos = end + 1;
  }
}

/** Every sample of a whole response whose name passes `want` (all by default), as owned objects. */
export function parsePrometheusText(text: string, want: SampleFilter = everySample): PrometheusSample[] {
  const out: PrometheusSample[] = [];
  scanPrometheusText(text, want, (name, labels, value) => out.push({ name, labels: { ...labels }, value }));
  return out;
}

/**
 * The streaming form: feed the response's chunks as they arrive with `push`, then `end()`. Only the incomplete last
 * line of a chunk is carried over, so no string of the whole response is ever built.
 */
export class PrometheusTextScanner {
  readonly #want: SampleFilter;
  readonly #onSample: SampleCallback;
  #carry = '';

  constructor(want: SampleFilter, onSample: SampleCallback) {
    this.#want = want;
    this.#onSample = onSample;
  }

  push(chunk: string): void {
    const text = this.#carry + chunk;
    const last = text.lastIndexOf('\n');
    if (last === -1) {
      this.#carry = text;
      return;
    }
    scanPrometheusText(text.slice(0, last + 1), this.#want, this.#onSample);
    this.#carry = text.slice(last + 1);
  }

  end(): void {
    if (this.#carry) scanPrometheusText(this.#carry, this.#want, this.#onSample);
    this.#carry = '';
  }
}
