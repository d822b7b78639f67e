/**
 * Which external programs the bench can drive. The bench installs nothing: a missing tool is
 * named with the Debian package that provides it, and the rows that need it are skipped.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Tool {
  name: 'h2load' | 'nghttpx' | 'haproxy';
  debianPackage: string;
  /** Absolute path, or undefined when not installed. */
  path: string | undefined;
}

const KNOWN: Array<Omit<Tool, 'path'>> = [
  { name: 'h2load', debianPackage: 'nghttp2-client' },
  { name: 'nghttpx', debianPackage: 'nghttp2-proxy' },
  { name: 'haproxy', debianPackage: 'haproxy' },
];

// Debian puts nghttpx and haproxy in /usr/sbin, which is not on every user's PATH.
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function detectTools(): Record<Tool['name'], Tool> {
  const found = KNOWN.map((t) => ({ ...t, path: findExecutable(t.name) }));
  return Object.fromEntries(found.map((t) => [t.name, t])) as Record<Tool['name'], Tool>;
}

export function missingToolMessage(tool: Tool): string {
  return `${tool.name} not found (Debian package ${tool.debianPackage}); its rows are skipped`;
}
