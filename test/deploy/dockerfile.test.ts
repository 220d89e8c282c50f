// Static checks of the Dockerfile (no engine needed): stages, non-root user, healthcheck,
// no compiler in the final image, and every path it copies exists in the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Instruction { op: string; args: string; line: number }
export interface Stage { name: string | null; base: string; instructions: Instruction[] }

/** A small Dockerfile reader: comments, line continuations, FROM ... AS name stages, ARG defaults. */
export function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let l = lines[i]!;
    if (/^\s*#/.test(l) || l.trim() === '') continue;
    while (/\\\s*$/.test(l) && i + 1 < lines.length) {
      l = l.replace(/\\\s*$/, ' ');
      i++;
      if (!/^\s*#/.test(lines[i]!)) l += lines[i]!;
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/s.exec(l);
    if (!m) throw new Error(`line ${start}: cannot parse ${JSON.stringify(l)}`);
    const op = m[1]!.toUpperCase();
    const rest = m[2]!.trim().replace(/\s+/g, ' ');
    if (op === 'ARG' && stages.length === 0) {
      const [k, v] = rest.split('=');
      args.set(k!, v ?? '');
      continue;
    }
    if (op === 'FROM') {
      const fm = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!fm) throw new Error(`line ${start}: bad FROM`);
      const base = fm[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args.get(a ?? b) ?? '');
      stages.push({ name: fm[2] ?? null, base, instructions: [] });
      continue;
    }
    if (stages.length === 0) throw new Error(`line ${start}: ${op} before FROM`);
    stages[stages.length - 1]!.instructions.push({ op, args: rest, line: start });
  }
  return { args, stages };
}

/** COPY sources and destination, with --from / --chown flags separated. */
function copyParts(args: string): { from: string | null; sources: string[]; dest: string } {
  const words = args.split(' ');
  let from: string | null = null;
  while (words[0]?.startsWith('--')) {
    const f = words.shift()!;
    if (f.startsWith('--from=')) from = f.slice(7);
  }
  const dest = words.pop()!;
  return { from, sources: words, dest };
}

const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const df = parseDockerfile(text);
const final = df.stages[df.stages.length - 1]!;
const finalOps = (op: string) => final.instructions.filter((i) => i.op === op);

test('multi-stage build on node:26 bookworm-slim', () => {
  assert.ok(df.stages.length >= 2, 'at least a build stage and a runtime stage');
  for (const s of df.stages) assert.match(s.base, /^node:26[.\d]*-bookworm-slim(@sha256:[0-9a-f]{64})?$/, `stage ${s.name}`);
  const names = df.stages.map((s) => s.name);
  assert.equal(new Set(names).size, names.length, 'stage names are unique');
});

test('final stage runs as a non-root user', () => {
  const users = finalOps('USER');
  assert.ok(users.length >= 1, 'USER is set');
  const user = users[users.length - 1]!.args.split(':')[0]!;
  assert.notEqual(user, 'root');
  assert.notEqual(user, '0');
  if (/^\d+$/.test(user)) assert.ok(Number(user) >= 1000, 'a non-system UID');
  // And the USER comes after the last RUN (no root steps after it that could leave root-owned state).
  const lastRun = Math.max(-1, ...finalOps('RUN').map((i) => i.line));
  assert.ok(users[users.length - 1]!.line > lastRun);
});

test('HEALTHCHECK probes /health/ and the port is 8550', () => {
  const hc = finalOps('HEALTHCHECK');
  assert.equal(hc.length, 1);
  assert.match(hc[0]!.args, /\/health\//);
  assert.match(hc[0]!.args, /\bCMD\b/);
  assert.deepEqual(finalOps('EXPOSE').map((i) => i.args), ['8550']);
  const env = finalOps('ENV').map((i) => i.args).join(' ');
  assert.match(env, /\bHOST=0\.0\.0\.0\b/);
  assert.match(env, /\bPORT=8550\b/);
  assert.deepEqual(finalOps('CMD').map((i) => i.args), ['["node", "dist/src/server/main.js"]']);
});

test('no compiler or build tooling in the final image', () => {
  const banned = /\b(gcc|g\+\+|clang|make|build-essential|cmake|python3?-dev|libc6-dev|wasi-sdk|apt-get install|npm (ci|install)(?![^&;]*--omit=dev)|npx|tsc)\b/;
  for (const i of finalOps('RUN')) assert.doesNotMatch(i.args, banned, `line ${i.line}: ${i.args}`);
  // Production dependencies only: the deps stage installs with --omit=dev.
  const copies = finalOps('COPY').map((i) => copyParts(i.args));
  const nm = copies.find((c) => c.dest.replace(/\/$/, '').endsWith('node_modules'));
  assert.ok(nm?.from, 'node_modules comes from another stage');
  const depStage = df.stages.find((s) => s.name === nm.from)!;
  assert.ok(depStage.instructions.some((i) => i.op === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args)));
});

test('the service writes nothing: no VOLUME, no writable dirs prepared', () => {
  assert.equal(finalOps('VOLUME').length, 0);
  for (const i of finalOps('RUN')) assert.doesNotMatch(i.args, /chmod\s+(-R\s+)?[0-7]*7{2}|chmod\s+(-R\s+)?a\+w|o\+w/);
});

test('every COPY source exists (in the repo or in an earlier stage) and the runtime has what it needs', () => {
  const stageNames = new Set(df.stages.map((s) => s.name).filter(Boolean));
  for (const s of df.stages) {
    for (const i of s.instructions.filter((x) => x.op === 'COPY' || x.op === 'ADD')) {
      assert.equal(i.op, 'COPY', `line ${i.line}: use COPY, not ADD`);
      const c = copyParts(i.args);
      if (c.from) {
        assert.ok(stageNames.has(c.from), `line ${i.line}: stage ${c.from}`);
        continue;
      }
      for (const src of c.sources) assert.ok(existsSync(join(ROOT, src)), `line ${i.line}: ${src} missing from the repository`);
    }
  }
  const finalSources = finalOps('COPY').flatMap((i) => copyParts(i.args).sources);
  for (const needed of ['package.json', 'python-wasm/dist', 'compat', 'pyclient/codejail_wasm/wrapper.py', 'docs/api']) {
    assert.ok(finalSources.some((s) => { const src = s.replace(/\/$/, ''); return needed === src || needed.startsWith(src + '/'); }),
      `final stage copies ${needed}`);
  }
  assert.ok(finalSources.some((s) => /dist\/src\/?$/.test(s)), 'final stage copies the compiled service');
  // The artifacts the runtime loads at startup (src/runtime/baseImage.ts) are in the repo.
  for (const f of ['python.wasm', 'python311.zip', 'SHA256SUMS']) assert.ok(existsSync(join(ROOT, 'python-wasm/dist', f)));
  assert.ok(existsSync(join(ROOT, 'docs/api/openapi.json')));
});

test('.dockerignore keeps local state out but not what the build copies', () => {
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const p of ['node_modules', 'dist', '.git']) assert.ok(ignored.includes(p), `${p} is ignored`);
  const copied = df.stages.flatMap((s) => s.instructions.filter((i) => i.op === 'COPY').map((i) => copyParts(i.args)))
    .filter((c) => !c.from).flatMap((c) => c.sources);
  for (const art of ['python-wasm/dist/python.wasm', 'python-wasm/dist/python311.zip', 'python-wasm/dist/SHA256SUMS']) copied.push(art);
  for (const src of copied) {
    // As Docker reads it: the last pattern that matches decides, and '!' re-includes.
    let excludedBy: string | null = null;
    for (const pat of ignored) {
      const body = pat.startsWith('!') ? pat.slice(1) : pat;
      const re = new RegExp('^' + body.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '.*').replace(/(?<!\.)\*/g, '[^/]*') + '(/|$)');
      if (re.test(src)) excludedBy = pat.startsWith('!') ? null : pat;
    }
    assert.equal(excludedBy, null, `${src} is excluded by .dockerignore pattern ${excludedBy}`);
  }
});

test('deploy/ci-build-image.sh skips cleanly without a container engine', () => {
  // PATH without docker/podman: the script must say so and succeed.
  const bash = ['/bin/bash', '/usr/bin/bash'].find((p) => existsSync(p)) ?? 'bash';
  const r = spawnSync(bash, [join(ROOT, 'deploy', 'ci-build-image.sh')], {
    encoding: 'utf8', env: { PATH: '/nonexistent', HOME: '/nonexistent' }, cwd: ROOT,
  });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^skipped: no container engine$/m);
  const strict = spawnSync(bash, [join(ROOT, 'deploy', 'ci-build-image.sh')], {
    encoding: 'utf8', env: { PATH: '/nonexistent', CODEJAIL_WASM_REQUIRE_IMAGE_BUILD: '1' }, cwd: ROOT,
  });
  assert.equal(strict.status, 1);
});
