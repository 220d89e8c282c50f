// Which image a request runs in when neither the request nor its course names one: content
// that uses numpy goes to the numpy image (its snapshot has numpy imported), the rest to the
// default image (a smaller snapshot, so a cheaper restore per request).
import { LAZY_IMPORTS } from './capaProlog.js';

/** Does this code use numpy? capa's prolog is skipped: it names numpy lazily for every problem. */
export function usesNumpy(code: string): boolean {
  const at = code.indexOf(LAZY_IMPORTS);
  const script = at >= 0 ? code.slice(at + LAZY_IMPORTS.length) : code;
  return /\bnumpy\b|\bnp\./.test(script);
}
