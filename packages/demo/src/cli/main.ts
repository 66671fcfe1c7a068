#!/usr/bin/env node
// `npm run demo -- <command>`: the company in miniature and its load.
//   up [--rate N]            company + steady load in the background (pid files under <state_dir>/demo)
//   down                     stop what `up` started
//   status                   what is running
//   load [--rate N] [--duration S] [--users N] [--no-bursts] [--out FILE] [--json]
//                            run the load generator in the foreground and print its count
//   fault <name> on|off      flip a fault switch: worker-stop, slow-queries, s3-errors, poison, connection-leak, order-flood
//   faults [clear]           show (or clear) the fault switches
//   signals [--json] [--watch] [--interval S]   the seed's table, read back from Prometheus
//   page [--port N]          the seed's table as a web page (default port: the stack's plan, 29400)
//   start [--rate N]         up + the web page + live signals view; Ctrl-C stops what it started
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PORTS, readEndpoints } from '@foursignals/stack';
import { FAULT_NAMES, type FaultName, noFaults, readFaults, writeFaults } from '../common/faults.ts';
import { runLoad } from '../loadgen/engine.ts';
import { startSignalsPage } from '../signals/page.ts';
import { printSignals, watchSignals } from '../signals/view.ts';
import { DEFAULT_PORTS, demoDown, demoStatus, demoUp, ensureDir, faultsFile } from '../supervisor.ts';

const USAGE = `usage: npm run demo -- up [--rate N] | down | status | load [--rate N] [--duration S] [--out FILE] [--json]
       | fault <${Object.keys(FAULT_NAMES).join('|')}> on|off | faults [clear] | signals [--json] [--watch] [--interval S] | page [--port N] | start [--rate N] [--port N]`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      rate: { type: 'string' },
      duration: { type: 'string' },
      users: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      watch: { type: 'boolean' },
      interval: { type: 'string' },
      port: { type: 'string' },
      'no-bursts': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [cmd, ...rest] = positionals;
  if (values.help || !cmd) {
    console.log(USAGE);
    return cmd || values.help ? 0 : 2;
  }
  const num = (v: string | undefined, name: string, dflt: number): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a non-negative number, got ${v}`);
    return n;
  };
  const endpoints = readEndpoints();
  switch (cmd) {
    case 'up':
      await demoUp({ endpoints, rate: num(values.rate, 'rate', 20) });
      return 0;
    case 'down':
      await demoDown(endpoints);
      return 0;
    case 'status': {
      const st = demoStatus(endpoints);
      if (values.json) console.log(JSON.stringify(st));
      else if (!st.length) console.log('demo: not running');
      else for (const p of st) console.log(`${p.name.padEnd(11)} pid ${p.pid} ${p.running ? 'running' : 'exited'}`);
      return 0;
    }
    case 'load': {
      const ac = new AbortController();
      process.once('SIGTERM', () => ac.abort());
      process.once('SIGINT', () => ac.abort());
      const out = values.out;
      const targets = {
        'mes-api': process.env.DEMO_MES_API_URL ?? `http://127.0.0.1:${DEFAULT_PORTS['mes-api']}`,
        'shop-api': process.env.DEMO_SHOP_API_URL ?? `http://127.0.0.1:${DEFAULT_PORTS['shop-api']}`,
        'crm-api': process.env.DEMO_CRM_API_URL ?? `http://127.0.0.1:${DEFAULT_PORTS['crm-api']}`,
      };
      let lastWrite = 0;
      const result = await runLoad({
        targets,
        rate: num(values.rate, 'rate', 20),
        durationSec: num(values.duration, 'duration', 60),
        users: num(values.users, 'users', 400),
        burstEverySec: values['no-bursts'] ? 0 : 60,
        faultsFile: faultsFile(endpoints),
        signal: ac.signal,
        onProgress: (sent, counter) => {
          if (out && Date.now() - lastWrite >= 5000) {
            lastWrite = Date.now();
            ensureDir(out);
            writeFileSync(out, `${JSON.stringify({ running: true, sent, counts: counter.rows() }, null, 1)}\n`);
          }
        },
      });
      if (out) {
        ensureDir(out);
        writeFileSync(out, `${JSON.stringify({ running: false, ...result }, null, 1)}\n`);
      }
      if (values.json) console.log(JSON.stringify(result, null, 1));
      else {
        console.log(`sent ${result.sent} requests (${result.skipped} skipped: too many in flight)`);
        for (const r of result.counts)
          console.log(
            `${String(r.count).padStart(7)}  ${r.service.padEnd(9)} ${r.method.padEnd(6)} ${r.status}  ${r.route || '(no route)'}`,
          );
      }
      return 0;
    }
    case 'fault': {
      const [name, state] = rest;
      if (!name || !(name in FAULT_NAMES) || (state !== 'on' && state !== 'off')) {
        console.error(USAGE);
        return 2;
      }
      const file = faultsFile(endpoints);
      const f = readFaults(file);
      f[FAULT_NAMES[name as FaultName]] = state === 'on';
      writeFaults(file, f);
      console.log(`fault ${name} ${state}`);
      return 0;
    }
    case 'faults': {
      const file = faultsFile(endpoints);
      if (rest[0] === 'clear') writeFaults(file, noFaults());
      console.log(JSON.stringify(readFaults(file), null, 2));
      return 0;
    }
    case 'signals':
      if (values.watch) {
        await watchSignals(endpoints, num(values.interval, 'interval', 5));
        return 0;
      }
      return (await printSignals(endpoints, values.json ?? false)) ? 0 : 1;
    case 'page': {
      const page = await startSignalsPage(endpoints, num(values.port, 'port', PORTS.signalsPage));
      console.log(`the seed's signals as a web page: ${page.url}  (Ctrl-C stops)`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await page.close();
      return 0;
    }
    case 'start': {
      const started = await demoUp({ endpoints, rate: num(values.rate, 'rate', 20) });
      const page = await startSignalsPage(endpoints, num(values.port, 'port', PORTS.signalsPage)).catch(
        (err: Error) => {
          console.error(`demo: the web page could not start (${err.message}); the terminal view goes on`);
          return undefined;
        },
      );
      try {
        await watchSignals(endpoints, num(values.interval, 'interval', 5), page?.url);
      } finally {
        await page?.close();
        // Ctrl-C stops only what this command started
        if (started) await demoDown(endpoints);
      }
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
