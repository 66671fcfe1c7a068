// Process and runtime readings, taken only when a reader collects (nothing runs per request). The event-loop delay
// histogram is Node's own (perf_hooks.monitorEventLoopDelay), sampled every 20 ms.
import type { EventLoopUtilization } from 'node:perf_hooks';

const os = process.getBuiltinModule('node:os');
const v8 = process.getBuiltinModule('node:v8');
const { monitorEventLoopDelay } = process.getBuiltinModule('node:perf_hooks');

export interface RuntimeReading {
  cpuUser: number;
  cpuSystem: number;
  cpuTimeUser: number;
  cpuTimeSystem: number;
  rss: number;
  heap: { space: string; used: number; size: number }[];
  elu: number;
  delayP99: number;
  delayMax: number;
  delayMean: number;
}

export class RuntimeSampler {
  private lastCpu = process.cpuUsage();
  private lastTime = performance.now();
  private lastElu: EventLoopUtilization = performance.eventLoopUtilization();
  private readonly delay: ReturnType<typeof monitorEventLoopDelay>;
  private readonly cpus: number;

  constructor() {
    this.delay = monitorEventLoopDelay({ resolution: 20 });
    this.delay.enable();
    this.cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length || 1;
  }

  read(): RuntimeReading {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const elapsedMicros = Math.max(1, (now - this.lastTime) * 1000) * this.cpus;
    const user = (cpu.user - this.lastCpu.user) / elapsedMicros;
    const system = (cpu.system - this.lastCpu.system) / elapsedMicros;
    this.lastCpu = cpu;
    this.lastTime = now;
    const elu = performance.eventLoopUtilization(this.lastElu);
    this.lastElu = performance.eventLoopUtilization();
    const d = this.delay;
    const reading: RuntimeReading = {
      cpuUser: user,
      cpuSystem: system,
      cpuTimeUser: cpu.user / 1e6,
      cpuTimeSystem: cpu.system / 1e6,
      rss: process.memoryUsage.rss(),
      heap: v8
        .getHeapSpaceStatistics()
        .map((s) => ({ space: s.space_name, used: s.space_used_size, size: s.space_size })),
      elu: elu.utilization,
      delayP99: d.count > 0 ? d.percentile(99) / 1e9 : 0,
      delayMax: d.count > 0 ? d.max / 1e9 : 0,
      delayMean: d.count > 0 ? d.mean / 1e9 : 0,
    };
    d.reset();
    return reading;
  }

  stop(): void {
    this.delay.disable();
  }
}
