// docs/security.md promises that the local stack opens nothing beyond the loopback interface. Checked on the running
// stack: every listening TCP socket (and UDP socket outside the ephemeral range) of every process it started (its
// pid files and their descendants), and every port of the port plan, is bound to 127.0.0.1 / ::1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PORTS, readEndpoints } from '@foursignals/stack';

interface Socket {
  proto: string;
  local: string;
  port: number;
  pids: number[];
}

function listening(): Socket[] {
  const r = spawnSync('ss', ['-H', '-l', '-n', '-p', '-t', '-u'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const cols = line.trim().split(/\s+/);
      const local = cols[4]!;
      const port = Number(local.slice(local.lastIndexOf(':') + 1));
      const pids = [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
      return { proto: cols[0]!, local: local.slice(0, local.lastIndexOf(':')), port, pids };
    });
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|\[::ffff:127\.\d+\.\d+\.\d+\])(%lo)?$/;

/** The stack's processes: the pids in <state>/run and all their descendants. */
function stackPids(stateDir: string): Set<number> {
  const run = join(stateDir, 'run');
  const roots = existsSync(run)
    ? readdirSync(run)
        .filter((f) => f.endsWith('.pid'))
        .map((f) => Number(readFileSync(join(run, f), 'utf8').trim()))
        .filter((p) => p > 0 && existsSync(`/proc/${p}`))
    : [];
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const all = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (all.has(ppid) && !all.has(pid)) {
        all.add(pid);
        grew = true;
      }
    }
  }
  return all;
}

describe('the local stack listens on the loopback interface only', () => {
  it('every socket of every stack process, and every port of the plan, is bound to 127.0.0.1 or ::1', () => {
    const stack = readEndpoints();
    const pids = stackPids(stack.state_dir);
    assert.ok(pids.size >= 3, `found only ${pids.size} stack processes under ${stack.state_dir}/run`);
    const plan = new Set<number>(Object.values(PORTS));
    const sockets = listening();
    // An unconnected UDP socket on an ephemeral port is a client socket (the Erlang VM's DNS resolver in
    // RabbitMQ), not a service: every TCP listener and every UDP socket on a port of the plan is checked.
    const service = (s: Socket) => s.proto === 'tcp' || plan.has(s.port) || s.port < 32768;
    const checked = sockets.filter((s) => service(s) && (plan.has(s.port) || s.pids.some((p) => pids.has(p))));
    assert.ok(checked.length >= 5, 'the stack has listening sockets');
    const exposed = checked.filter((s) => !LOOPBACK.test(s.local));
    assert.deepEqual(
      exposed.map((s) => `${s.proto} ${s.local}:${s.port} pids=${s.pids.join(',')}`),
      [],
      'sockets bound beyond the loopback interface',
    );
  });
});
