// A warm interpreter without a pool, for tests that drive PythonInstance directly (its memory,
// restore and limits): the image's snapshot built as start-up builds it, warm-up runs included,
// and one instance restored from it.
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

const SETTINGS = { ...DEFAULT_RUN_SETTINGS, fuelPerSecond: FUEL_PER_CPU_SECOND, outputLimitBytes: 1 << 20 };

export async function warmInstance(image: RuntimeImage): Promise<{ instance: PythonInstance; snapshot: Snapshot }> {
  const { module, snapshot } = await buildSnapshot(image, warmupRuns(SETTINGS));
  return { instance: PythonInstance.fromSnapshot(module, imageTree(imageFiles(image)), snapshot), snapshot };
}

/** `python` running `code` (jail_code's request), under codejail's limits as `limits` override them. */
export function pythonRun(code: string, limits: Partial<CodejailLimits>, argv?: string[]): RunRequest {
  return buildJailRun(checkJailCodeRequest({ command: 'python', code, ...(argv ? { argv } : {}) }),
    effectiveLimits(defaultPolicy(), null, limits), SETTINGS, 1);
}
