// A load process: one client, `inFlight` closed-loop lanes issuing the workload, latencies recorded
// into a histogram only between the coordinator's 'measure' and 'stop'. Run by fork(); exits after
// reporting. Never measures warm-up requests.
import { Histogram } from './histogram.js';
import { type LoadDriver, openDriver } from './load-driver.js';
import type { CoordinatorMessage, WorkerConfig, WorkerMessage } from './worker-protocol.js';
import { issue, makeKeys, makeValue } from './workload.js';

class LoadProcess {
  private readonly histogram = new Histogram();
  private readonly drivers: LoadDriver[];
  private readonly keys: Buffer[];
  private readonly value: Buffer;
  private readonly random: Uint32Array;
  private measuring = false;
  private stopping = false;
  private completed = 0;
  private errors = 0;
  private firstError: string | null = null;
  private limitReported = false;

  constructor(private readonly config: WorkerConfig) {
    this.drivers = config.spread
      ? config.endpoints.map((endpoint) => openDriver(config.system, [endpoint], config.security))
      : [openDriver(config.system, config.endpoints, config.security)];
    this.keys = makeKeys(config.space);
    this.value = makeValue(config.space);
    this.random = new Uint32Array([config.seed >>> 0 || 1]);
  }

  async run(): Promise<void> {
    await Promise.all(
      Array.from({ length: this.config.inFlight }, (_, lane) =>
        this.lane(this.drivers[lane % this.drivers.length]!),
      ),
    );
  }

  measure(): void {
    this.histogram.reset();
    this.completed = 0;
    this.errors = 0;
    this.measuring = true;
  }

  stop(): WorkerMessage {
    this.stopping = true;
    this.measuring = false;
    return {
      type: 'result',
      histogram: this.histogram.toData(),
      completed: this.completed,
      errors: this.errors,
      firstError: this.firstError,
    };
  }

  close(): void {
    for (const driver of this.drivers) driver.close();
  }

  private async lane(driver: LoadDriver): Promise<void> {
    const { workload, requestLimit } = this.config;
    while (!this.stopping) {
      const started = performance.now();
      try {
        await issue(driver, workload, this.keys, this.value, this.random);
        if (this.measuring) {
          this.histogram.record((performance.now() - started) * 1000);
          this.completed += 1;
        }
      } catch (error) {
        if (this.stopping) return;
        if (this.measuring) this.errors += 1;
        this.firstError ??= String((error as Error).message ?? error);
      }
      if (requestLimit !== null && this.completed >= requestLimit && !this.limitReported) {
        this.limitReported = true;
        send({ type: 'limit-reached' });
      }
    }
  }
}

function send(message: WorkerMessage): void {
  process.send?.(message);
}

let load: LoadProcess | null = null;
process.on('message', (message: CoordinatorMessage) => {
  if (message.type === 'config') {
    load = new LoadProcess(message);
    void load.run();
    send({ type: 'running' });
  } else if (message.type === 'measure') {
    load?.measure();
  } else if (load !== null) {
    const result = load.stop();
    process.send?.(result, () => {
      load?.close();
      process.exit(0);
    });
  }
});
process.on('disconnect', () => process.exit(0));
