#!/usr/bin/env node
// The codejail-wasm command: `run` a script in the sandbox, `compare` it against native codejail.
import { readFileSync } from 'node:fs';
import { COMPARE_USAGE, compareCommand } from './compareCmd.js';
import { processIo, UsageError, writeAll, type Io } from './args.js';
import { RUN_USAGE, runCommand } from './run.js';

const USAGE = `usage: codejail-wasm <command> [options]

commands:
  run       run a Python script in the wasm sandbox (like codejail's jail_code)
  compare   compare scripts, payloads or course problems between native codejail and the sandbox

codejail-wasm <command> --help for the command's options.
`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest, io);
      case 'compare':
        return await compareCommand(rest, io);
      case '--version':
      case '-V':
        await writeAll(io.stdout, `codejail-wasm ${version()}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        await writeAll(command === undefined ? io.stderr : io.stdout, USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    const err = e as Error & { code?: string };
    if (e instanceof UsageError || err.code?.startsWith('ERR_PARSE_ARGS')) {
      const usage = command === 'run' ? RUN_USAGE : command === 'compare' ? COMPARE_USAGE : USAGE;
      await writeAll(io.stderr, `codejail-wasm: ${err.message}\n\n${usage}`);
      return 2;
    }
    await writeAll(io.stderr, `codejail-wasm: ${err.stack ?? String(e)}\n`);
    return 70; // EX_SOFTWARE
  }
}

process.exitCode = await main(process.argv.slice(2));
