#!/usr/bin/env node
// npm run stack -- up|down|status [--json]|logs [service] [-n N]|restart <service>|rabbitmqctl ...|psql ...
import { spawnSync } from 'node:child_process';
import { tail } from './daemon.ts';
import { PORTS } from './ports.ts';
import { rabbitmqTool } from './services/rabbitmq.ts';
import { context, down, endpoints, select, status, up } from './stack.ts';

const USAGE = `usage: npm run stack -- <command>
  up [service...]        install what is missing, start the stack (idempotent)
  down [service...]      stop what up started
  status [--json]        service states and endpoints
  logs [service] [-n N]  last N log lines (default 40) of one or every service
  restart <service...>   stop then start services (e.g. rabbitmq)
  rabbitmqctl <args>     rabbitmqctl against the stack's node
  psql [args]            psql as the superuser on the stack's cluster
  ports                  the port plan`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const ctx = context();
  switch (cmd) {
    case 'up':
      await up(ctx, select(rest));
      return 0;
    case 'down':
      await down(ctx, select(rest));
      return 0;
    case 'restart': {
      if (rest.length === 0) throw new Error('restart needs a service name');
      const services = select(rest);
      await down(ctx, services);
      await up(ctx, services);
      return 0;
    }
    case 'status': {
      const states = await status(ctx);
      if (rest.includes('--json')) {
        process.stdout.write(`${JSON.stringify({ ...endpoints(ctx), services: states }, null, 2)}\n`);
      } else {
        for (const [name, state] of Object.entries(states)) process.stdout.write(`${name.padEnd(14)} ${state}\n`);
        process.stdout.write('\n');
        for (const [k, v] of Object.entries(endpoints(ctx))) process.stdout.write(`${k.padEnd(28)} ${v}\n`);
      }
      return Object.values(states).every((s) => s === 'ready') ? 0 : 3;
    }
    case 'logs': {
      const nIdx = rest.indexOf('-n');
      const n = nIdx >= 0 ? Number(rest[nIdx + 1]) : 40;
      const names = rest.filter((a, i) => a !== '-n' && i !== nIdx + 1);
      for (const s of select(names))
        process.stdout.write(`==> ${s.name} (${s.logFile(ctx)})\n${tail(s.logFile(ctx), n)}\n\n`);
      return 0;
    }
    case 'rabbitmqctl':
      return rabbitmqTool(ctx, 'rabbitmqctl', rest, true).status ?? 1;
    case 'psql': {
      const e = endpoints(ctx);
      const r = spawnSync('psql', [e.postgres_url ?? '', ...rest], { stdio: 'inherit' });
      return r.status ?? 1;
    }
    case 'ports':
      for (const [k, v] of Object.entries(PORTS)) process.stdout.write(`${k.padEnd(20)} 127.0.0.1:${v}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command: ${cmd}\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`\nstack: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
