/**
 * The README's "From your own code" example, run as it is written: its code block is taken from
 * README.md, its `./dist/` imports pointed at the sources, its two addresses at this test's demo
 * origin and a free port, and its "traffic" comment replaced by one request through the proxy;
 * then it runs as a module, starting h2race (built-in toxics registered, a `4g` profile) and
 * closing it. The request must come back whole, and its stream-end event be the one logged.
 */
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, expect, it, vi } from 'vitest';
import { startDemoOrigin } from '../../origin/demo-origin.js';
import { connectH2, get } from '../helpers/h2-client.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cleanups = cleanupsAfterEach();
afterEach(() => vi.restoreAllMocks());

/** The first ```ts block after the README's "### From your own code". */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.indexOf('### From your own code');
  expect(section, 'README section').toBeGreaterThan(0);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(section));
  expect(block, 'its ts code block').not.toBeNull();
  return block![1]!;
}

/** Replace `from` (which must be there) by `to`. */
function swap(code: string, from: string, to: string): string {
  expect(code, from).toContain(from);
  return code.split(from).join(to);
}

declare global {
  var libraryExampleTraffic: ((url: string) => Promise<void>) | undefined;
}

it('runs as written: starts h2race, serves one request through it, logs its stream-end, closes', async () => {
  const origin = await startDemoOrigin({ h2c: { host: '127.0.0.1', port: 0 } });
  cleanups.push(() => origin.close());
  let code = readmeExample();
  for (const path of ['faults/toxics/builtin', 'proxy/events', 'proxy/h2race']) {
    code = swap(code, `'./dist/${path}.js'`, `'${pathToFileURL(join(root, `${path}.ts`)).href}'`);
  }
  code = swap(code, "'127.0.0.1:8443'", "'127.0.0.1:0'");
  code = swap(code, "'h2c://127.0.0.1:9080'", `'${origin.urls.h2c!}'`);
  code = swap(code, '// ... traffic through h2race.proxy.url ...', 'await globalThis.libraryExampleTraffic!(h2race.proxy.url);');

  let served: number | undefined;
  globalThis.libraryExampleTraffic = async (url) => {
    const session = await connectH2(url, { rejectUnauthorized: false });
    try {
      const res = await get(session, '/small?size=1000');
      served = res.body.length;
    } finally {
      session.close();
    }
  };
  cleanups.push(() => (globalThis.libraryExampleTraffic = undefined));
  const logged: unknown[][] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args));

  const dir = mkdtempSync(join(tmpdir(), 'h2race-readme-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'example.ts');
  writeFileSync(file, code);
  await import(/* @vite-ignore */ pathToFileURL(file).href);

  expect(served).toBe(1000);
  expect(logged[0]![0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  expect(logged[0]![1]).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  expect(logged.slice(1)).toEqual([['/small?size=1000', 'completed', 1000]]);
}, 30_000);
