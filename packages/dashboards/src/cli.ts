// foursignals-dashboards:
//   generate [--out DIR]    writes the rules, dashboards and provisioning files (default: into the repository);
//                           an invalid config prints every problem and exits 2
//   backtest [--influxdb-url URL] [--database DB] [--granularity 1m] [--holdout 10] [--season 0] [--lookback 6h]
//                           measures the business forecasts' error on past data and writes it to InfluxDB
//                           (defaults from INFLUXDB_URL and INFLUXDB_DATABASE); run it periodically, e.g. from cron
import { parseArgs } from 'node:util';
import { backtest, FORECASTS, writeBacktest } from './forecast.ts';
import { REPO_ROOT, renderAll, writeAll } from './generate.ts';

const USAGE =
  'usage: foursignals-dashboards generate [--out DIR]\n' +
  '       foursignals-dashboards backtest [--influxdb-url URL] [--database DB] [--granularity 1m] [--holdout 10] ' +
  '[--season 0] [--lookback 6h]\n';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  let args: ReturnType<typeof parseArgs>['values'];
  try {
    args = parseArgs({
      args: rest,
      options: {
        out: { type: 'string' },
        'influxdb-url': { type: 'string' },
        database: { type: 'string' },
        granularity: { type: 'string' },
        holdout: { type: 'string' },
        season: { type: 'string' },
        lookback: { type: 'string' },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (command === 'generate') {
    let files: Map<string, string>;
    try {
      files = renderAll(REPO_ROOT);
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
      return 2;
    }
    for (const path of writeAll(String(args.out ?? REPO_ROOT), files)) process.stdout.write(`wrote ${path}\n`);
    return 0;
  }
  if (command === 'backtest') {
    const url = String(args['influxdb-url'] ?? process.env.INFLUXDB_URL ?? '');
    const database = String(args.database ?? process.env.INFLUXDB_DATABASE ?? '');
    if (!url || !database) {
      process.stderr.write(`backtest needs --influxdb-url and --database (or INFLUXDB_URL, INFLUXDB_DATABASE)\n`);
      return 2;
    }
    const o = {
      url,
      database,
      granularity: String(args.granularity ?? '1m'),
      holdout: Number(args.holdout ?? 10),
      season: Number(args.season ?? 0),
      lookback: String(args.lookback ?? '6h'),
    };
    let failed = 0;
    for (const f of FORECASTS) {
      try {
        const r = await backtest(f.measurement, o);
        await writeBacktest(r, o);
        process.stdout.write(
          `${f.measurement}: MAPE ${(r.mape * 100).toFixed(1)}%, MAE ${r.mae.toFixed(2)} over ${r.points} intervals of ${o.granularity}\n`,
        );
      } catch (e) {
        failed++;
        process.stderr.write(`${f.measurement}: ${(e as Error).message}\n`);
      }
    }
    return failed === 0 ? 0 : 1;
  }
  process.stderr.write(USAGE);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
