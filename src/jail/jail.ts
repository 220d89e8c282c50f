// The JailService: codejail's jail_code and safe_exec on top of the warm sandbox pool.
import { availableParallelism } from 'node:os';
import { loadBaseImage } from '../runtime/baseImage.js';
import type { RuntimeImage } from '../runtime/image.js';
import { FUEL_PER_CPU_SECOND } from '../sandbox/fuel.js';
import { RejectedRunError } from '../sandbox/errors.js';
import { DormantPool } from '../sandbox/DormantPool.js';
import { startSandbox, type Sandbox } from '../sandbox/Sandbox.js';
import { collectGarbage } from '../sandbox/collectGarbage.js';
import { trimMalloc } from '../sandbox/mallocTrim.js';
import type { RunRequest } from '../sandbox/types.js';
import { buildJailRun, DEFAULT_IDLE_WORKER_MS, DEFAULT_RUN_SETTINGS, type RunSettings } from './jailRun.js';
import { effectiveLimits, defaultPolicy } from './limits.js';
import { DEFAULT_ANSWER_LIMIT_BYTES, readSafeExecOutputOffThread } from './runOutput.js';
import { checkJailCodeRequest, checkSafeExecRequest, type CheckedJailCodeRequest } from './request.js';
import { buildSafeExecStdin, buildSafeExecWrapper } from './wrapper.js';
import {
  BadRequestError, type JailCodeRequest, type JailCodeResult, type JailService, type LimitPolicy,
  type PoolStats, type SafeExecRequest, type SafeExecResult,
} from './types.js';

export interface JailOptions {
  policy: LimitPolicy;
  /** Most workers per image: the default image keeps `warmWorkers` of them running; the others,
   * and every other image's, start on the requests that wait for them and stop after
   * `idleWorkerMs` idle. */
  workers: number;
  /** Workers of the default image kept running while idle (default: all `workers`). */
  warmWorkers?: number;
  /** How long an idle worker beyond the warm ones lives (0: until shutdown). */
  idleWorkerMs?: number;
  queueLimit: number;
  outputLimitBytes: number;
  /** Bound on the text an answer carries (emsg, globals); DEFAULT_ANSWER_LIMIT_BYTES when absent. */
  answerLimitBytes?: number;
  /** Commands jail_code accepts (codejail's configure()); 'python' by default. */
  commands?: string[];
  /** A single image (tests, tools); ignored when `images` is given. */
  image?: RuntimeImage;
  /** Several images by name, each with its own warm snapshot and workers. */
  images?: Map<string, RuntimeImage>;
  /** Image for requests that name none and whose course has no mapping. */
  defaultImage?: string;
  /** limit_overrides_context (course key) -> image name. */
  courseImages?: Record<string, string>;
  /** Where `images` were loaded from (their image configuration; undefined: the repository's).
   * Given, every image other than the default that no course is mapped to is dormant: it keeps
   * only its snapshot, compressed, until a request names it, and is read from there again (DormantPool). */
  imageSource?: { configPath?: string };
  settings?: Partial<RunSettings>;
}

export class Jail implements JailService {
  constructor(
    private readonly sandboxes: Map<string, Sandbox>,
    private readonly defaultImage: string,
    private readonly courseImages: Record<string, string>,
    private readonly policy: LimitPolicy,
    private readonly settings: RunSettings,
    private readonly commands: Set<string>,
    private readonly answerLimitBytes: number,
  ) {}

  /** Image names, the default first. */
  get images(): string[] {
    return [this.defaultImage, ...[...this.sandboxes.keys()].filter((n) => n !== this.defaultImage)];
  }

  /** sha256 of the default image's snapshot (the same on every machine). */
  get snapshotDigest(): string {
    return this.sandboxes.get(this.defaultImage)!.snapshotDigest;
  }

  snapshotBytes(image = this.defaultImage): number {
    return this.sandboxes.get(image)?.snapshotBytes ?? 0;
  }

  /** The request's image, else the course's, else the default. Never chosen from the code: what a
   * script imports (through any library on python_path too) is not visible in its text. */
  resolveImage(image: string | null | undefined, context: string | null | undefined): string {
    const course = context && Object.prototype.hasOwnProperty.call(this.courseImages, context) ? this.courseImages[context] : undefined;
    const name = image || course || this.defaultImage;
    if (!this.sandboxes.has(name)) {
      throw new BadRequestError('image', `image: unknown image '${name}' (available: ${this.images.join(', ')})`);
    }
    return name;
  }

  async jailCode(req: JailCodeRequest): Promise<JailCodeResult> {
    return this.run(checkJailCodeRequest(req));
  }

  /** A checked request, run in its image. */
  private async run(req: CheckedJailCodeRequest): Promise<JailCodeResult> {
    if (!this.commands.has(req.command)) {
      throw new BadRequestError('command', `jail_code needs to be configured for '${req.command}'`);
    }
    const image = this.resolveImage(req.image, req.limitOverridesContext);
    const limits = effectiveLimits(this.policy, req.limitOverridesContext, req.limits);
    let run;
    try {
      run = await this.sandboxes.get(image)!.pool.run(buildJailRun(req, limits, this.settings, req.seed ?? null), req.signal);
    } catch (e) {
      throw e instanceof RejectedRunError ? new BadRequestError(e.field, e.message) : e;
    }
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, run, effectiveLimits: limits, image };
  }

  async safeExec(request: SafeExecRequest): Promise<SafeExecResult> {
    const req = checkSafeExecRequest(request);
    const result = await this.run({
      ...req,
      command: 'python',
      code: buildSafeExecWrapper(req.pythonPath),
      argv: [],
      stdin: new TextEncoder().encode(buildSafeExecStdin(req.code, req.globalsJson)),
    });
    const { status, stdout, stderr, run, effectiveLimits: limits, image } = result;

    // The run's bytes are moved to the reading thread and back (the old views are then empty).
    const read = await readSafeExecOutputOffThread(status, stdout, stderr, this.answerLimitBytes);
    const out = read.output;
    const moved = { ...run, stdout: read.stdout, stderr: read.stderr };
    if (!out.ok) return { ...out, status, stdout: read.stdout, stderr: read.stderr, run: moved, effectiveLimits: limits, image };
    return { ok: true, globalsJson: out.globalsJson, run: moved, effectiveLimits: limits, image };
  }

  stats(): PoolStats {
    const per: Record<string, Omit<PoolStats, 'images'>> = {};
    const total = { workers: 0, busy: 0, idle: 0, queued: 0, queueLimit: 0, replacements: 0, watchdogTerminations: 0 };
    for (const [name, sb] of this.sandboxes) {
      const s = sb.pool.stats();
      per[name] = s;
      for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += s[k];
    }
    return this.sandboxes.size > 1 ? { ...total, images: per } : total;
  }

  async close(): Promise<void> {
    await Promise.all([...this.sandboxes.values()].map((sb) => sb.pool.close()));
  }
}

/** Give back what loading and starting left behind once the caller dropped the images: garbage
 * V8 would not collect soon in an idle process (the images' wasm bytes and boot files; the
 * jail keeps neither), and freed pages glibc keeps in the threads' malloc arenas (mallocTrim.ts). */
export function releaseFreedMemory(): void {
  collectGarbage();
  trimMalloc();
}

/** Requests run before the snapshot so that the first real request is already warm. */
export function warmupRuns(settings: RunSettings): RunRequest[] {
  const policy = defaultPolicy();
  const limits = effectiveLimits(policy, null, { CPU: 0, REALTIME: 0 });
  const wrapper = buildJailRun(checkJailCodeRequest({
    command: 'python',
    code: buildSafeExecWrapper([]),
    stdin: buildSafeExecStdin('import random\nx = [random.randint(1, 9) for _ in range(3)]\ny = "%s" % x', '{"a": 1, "b": [1.5, "s", null, true]}'),
  }), limits, settings, 0);
  const script = buildJailRun(checkJailCodeRequest({ command: 'python', code: 'import sys\nprint(sys.argv)\n', argv: ['a'] }), limits, settings, 0);
  return [wrapper, wrapper, script, wrapper];
}

export async function createJail(options: JailOptions): Promise<Jail> {
  const settings: RunSettings = {
    ...DEFAULT_RUN_SETTINGS,
    fuelPerSecond: FUEL_PER_CPU_SECOND,
    outputLimitBytes: options.outputLimitBytes,
    ...options.settings,
  };
  const single = options.images ? undefined : (options.image ?? loadBaseImage());
  const images = options.images ?? new Map([[single!.name, single!]]);
  const defaultImage = options.defaultImage ?? images.keys().next().value!;
  if (!images.has(defaultImage)) throw new Error(`default image ${defaultImage} is not among the images (${[...images.keys()].join(', ')})`);
  for (const [course, name] of Object.entries(options.courseImages ?? {})) {
    if (!images.has(name)) throw new Error(`course ${course} is mapped to unknown image ${name}`);
  }
  const sandboxes = new Map<string, Sandbox>();
  try {
    const mapped = new Set(Object.values(options.courseImages ?? {}));
    const workers = options.workers > 0 ? options.workers : availableParallelism();
    // One after the other: building a snapshot is CPU-bound work on this thread (or, for a
    // dormant image, on a thread of its own).
    for (const [name, image] of images) {
      if (options.imageSource && name !== defaultImage && !mapped.has(name)) {
        // Built once now (a broken image fails the start), then only its snapshot kept, compressed,
        // until a request names it.
        const pool = await DormantPool.start({
          image: { name, configPath: options.imageSource.configPath },
          workers, idleRetireMs: options.idleWorkerMs ?? DEFAULT_IDLE_WORKER_MS, queueLimit: options.queueLimit,
          warmups: warmupRuns(settings),
        });
        sandboxes.set(name, { pool, snapshotDigest: pool.snapshotDigest, snapshotBytes: pool.snapshotBytes });
        continue;
      }
      sandboxes.set(name, await startSandbox({
        image,
        workers,
        // Only the default image's workers wait warm: an instance of every image was most of an
        // idle service's memory (ADR 0012); a snapshot is still made now, so a worker of another
        // image starts by restoring it, without booting.
        warmWorkers: name === defaultImage ? options.warmWorkers : 0,
        idleRetireMs: options.idleWorkerMs ?? DEFAULT_IDLE_WORKER_MS,
        queueLimit: options.queueLimit,
        warmups: warmupRuns(settings),
      }));
    }
  } catch (err) {
    await Promise.all([...sandboxes.values()].map((sb) => sb.pool.close()));
    throw err;
  }
  return new Jail(sandboxes, defaultImage, options.courseImages ?? {}, options.policy, settings, new Set(options.commands ?? ['python']),
    options.answerLimitBytes ?? DEFAULT_ANSWER_LIMIT_BYTES);
}
