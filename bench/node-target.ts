/**
 * The bench's side of a node child (see bench/child-side.ts): starts the compiled entry with an
 * IPC channel, waits for its ports, and turns request/reply messages into promises.
 */
import { fileURLToPath } from 'node:url';
import type { ChildMessage, BenchRequest } from './child-side.js';
import type { ChildProcesses, StartedChild } from './children.js';
import type { WindowStats } from './target.js';

export interface NodeChild {
  child: StartedChild;
  ports: Record<string, number>;
  request(op: BenchRequest['op']): Promise<unknown>;
  beginWindow: () => Promise<void>;
  endWindow: () => Promise<WindowStats>;
}

/**
 * `entry` is a module of this folder by its compiled name (e.g. 'serve-origin.js'): the bench runs
 * from dist/bench/, where every entry sits beside this file.
 */
export async function startNodeChild(
  children: ChildProcesses,
  name: string,
  entry: string,
  config: unknown,
  nodeArgs: string[] = [],
  startTimeoutMs = 15_000,
): Promise<NodeChild> {
  const file = fileURLToPath(new URL(`./${entry}`, import.meta.url));
  const child = children.spawn(name, process.execPath, [...nodeArgs, file, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const ready = new Promise<Record<string, number>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not report ready within ${startTimeoutMs} ms: ${child.output().trim()}`)),
      startTimeoutMs,
    );
    child.process.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.ports);
      } else {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.ok) waiter?.resolve(message.result);
        else waiter?.reject(new Error(`${name}: ${message.error}`));
      }
    });
    void child.exited.then((how) => {
      clearTimeout(timer);
      const error = new Error(`${name} ended (${how}): ${child.output().trim().split('\n').slice(-5).join(' | ')}`);
      reject(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
  });
  const ports = await ready;
  const request = (op: BenchRequest['op']): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (!child.process.connected) {
        reject(new Error(`${name} is not running any more`));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      // With a callback, a channel that closes meanwhile fails this request, not the bench.
      child.process.send({ id, op } satisfies BenchRequest, (error) => {
        if (error === null) return;
        pending.delete(id);
        reject(error);
      });
    });
  return {
    child,
    ports,
    request,
    beginWindow: async () => {
      await request('begin');
    },
    endWindow: async () => (await request('end')) as WindowStats,
  };
}
