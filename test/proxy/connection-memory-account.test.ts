import { describe, expect, it } from 'vitest';
import { ConnectionMemory, type HeldStream } from '../../proxy/connection-memory.js';

function held(heldBytes: number, stalled = false): HeldStream {
  return { heldBytes, stalled, memorySlot: -1 };
}

describe('ConnectionMemory', () => {
  it('counts exactly the streams held, whichever order they leave in (swap-removal keeps every slot right)', () => {
    const memory = new ConnectionMemory(1000, 100);
    const streams = [held(1), held(2), held(4), held(8), held(16, true)];
    for (const s of streams) memory.add(s);
    expect(memory.heldBytes).toBe(1 + 2 + 4 + 8 + 100);
    memory.delete(streams[1]!); // a middle one: the last moves into its slot
    expect(memory.heldBytes).toBe(1 + 4 + 8 + 100);
    memory.delete(streams[4]!); // the one that moved
    expect(memory.heldBytes).toBe(1 + 4 + 8);
    memory.delete(streams[4]!); // twice: nothing more leaves
    expect(memory.heldBytes).toBe(1 + 4 + 8);
    memory.delete(streams[3]!); // the last one
    memory.delete(streams[0]!);
    expect(memory.heldBytes).toBe(4);
    expect(streams.map((s) => s.memorySlot)).toEqual([-1, -1, 0, -1, -1]);
    memory.add(streams[1]!);
    expect(memory.heldBytes).toBe(6);
  });

  it('admits while within its cap, and a stream born stalled only if its bound fits', () => {
    const memory = new ConnectionMemory(250, 100);
    memory.add(held(0, true));
    expect(memory.admits(false)).toBe(true);
    expect(memory.admits(true)).toBe(true);
    memory.add(held(0, true));
    expect(memory.admits(true)).toBe(false);
    expect(memory.admits(false)).toBe(true);
  });
});
