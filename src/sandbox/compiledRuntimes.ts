// One compiled module per distinct runtime in the process: images that run the same wasm file
// (py311-base and every layered image on it) share its machine code, and so do all their
// workers (a Module posted to a worker thread is not compiled again). V8 does not notice that
// two compilations have the same bytes: each kept its own tens of MiB of code.
import { sha256Hex } from '../runtime/artifacts.js';

const byDigest = new Map<string, Promise<WebAssembly.Module>>();

/** What the compiled modules are kept by: sha256 of the wasm bytes (DormantPool compares it too). */
export const runtimeDigest = (wasm: Uint8Array): string => sha256Hex(wasm);

/** The compiled module for these wasm bytes, compiled on first use. */
export function compileRuntime(wasm: Uint8Array): Promise<WebAssembly.Module> {
  const digest = runtimeDigest(wasm);
  let compiled = byDigest.get(digest);
  if (!compiled) {
    compiled = WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>);
    byDigest.set(digest, compiled);
    compiled.catch(() => byDigest.delete(digest)); // a failed compile is not remembered
  }
  return compiled;
}

/** The module compiled in this thread for wasm bytes of this sha256, if any (not compiling). */
export function compiledRuntimeFor(digest: string): Promise<WebAssembly.Module> | undefined {
  return byDigest.get(digest);
}
