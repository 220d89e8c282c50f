// Two ways to run one security case: through the sandbox (the Jail: warm wasm workers) or,
// in SABOTAGE mode, through the native legacy runner (real python3, real filesystem, no
// isolation). The cases and their assertions are the same for both; in sabotage mode every
// deny_* case must fail because the attack succeeds natively.
import { createServer, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Jail } from '../../src/jail/jail.js';
import type { CodejailLimits, JailFile } from '../../src/jail/types.js';
import { legacyJailCode, legacySafeExec } from '../../src/legacy/nativeCodejail.js';
import { repoRoot } from '../../src/runtime/artifacts.js';
import { loadBaseImage } from '../../src/runtime/baseImage.js';
import { loadImage } from '../../src/runtime/layeredImages.js';
import { startJail } from '../support/jail.js';

export const SABOTAGE = process.env.CODEJAIL_WASM_SABOTAGE === '1';
/** The sandbox defence switched off for this run (sabotage-check's second pass), if any: the
 * cases run in the sandbox, and those that depend on it must fail. */
export const SABOTAGED_DEFENCE = process.env.CODEJAIL_WASM_SABOTAGE_DEFENCE || null;

/** What a case sees of one run, the same shape for both runners. */
export interface CaseResult {
  /** codejail status: exit code, or minus the signal number. */
  status: number;
  stdout: string;
  stderr: string;
  /** Sandbox outcome; natively derived from the status (-24 out_of_fuel, -9 timed_out, other signals crashed). */
  outcome: string;
  limitHit?: string;
  stdoutTruncated: boolean;
  stdoutBytes: number;
  fuelUsed?: number;
  /** Host-side detail of a crash (sandbox only): must never be a host error. */
  detail?: string;
  /** safe_exec only: whether globals came back, and the SafeExecException text otherwise. */
  ok?: boolean;
  emsg?: string;
}

export interface JailCall {
  code: string;
  limits?: Partial<CodejailLimits>;
  stdin?: string;
  argv?: string[];
  files?: JailFile[];
  seed?: number;
  /** Run in the service's default image (its library layers), not the bare runtime. */
  libraries?: boolean;
}

export interface SafeExecCall {
  code: string;
  globalsJson: string;
  limits?: Partial<CodejailLimits>;
  seed?: number;
}

export interface Runner {
  readonly kind: 'sandbox' | 'native';
  /** Concurrency that reaches every worker at least once (sandbox) or 1 (native). */
  readonly spread: number;
  jailCode(call: JailCall): Promise<CaseResult>;
  safeExec(call: SafeExecCall): Promise<CaseResult>;
  /** Pool occupancy (sandbox only). */
  workers(): number | null;
  close(): Promise<void>;
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

function nativeOutcome(status: number): string {
  if (status === -24) return 'out_of_fuel';
  if (status === -9) return 'timed_out';
  if (status < 0) return 'crashed';
  return 'complete';
}

export class SandboxRunner implements Runner {
  readonly kind = 'sandbox' as const;
  /** A jail of the default image, started for the first case that needs its libraries. */
  private libraryJail: Promise<Jail> | null = null;
  private constructor(private readonly jail: Jail, readonly spread: number) {}

  static async start(workers = 2): Promise<SandboxRunner> {
    const jail = await startJail({ workers, queueLimit: 64, outputLimitBytes: 1 << 20 });
    return new SandboxRunner(jail, workers * 2);
  }

  private jailFor(call: JailCall): Promise<Jail> {
    if (!call.libraries) return Promise.resolve(this.jail);
    this.libraryJail ??= startJail({ workers: 1, queueLimit: 64, outputLimitBytes: 1 << 20, image: loadImage() });
    return this.libraryJail;
  }

  async jailCode(call: JailCall): Promise<CaseResult> {
    const jail = await this.jailFor(call);
    const r = await jail.jailCode({
      command: 'python', code: call.code, limits: call.limits ?? {}, stdin: call.stdin ?? null,
      argv: call.argv, files: call.files, seed: call.seed,
    });
    return {
      status: r.status, stdout: text(r.stdout), stderr: text(r.stderr), outcome: r.run.outcome,
      limitHit: r.run.limitHit, stdoutTruncated: r.run.stdoutTruncated, stdoutBytes: r.stdout.length,
      fuelUsed: r.run.fuelUsed, detail: r.run.detail,
    };
  }

  async safeExec(call: SafeExecCall): Promise<CaseResult> {
    const r = await this.jail.safeExec({ code: call.code, globalsJson: call.globalsJson, limits: call.limits, seed: call.seed });
    const base = {
      status: r.ok ? 0 : r.status, outcome: r.run.outcome, limitHit: r.run.limitHit, fuelUsed: r.run.fuelUsed,
      stdoutTruncated: r.run.stdoutTruncated, detail: r.run.detail, ok: r.ok,
    };
    if (r.ok) return { ...base, stdout: r.globalsJson, stderr: text(r.run.stderr), stdoutBytes: r.globalsJson.length };
    return { ...base, stdout: text(r.stdout), stderr: text(r.stderr), stdoutBytes: r.stdout.length, emsg: r.emsg };
  }

  workers(): number {
    return this.jail.stats().workers;
  }

  async close(): Promise<void> {
    await Promise.all([this.jail.close(), this.libraryJail?.then((j) => j.close())]);
  }
}

export class NativeRunner implements Runner {
  readonly kind = 'native' as const;
  readonly spread = 1;

  async jailCode(call: JailCall): Promise<CaseResult> {
    const r = await legacyJailCode({
      command: 'python', code: call.code, stdin: call.stdin ?? null, argv: call.argv, files: call.files,
    }, { limits: call.limits });
    return {
      status: r.status, stdout: text(r.stdout), stderr: text(r.stderr), outcome: nativeOutcome(r.status),
      stdoutTruncated: false, stdoutBytes: r.stdout.length,
    };
  }

  async safeExec(call: SafeExecCall): Promise<CaseResult> {
    const r = await legacySafeExec({ code: call.code, globalsJson: call.globalsJson }, { limits: call.limits });
    if (r.ok) {
      return { status: 0, stdout: r.globalsJson, stderr: '', outcome: 'complete', stdoutTruncated: false, stdoutBytes: r.globalsJson.length, ok: true };
    }
    return { status: r.status, stdout: '', stderr: r.emsg, outcome: nativeOutcome(r.status), stdoutTruncated: false, stdoutBytes: 0, ok: false, emsg: r.emsg };
  }

  workers(): null {
    return null;
  }

  async close(): Promise<void> { /* nothing to stop */ }
}

export async function startRunner(): Promise<Runner> {
  return SABOTAGE ? new NativeRunner() : SandboxRunner.start(2);
}

// ---------------------------------------------------------------------------------------------
// Host fixtures: things on the host that an escape would touch, and listeners that count every
// connection attempt. Attacks target only these (a temp dir we own, loopback ports we listen on),
// so that running them natively in sabotage mode does no harm.

export interface HostContext {
  /** Random token; every name an attack may create on the host contains it. */
  marker: string;
  /** Secret known only to the host: canary file content, canary env var value. */
  secret: string;
  canaryDir: string;
  canaryFile: string;
  canaryEnvName: string;
  tcpPort: number;
  udpPort: number;
  unixPath: string;
  repoRoot: string;
  nodeExe: string;
  hostName: string;
  /** Entries of /usr/lib inside the sandbox, from the runtime image's read-only layers. */
  usrLib: string[];
}

export interface HostState {
  canary: string;
  canaryMtimeMs: number;
  canaryDirEntries: string[];
  markerPaths: string[];
  env: string;
  tcpConnections: number;
  udpPackets: number;
  unixConnections: number;
}

export class HostFixture {
  readonly ctx: HostContext;
  private tcp!: Server;
  private unix!: Server;
  private udp!: UdpSocket;
  private sockets = new Set<Socket>();
  tcpConnections = 0;
  udpPackets = 0;
  unixConnections = 0;
  private readonly canaryContent: string;

  private constructor(ctx: HostContext) {
    this.ctx = ctx;
    this.canaryContent = `canary ${ctx.secret}\n`;
  }

  static async start(): Promise<HostFixture> {
    const marker = `cjwsec${randomBytes(5).toString('hex')}`;
    // In sabotage mode the parent may set the canary at spawn time, so that it is also in this
    // process's initial environment (/proc/PID/environ); otherwise it is made up here.
    const secret = process.env.CODEJAIL_WASM_SECURITY_CANARY ?? `S3CRET-${randomBytes(12).toString('hex')}`;
    const canaryDir = mkdtempSync(join(tmpdir(), `${marker}-`));
    const ctx: HostContext = {
      marker, secret, canaryDir,
      canaryFile: join(canaryDir, 'canary.txt'),
      canaryEnvName: 'CODEJAIL_WASM_SECURITY_CANARY',
      tcpPort: 0, udpPort: 0,
      unixPath: join(canaryDir, 'canary.sock'),
      repoRoot: repoRoot(),
      nodeExe: process.execPath,
      hostName: hostname(),
      usrLib: [...new Set(loadBaseImage({ verify: false }).files
        .filter((f) => f.path.startsWith('/usr/lib/') && !f.bootOnly).map((f) => f.path.split('/')[3]!))].sort(),
    };
    const f = new HostFixture(ctx);
    writeFileSync(ctx.canaryFile, f.canaryContent);
    // A host env var the sandbox must never see (in sabotage mode the parent sets it at spawn
    // time too, so that it is in this process's initial environment, /proc/PID/environ).
    process.env[ctx.canaryEnvName] = secret;
    await f.listen();
    return f;
  }

  private async listen(): Promise<void> {
    const onConn = (count: () => void) => (s: Socket) => {
      count();
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
      // Answer like a tiny HTTP server so that urllib/http.client natively complete.
      s.once('data', () => s.end('HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\npwned\n'));
    };
    this.tcp = createServer(onConn(() => { this.tcpConnections++; }));
    this.unix = createServer(onConn(() => { this.unixConnections++; }));
    await new Promise<void>((r) => this.tcp.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => this.unix.listen(this.ctx.unixPath, r));
    this.udp = createSocket('udp4');
    this.udp.on('message', () => { this.udpPackets++; });
    await new Promise<void>((r) => this.udp.bind(0, '127.0.0.1', r));
    const tcpAddr = this.tcp.address();
    this.ctx.tcpPort = typeof tcpAddr === 'object' && tcpAddr ? tcpAddr.port : 0;
    this.ctx.udpPort = this.udp.address().port;
  }

  /** Everything on the host an escape could have changed. */
  state(): HostState {
    let canary = '';
    let canaryMtimeMs = -1;
    try {
      canary = readFileSync(this.ctx.canaryFile, 'utf8');
      canaryMtimeMs = statSync(this.ctx.canaryFile).mtimeMs;
    } catch { /* deleted: reported as '' */ }
    const markerPaths: string[] = [];
    for (const dir of ['/tmp', tmpdir(), process.cwd(), this.ctx.repoRoot, '/']) {
      try {
        for (const name of readdirSync(dir)) {
          if (name.includes(this.ctx.marker) && join(dir, name) !== this.ctx.canaryDir) markerPaths.push(join(dir, name));
        }
      } catch { /* unreadable: nothing to compare */ }
    }
    return {
      canary, canaryMtimeMs,
      canaryDirEntries: readdirSync(this.ctx.canaryDir).sort(),
      markerPaths: [...new Set(markerPaths)].sort(),
      env: JSON.stringify(Object.entries(process.env).sort(([a], [b]) => (a < b ? -1 : 1))),
      tcpConnections: this.tcpConnections,
      udpPackets: this.udpPackets,
      unixConnections: this.unixConnections,
    };
  }

  /** Undo whatever a (natively successful) attack did, so that later cases start clean. */
  repair(baseline: HostState): void {
    writeFileSync(this.ctx.canaryFile, this.canaryContent);
    for (const name of readdirSync(this.ctx.canaryDir)) {
      if (!baseline.canaryDirEntries.includes(name)) rmSync(join(this.ctx.canaryDir, name), { recursive: true, force: true });
    }
    for (const p of this.state().markerPaths) rmSync(p, { recursive: true, force: true });
    const env = new Map<string, string>(JSON.parse(baseline.env) as [string, string][]);
    for (const k of Object.keys(process.env)) if (!env.has(k)) delete process.env[k];
    for (const [k, v] of env) process.env[k] = v;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.tcp.close(() => r()));
    await new Promise<void>((r) => this.unix.close(() => r()));
    await new Promise<void>((r) => this.udp.close(() => r()));
    delete process.env[this.ctx.canaryEnvName];
    rmSync(this.ctx.canaryDir, { recursive: true, force: true });
  }
}
