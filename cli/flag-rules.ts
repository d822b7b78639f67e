/**
 * Rules a flag's value must meet beyond its type, checked before a command starts anything:
 * files that must be readable, report paths whose directory must exist, flags that go together or
 * exclude each other, host:port addresses and URLs. Each refusal is a UsageError naming the flag.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseListenAddress } from '../config/proxy-schema.js';
import { UsageError } from './usage-error.js';

/** Each flag given names a file this process can read. */
export function readableFiles(args: Record<string, unknown>, flags: readonly string[]): void {
  for (const name of flags) {
    const path = args[name];
    if (path === undefined) continue;
    const file = typeof path === 'string' ? path : JSON.stringify(path);
    const problem = fileProblem(file);
    if (problem) throw new UsageError(`--${name} ${JSON.stringify(file)}: ${problem}`);
  }
}

/** The flag's path can be written: its directory exists (checked now, not after a long run). */
export function writableFile(name: string, path: string | undefined): void {
  if (path === undefined) return;
  const dir = dirname(resolve(path));
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // isDir stays false: the directory is missing.
  }
  if (!isDir) throw new UsageError(`--${name} ${JSON.stringify(path)}: directory ${dir} does not exist`);
}

/** `--cert` without `--key` (either way round). */
export function together(args: Record<string, unknown>, a: string, b: string): void {
  if ((args[a] === undefined) !== (args[b] === undefined)) {
    const [given, missing] = args[a] === undefined ? [b, a] : [a, b];
    throw new UsageError(`--${given} needs --${missing} (give both or neither)`);
  }
}

export function exclusive(args: Record<string, unknown>, a: string, b: string): void {
  if (args[a] !== undefined && args[a] !== false && args[b] !== undefined && args[b] !== false) {
    throw new UsageError(`--${a} and --${b} exclude each other`);
  }
}

/** A URL with one of `schemes` (`https:`, `h2c:` …). */
export function urlFlag(name: string, value: string | undefined, schemes: readonly string[]): void {
  if (value === undefined) return;
  let url: URL | undefined;
  try {
    // Without `//`, `localhost:8474` would parse as a URL of scheme `localhost:`.
    if (value.includes('//')) url = new URL(value);
  } catch {
    // url stays undefined: not a URL.
  }
  if (!url) throw new UsageError(`--${name} ${JSON.stringify(value)} is not a URL (expected ${schemes.map((s) => `${s}//host:port`).join(' or ')})`);
  if (!schemes.includes(url.protocol)) {
    throw new UsageError(`--${name} ${JSON.stringify(value)}: scheme ${url.protocol} is not one of ${schemes.join(', ')}`);
  }
}

function fileProblem(path: string): string | undefined {
  try {
    if (statSync(path).isDirectory()) return 'is a directory, not a file';
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES') return 'permission denied';
    return `cannot read (${code ?? (err as Error).message})`;
  }
}

/** `host:port` (IPv6 as `[::1]:port`), as every listener flag takes it. */
export function listenFlag(name: string, value: string | undefined): void {
  if (value !== undefined && parseListenAddress(value) === undefined) {
    throw new UsageError(`--${name} ${JSON.stringify(value)} is not host:port (IPv6 as [::1]:port, port 0-65535)`);
  }
}
