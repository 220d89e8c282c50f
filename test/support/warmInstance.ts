// A warm interpreter without a pool, for tests that drive PythonInstance directly (its memory,
// restore and limits): the image's snapshot built as start-up builds it, warm-up runs included,
// and instances restored from it.
import { imageFiles, type RuntimeImage } from '../../src/runtime/image.js';
import { imageTree } from '../../src/sandbox/imageTree.js';
import { buildSnapshot } from '../../src/sandbox/Sandbox.js';
import { PythonInstance, type Snapshot } from '../../src/sandbox/PythonInstance.js';
import { buildJailRun, DEFAULT_RUN_SETTINGS } from '../../src/jail/jailRun.js';
import { checkJailCodeRequest } from '../../src/jail/request.js';
import { defaultPolicy, effectiveLimits } from '../../src/jail/limits.js';
import { warmupRuns } from '../../src/jail/jail.js';
import type { CodejailLimits } from '../../src/jail/types.js';
import { FUEL_PER_CPU_SECOND } from '../../src/sandbox/fuel.js';
import type { RunRequest } from '../../src/sandbox/types.js';

/** The jail's run settings, with the service's fuel rate. */
const RUN_SETTINGS = { ...DEFAULT_RUN_SETTINGS, fuelPerSecond: FUEL_PER_CPU_SECOND };

export interface WarmImage {
  module: WebAssembly.Module;
  snapshot: Snapshot;
  /** A new instance restored from the snapshot, as a pool's worker starts one. */
  instance(): PythonInstance;
}

export async function warmImage(image: RuntimeImage): Promise<WarmImage> {
  const { module, snapshot } = await buildSnapshot(image, warmupRuns(RUN_SETTINGS));
  const layers = imageTree(imageFiles(image));
  return { module, snapshot, instance: () => PythonInstance.fromSnapshot(module, layers, snapshot) };
}

export async function warmInstance(image: RuntimeImage): Promise<{ instance: PythonInstance; snapshot: Snapshot }> {
  const warm = await warmImage(image);
  return { instance: warm.instance(), snapshot: warm.snapshot };
}

/** `python` running `code` (jail_code's request), under codejail's limits as `limits` override
 * them; reproducible randomness from `seed` (1 unless given). */
export function pythonRun(code: string, limits: Partial<CodejailLimits>,
  opts: { argv?: string[] | undefined; stdin?: string; seed?: number } = {}): RunRequest {
  const { argv, stdin, seed = 1 } = opts;
  return buildJailRun(checkJailCodeRequest({ command: 'python', code, ...(argv ? { argv } : {}), ...(stdin !== undefined ? { stdin } : {}) }),
    effectiveLimits(defaultPolicy(), null, limits), RUN_SETTINGS, seed);
}
