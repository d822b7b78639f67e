/**
 * SlotList against a Set as the model: any seeded sequence of add (repeats included) and delete
 * leaves the same members, each item's slot field naming where the list holds it; an item whose
 * slot field another list wrote is refused, both lists left whole.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotList } from '../../proxy/slot-list.js';

interface Item {
  id: number;
  slot: number;
}

const newList = () => new SlotList<Item>((i) => i.slot, (i, slot) => (i.slot = slot));

/** The list holds exactly `members`, and every item's field names its place (-1 when out). */
function expectMatches(list: SlotList<Item>, items: readonly Item[], members: ReadonlySet<Item>): void {
  expect(list.length).toBe(members.size);
  expect(new Set(list.all)).toEqual(members);
  for (const item of items) expect(item.slot, `item ${item.id}`).toBe(members.has(item) ? list.all.indexOf(item) : -1);
}

describe('SlotList', () => {
  it('add of an item already in is a no-op: the list keeps one entry and delete takes it out', () => {
    const list = newList();
    const a = { id: 1, slot: -1 };
    const b = { id: 2, slot: -1 };
    list.add(a);
    list.add(b);
    list.add(a);
    expectMatches(list, [a, b], new Set([a, b]));
    list.delete(a);
    expectMatches(list, [a, b], new Set([b]));
  });

  it('follows a Set through any seeded sequence of adds (repeats included) and deletes', () => {
    const ops = fc.array(fc.record({ add: fc.boolean(), item: fc.nat(7) }), { maxLength: 60 });
    fc.assert(
      fc.property(ops, (steps) => {
        const items = Array.from({ length: 8 }, (_, id) => ({ id, slot: -1 }));
        const list = newList();
        const model = new Set<Item>();
        for (const { add, item } of steps) {
          if (add) {
            list.add(items[item]!);
            model.add(items[item]!);
          } else {
            list.delete(items[item]!);
            model.delete(items[item]!);
          }
          expectMatches(list, items, model);
        }
      }),
      { seed: 20261207, numRuns: 300 },
    );
  });

  it('refuses an item whose slot field another list wrote, and leaves both lists whole', () => {
    const first = newList();
    const second = newList();
    const a = { id: 1, slot: -1 };
    const b = { id: 2, slot: -1 };
    second.add(b);
    first.add(a);
    // b's field says slot 0 (second's), where first holds a.
    expect(() => first.add(b)).toThrow(/SlotList\.add: the item's slot field says 0/);
    expectMatches(first, [a], new Set([a]));
    expectMatches(second, [b], new Set([b]));
  });
});
