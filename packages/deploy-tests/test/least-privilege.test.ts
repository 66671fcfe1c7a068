// The least-privilege users of docs/security.md, created with the exact SQL / API calls the doc gives, against the
// local stack's real PostgreSQL and RabbitMQ (in a scratch database / vhost): they can read what the receivers
// read, and nothing else.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promLabel, promName } from '@foursignals/metric-spec';
import { type Endpoints, readEndpoints } from '@foursignals/stack';
import { promQuery } from '@foursignals/test-support';
import { connect } from 'amqplib';
import pg from 'pg';
import { METRICS as PG } from '../../receiver-postgresql/src/metrics.ts';
import { METRICS as RMQ } from '../../receiver-rabbitmq/src/metrics.ts';
import { startCollector } from '../src/collector.ts';
import { generateCerts } from '../src/net.ts';
import { REPO } from '../src/tools.ts';

const suffix = randomBytes(4).toString('hex');
let stack: Endpoints;

function psql(url: string, args: string[]): string {
  const r = spawnSync('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], { encoding: 'utf8' });
  assert.equal(r.error, undefined, 'psql (Debian postgresql-client, installed by the stack) is missing');
  assert.equal(r.status, 0, `psql ${args.join(' ')}:\n${r.stderr}`);
  return r.stdout;
}

function withDatabase(url: string, database: string, user?: { name: string; password: string }): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user) {
    u.username = user.name;
    u.password = user.password;
  }
  return u.toString();
}

interface ReceiversRun {
  /** Polls Prometheus for the metric names of this run's instance until `done` holds (or 90 s pass). */
  waitFor(done: (names: string[]) => boolean): Promise<string[]>;
  query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  output(): string;
  detail(): string;
}

/**
 * Runs the real receivers process (`otel-receivers`) with the given receiver block and the exporter block of the
 * deploy configs (OTLP/HTTP over TLS with the bearer token) against a gateway started for the test (auth + TLS
 * overlays) that writes to the stack's Prometheus.
 */
async function withReceivers(
  instance: string,
  receiverBlock: string[],
  env: Record<string, string>,
  body: (run: ReceiversRun) => Promise<void>,
): Promise<void> {
  const certs = generateCerts();
  const gateway = await startCollector({
    name: `gateway-${instance}`,
    overlays: ['auth', 'tls', 'gateway'],
    env: {
      PROMETHEUS_REMOTE_WRITE_URL: `${stack.prometheus_url}/api/v1/write`,
      INFLUXDB_URL: stack.influxdb_url,
      INFLUXDB_V1_COMPATIBILITY: 'true',
      INFLUXDB_DATABASE: stack.influxdb_database,
      COLLECTOR_BEARER_TOKEN_FILE: certs.tokenFile,
      COLLECTOR_TLS_CERT_FILE: certs.certFile,
      COLLECTOR_TLS_KEY_FILE: certs.keyFile,
    },
  });
  const config = join(mkdtempSync(join(tmpdir(), 'foursignals-receivers-')), 'receivers.yaml');
  writeFileSync(
    config,
    [
      'receivers:',
      ...receiverBlock,
      'exporters:',
      '  otlphttp:',
      `    endpoint: https://localhost:${gateway.ports.http}`,
      '    interval: 2s',
      '    headers:',
      `      Authorization: Bearer \${env:FOURSIGNALS_OTLP_TOKEN}`,
      'resource:',
      '  service.name: deploy-tests-receivers',
      `  service.instance.id: ${instance}`,
      '',
    ].join('\n'),
  );
  const receivers = spawn(
    process.execPath,
    [join(REPO, 'packages', 'receivers', 'src', 'cli.ts'), '--config', config],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        FOURSIGNALS_OTLP_TOKEN: certs.token,
        NODE_EXTRA_CA_CERTS: certs.caFile,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const collect = (d: Buffer) => {
    output += d.toString();
  };
  receivers.stdout!.on('data', collect);
  receivers.stderr!.on('data', collect);
  const query = (promql: string) => promQuery(promql, stack.prometheus_url);
  const run: ReceiversRun = {
    async waitFor(done) {
      const deadline = Date.now() + 90_000;
      let names: string[] = [];
      while (Date.now() < deadline && receivers.exitCode === null) {
        names = (await query(`count by (__name__) ({instance="${instance}"})`)).map((x) => x.metric.__name__!);
        if (done(names)) break;
        await new Promise((r) => setTimeout(r, 2000));
      }
      return names;
    },
    query,
    output: () => output,
    detail: () => `receivers output:\n${output.slice(-3000)}\ngateway log:\n${gateway.log().slice(-2000)}`,
  };
  try {
    await body(run);
  } finally {
    if (receivers.exitCode === null && receivers.signalCode === null) {
      const exited = new Promise((r) => receivers.once('exit', r));
      receivers.kill('SIGTERM');
      await exited;
    }
    await gateway.stop();
  }
}

describe('PostgreSQL: the monitoring role (deploy/compose/postgres/monitoring-role.sql)', () => {
  const db = `fs_deploy_${suffix}`;
  const role = { name: `fs_deploy_monitor_${suffix}`, password: randomBytes(12).toString('hex') };
  let superuser: string;

  before(() => {
    stack = readEndpoints();
    superuser = stack.postgres_url;
    psql(superuser, ['-c', `CREATE DATABASE ${db}`]);
    psql(withDatabase(superuser, db), [
      '-c',
      'CREATE EXTENSION IF NOT EXISTS pg_stat_statements; CREATE TABLE orders (id int, secret text); INSERT INTO orders VALUES (1, $$x$$)',
    ]);
    // Exactly as docs/security.md says (run twice: it is idempotent).
    for (let i = 0; i < 2; i++) {
      psql(superuser, [
        '-v',
        `monitor_role=${role.name}`,
        '-v',
        `monitor_password=${role.password}`,
        '-v',
        `databases='${db}'`,
        '-f',
        join(REPO, 'deploy', 'compose', 'postgres', 'monitoring-role.sql'),
      ]);
    }
  });

  after(() => {
    if (!superuser) return;
    // Best effort: a scratch database left behind (server restarted meanwhile) harms nothing.
    for (const sql of [`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`, `DROP ROLE IF EXISTS ${role.name}`]) {
      const r = spawnSync('psql', [superuser, '-X', '-q', '-c', sql], { encoding: 'utf8' });
      if (r.status !== 0) process.stderr.write(`cleanup: ${sql}: ${r.stderr}\n`);
    }
  });

  it('reads pg_stat_database, pg_stat_activity (with other roles’ queries) and pg_stat_statements', async () => {
    const client = new pg.Client({ connectionString: withDatabase(superuser, db, role) });
    await client.connect();
    try {
      const who = await client.query('SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user');
      assert.deepEqual(who.rows[0], { current_user: role.name, rolsuper: false });
      const dbs = await client.query('SELECT datname, xact_commit FROM pg_stat_database WHERE datname = $1', [db]);
      assert.equal(dbs.rowCount, 1);
      const activity = await client.query(
        `SELECT count(*)::int AS hidden FROM pg_stat_activity
          WHERE backend_type = 'client backend' AND query = '<insufficient privilege>'`,
      );
      assert.equal(activity.rows[0].hidden, 0, 'pg_monitor shows every session’s query');
      const statements = await client.query('SELECT count(*)::int AS n FROM pg_stat_statements');
      assert.ok(statements.rows[0].n > 0);
    } finally {
      await client.end();
    }
  });

  it('cannot read a table or write, and holds at most 5 connections', async () => {
    const client = new pg.Client({ connectionString: withDatabase(superuser, db, role) });
    await client.connect();
    try {
      await assert.rejects(client.query('SELECT * FROM orders'), /permission denied/);
      await assert.rejects(client.query('CREATE TABLE t (x int)'), /read-only transaction|permission denied/);
      const limits = await client.query('SELECT rolconnlimit, rolconfig FROM pg_roles WHERE rolname = current_user');
      assert.equal(limits.rows[0].rolconnlimit, 5);
      assert.ok(limits.rows[0].rolconfig.includes('default_transaction_read_only=on'));
    } finally {
      await client.end();
    }
  });
  it('is all the real PostgreSQL receiver needs: it exports through a TLS + token gateway to Prometheus', async () => {
    const instance = `deploy-tests-pg-${suffix}`;
    await withReceivers(
      instance,
      [
        '  postgresql/deploytest:',
        `    endpoint: \${env:PG_URL}`,
        `    databases: [${db}]`,
        '    top_statements: 5',
        '    collection_interval: 2s',
        '    timeout: 2s',
      ],
      { PG_URL: withDatabase(superuser, db, role) },
      async (run) => {
        const names = await run.waitFor((n) => n.includes(promName(PG.queryCalls)));
        for (const name of [PG.commits, PG.backends, PG.queryCalls].map(promName)) {
          assert.ok(names.includes(name), `${name} not in Prometheus (have ${names.join(', ')})\n${run.detail()}`);
        }
        assert.doesNotMatch(run.output(), /GRANT pg_monitor|permission denied/i, run.detail());
      },
    );
  });
});

describe('RabbitMQ: the monitoring user (docs/security.md)', () => {
  const vhost = `fs-deploy-${suffix}`;
  const user = { name: `fs-deploy-monitor-${suffix}`, password: randomBytes(12).toString('hex') };
  let api: string;
  let admin: string;

  async function call(method: string, path: string, auth: string, body?: unknown): Promise<Response> {
    return fetch(`${api}/api/${path}`, {
      method,
      headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  }
  const v = encodeURIComponent(vhost);

  before(async () => {
    stack = readEndpoints();
    api = stack.rabbitmq_management_url;
    admin = `${stack.rabbitmq_management_user ?? 'guest'}:${stack.rabbitmq_management_password ?? 'guest'}`;
    for (const [method, path, body] of [
      ['PUT', `vhosts/${v}`, undefined],
      // The company's objects: a work queue and its dead-letter exchange + queue.
      ['PUT', `exchanges/${v}/orders.dlx`, { type: 'fanout', durable: true }],
      ['PUT', `queues/${v}/orders`, { durable: true, arguments: { 'x-dead-letter-exchange': 'orders.dlx' } }],
      ['PUT', `queues/${v}/orders.dead`, { durable: true }],
      ['POST', `bindings/${v}/e/orders.dlx/q/orders.dead`, { routing_key: '' }],
      // The doc's commands, through the management API (same effect as rabbitmqctl add_user / set_user_tags /
      // set_permissions).
      ['PUT', `users/${encodeURIComponent(user.name)}`, { password: user.password, tags: 'monitoring' }],
      [
        'PUT',
        `permissions/${v}/${encodeURIComponent(user.name)}`,
        {
          configure: '^foursignals\\.tap\\..*',
          write: '^foursignals\\.tap\\..*',
          read: '^(foursignals\\.tap\\..*|.*\\.dlx)$',
        },
      ],
    ] as const) {
      const r = await call(method, path, admin, body);
      assert.ok(r.ok, `${method} ${path}: ${r.status} ${await r.text()}`);
    }
  });

  after(async () => {
    if (!api) return;
    // Best effort, like the PostgreSQL clean-up.
    await call('DELETE', `users/${encodeURIComponent(user.name)}`, admin).catch(() => undefined);
    await call('DELETE', `vhosts/${v}`, admin).catch(() => undefined);
  });

  it('reads everything the receiver reads from the management API', async () => {
    for (const path of [
      'overview',
      'vhosts',
      `queues/${v}`,
      `policies/${v}`,
      `exchanges/${v}/orders.dlx/bindings/source`,
    ]) {
      const r = await call('GET', path, `${user.name}:${user.password}`);
      assert.equal(r.status, 200, `GET ${path}`);
    }
    const queues = (await (await call('GET', `queues/${v}`, `${user.name}:${user.password}`)).json()) as {
      name: string;
    }[];
    assert.ok(queues.some((q) => q.name === 'orders'));
  });

  it('is all the real RabbitMQ receiver needs: queue depth and a dead letter by reason reach Prometheus', async () => {
    const instance = `deploy-tests-rmq-${suffix}`;
    const amqp = new URL(stack.rabbitmq_url);
    const prometheusBase = stack.rabbitmq_prometheus_url!.replace(/\/metrics$/, '');
    await withReceivers(
      instance,
      [
        '  rabbitmq/deploytest:',
        `    endpoint: ${api}`,
        `    prometheus_endpoint: ${prometheusBase}`,
        `    amqp_endpoint: amqp://${amqp.host}`,
        `    username: ${user.name}`,
        `    password: \${env:RABBITMQ_MONITOR_PASSWORD}`,
        `    include: [{ vhost: "${vhost}" }]`,
        '    collection_interval: 2s',
        '    timeout: 2s',
        '    dead_letters: { discovery_interval: 2s }',
      ],
      { RABBITMQ_MONITOR_PASSWORD: user.password },
      async (run) => {
        // The receiver creates its tap on the dead-letter exchange with the monitoring user's permissions.
        const deadline = Date.now() + 60_000;
        let taps: string[] = [];
        while (Date.now() < deadline && taps.length === 0) {
          const queues = (await (await call('GET', `queues/${v}`, admin)).json()) as {
            name: string;
            consumers?: number;
          }[];
          // Consumed, not only declared: the receiver declares its tap, binds it, then consumes. A dead letter sent
          // between the declaration and the binding reaches no tap (a race this test once lost in CI). Only this
          // receiver's tap (named after its instance): the local stack's own RabbitMQ receiver watches every vhost
          // and may tap this one's DLX too, under its own name (seen in CI: two taps).
          taps = queues
            .filter((q) => /^foursignals\.tap\.[^.]*deploytest\./.test(q.name) && (q.consumers ?? 0) > 0)
            .map((q) => q.name);
          if (taps.length === 0) await new Promise((r) => setTimeout(r, 1000));
        }
        assert.equal(taps.length, 1, `no tap queue was declared, bound and consumed\n${run.detail()}`);
        // One order rejected by its consumer: dead-lettered with reason "rejected".
        const adminUrl = new URL(stack.rabbitmq_url);
        adminUrl.pathname = `/${v}`;
        const conn = await connect(adminUrl.toString());
        try {
          const ch = await conn.createChannel();
          ch.sendToQueue('orders', Buffer.from('order 1'));
          let msg: Awaited<ReturnType<typeof ch.get>> = false;
          for (let i = 0; i < 50 && !msg; i++) {
            msg = await ch.get('orders');
            if (!msg) await new Promise((r) => setTimeout(r, 100));
          }
          assert.ok(msg, 'the order did not arrive');
          ch.nack(msg, false, false);
          await ch.close();
        } finally {
          await conn.close();
        }
        const dead = promLabel(RMQ.deadLettered.name); // the exporter may add suffixes: match the stem
        const names = await run.waitFor((n) => n.some((x) => x.startsWith(dead)));
        const metric = names.find((x) => x.startsWith(dead));
        assert.ok(metric, `no dead-letter metric (have ${names.join(', ')})\n${run.detail()}`);
        let total = 0;
        for (let i = 0; i < 60; i++) {
          // up to 2 min: the tap, the receiver's export and the gateway's remote write each wait their interval on a busy machine
          const rows = await run.query(`sum(${metric}{instance="${instance}"})`);
          total = rows[0]?.value ?? 0;
          if (total >= 1) break;
          await new Promise((r) => setTimeout(r, 2000));
        }
        assert.equal(total, 1, `dead letters counted: ${total}\n${run.detail()}`);
        const byReason = await run.query(`${metric}{instance="${instance}"} > 0`);
        assert.match(JSON.stringify(byReason[0]?.metric ?? {}), /rejected/, run.detail());
        assert.ok(
          names.some((x) => x.startsWith(promName(RMQ.queueMessages))),
          `no queue depth\n${run.detail()}`,
        );
        assert.doesNotMatch(run.output(), /ACCESS_REFUSED|not_authori[sz]ed|\b40[13]\b/, run.detail());
      },
    );
  });

  it('may own and bind its tap queue, but not touch, read or create the company’s queues', async () => {
    const amqp = new URL(stack.rabbitmq_url);
    amqp.username = user.name;
    amqp.password = user.password;
    amqp.pathname = `/${v}`;
    const conn = await connect(amqp.toString());
    try {
      const ch = await conn.createChannel();
      const tap = `foursignals.tap.test.orders.dlx`;
      await ch.assertQueue(tap, { durable: false, autoDelete: true });
      await ch.bindQueue(tap, 'orders.dlx', '');
      await ch.deleteQueue(tap);
      await ch.close();
      for (const attempt of [
        (c: Awaited<ReturnType<typeof conn.createChannel>>) => c.get('orders'),
        (c: Awaited<ReturnType<typeof conn.createChannel>>) => c.assertQueue('new-queue'),
        (c: Awaited<ReturnType<typeof conn.createChannel>>) => c.purgeQueue('orders.dead'),
      ]) {
        const c = await conn.createChannel();
        c.on('error', () => {});
        await assert.rejects(attempt(c), /ACCESS_REFUSED/);
      }
    } finally {
      await conn.close().catch(() => {});
    }
  });
});
