// A program that is not Node (the stack's Perl "MES", no SDK, no bootstrap) watched by its command line: the
// collector's process scraper reports its CPU and memory under its service.name, as the same series the bootstrap
// writes (process_cpu_utilization_ratio, process_memory_usage_bytes). Compared with what the kernel says in /proc
// about the same process over the same minute.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { endpoints, type PromSample, promQuery, waitFor } from './support.ts';

const service = endpoints.mes_service_name;
const pidFile = endpoints.mes_pid_file;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function mesPid(): number {
  assert.ok(service && pidFile, 'the stack has no MES (endpoints.json lacks mes_service_name / mes_pid_file)');
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  assert.ok(Number.isInteger(pid) && pid > 0, `no pid in ${pidFile}`);
  return pid;
}

/** utime + stime in seconds, from /proc/<pid>/stat (fields 14 and 15). */
function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function procRssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  assert.ok(kb, `no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

/** Raw samples [unix seconds, value] of a range selector, per series. */
async function samples(selector: string): Promise<{ metric: Record<string, string>; values: [number, number][] }[]> {
  const url = `${endpoints.prometheus_url}/api/v1/query?${new URLSearchParams({ query: selector })}`;
  const body = (await (await fetch(url)).json()) as {
    status: string;
    error?: string;
    data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
  };
  if (body.status !== 'success') throw new Error(`Prometheus query ${selector} failed: ${body.error}`);
  return body.data.result.map((r) => ({ metric: r.metric, values: r.values.map(([t, v]) => [t, Number(v)]) }));
}

/** Linear interpolation in a time series of [t, y] sorted by t. */
function at(series: [number, number][], t: number): number {
  for (let i = 1; i < series.length; i++) {
    const [t0, y0] = series[i - 1]!;
    const [t1, y1] = series[i]!;
    if (t >= t0 && t <= t1) return y0 + ((y1 - y0) * (t - t0)) / (t1 - t0 || 1);
  }
  throw new Error(`t=${t} outside the sampled /proc window ${series[0]?.[0]}..${series.at(-1)?.[0]}`);
}

describe(`a non-Node process watched by name (${service})`, { concurrency: false }, () => {
  it('is reported under its service.name, as the semantic-convention series, with no command line label', async () => {
    await waitFor(
      `process_memory_usage_bytes{service_name="${service}"}`,
      () => promQuery(`process_memory_usage_bytes{service_name="${service}"}`),
      (r: PromSample[]) => r.length === 1,
      120_000,
    );
    const cpu = await waitFor(
      'process_cpu_utilization_ratio per cpu_mode',
      () => promQuery(`process_cpu_utilization_ratio{service_name="${service}"}`),
      (r: PromSample[]) => r.length >= 2,
      120_000,
    );
    const modes = new Set(cpu.map((s: PromSample) => s.metric.cpu_mode));
    assert.ok(modes.has('user') && modes.has('system'), `cpu_mode labels: ${[...modes]}`);
    const info = await promQuery(`target_info{job="${service}"}`);
    assert.ok(info.length >= 1, 'target_info for the process');
    for (const s of info) {
      assert.equal(s.metric.process_command_line, undefined, 'the command line must not become a label');
      assert.equal(s.metric.process_executable_name, 'perl');
    }
  });

  it('its CPU % is within 5 points of what /proc says over the same minute', async () => {
    const pid = mesPid();
    const cores = cpus().length;
    // /proc sampled every second while the collector scrapes (every 15 s) for a little over a minute.
    const proc: [number, number][] = [];
    const until = Date.now() + 80_000;
    while (Date.now() < until) {
      proc.push([Date.now() / 1000, procCpuSeconds(pid)]);
      await sleep(1_000);
    }
    proc.push([Date.now() / 1000, procCpuSeconds(pid)]);
    const from = proc[0]![0];
    const to = proc.at(-1)![0];
    // Let the last scrape of the window reach Prometheus, then read every sample (all cpu modes) with its time.
    await sleep(20_000);
    const series = await samples(`process_cpu_utilization_ratio{service_name="${service}"}[4m]`);
    const byTime = new Map<number, number>();
    for (const s of series) for (const [t, v] of s.values) byTime.set(t, (byTime.get(t) ?? 0) + v);
    const times = [...byTime.keys()].sort((a, b) => a - b);
    // A sample at t_i is the utilisation since the previous scrape t_(i-1): keep those inside the /proc window.
    let weighted = 0;
    let first: number | undefined;
    let last: number | undefined;
    for (let i = 1; i < times.length; i++) {
      const [t0, t1] = [times[i - 1]!, times[i]!];
      if (t0 < from || t1 > to) continue;
      weighted += byTime.get(t1)! * (t1 - t0);
      first ??= t0;
      last = t1;
    }
    assert.ok(first !== undefined && last !== undefined, `no scrape interval inside ${from}..${to}: ${times}`);
    const span = last - first;
    assert.ok(span >= 44, `the compared window covers ${span.toFixed(0)} s (expected about a minute)`);
    const collectorPercent = (100 * weighted) / span;
    const procPercent = (100 * (at(proc, last) - at(proc, first))) / span / cores;
    assert.ok(procPercent > 1, `the MES should be busy (/proc says ${procPercent.toFixed(2)} %)`);
    assert.ok(
      Math.abs(collectorPercent - procPercent) <= 5,
      `collector ${collectorPercent.toFixed(2)} % vs /proc ${procPercent.toFixed(2)} % of ${cores} CPUs over ${span.toFixed(0)} s`,
    );
  });

  it('its RSS is within 5 % of /proc', async () => {
    const pid = mesPid();
    const [s] = await samples(`process_memory_usage_bytes{service_name="${service}"}[1m]`);
    assert.ok(s && s.values.length > 0, 'no memory sample in the last minute');
    const reported = s.values.at(-1)![1];
    const rss = procRssBytes(pid);
    assert.ok(rss > 32 * 1024 * 1024, `the MES holds its ballast (VmRSS ${rss} bytes)`);
    assert.ok(
      Math.abs(reported - rss) / rss <= 0.05,
      `collector ${reported} bytes vs /proc VmRSS ${rss} bytes (${((100 * (reported - rss)) / rss).toFixed(2)} %)`,
    );
  });
});
