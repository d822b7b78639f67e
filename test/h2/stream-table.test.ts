import { describe, expect, it } from 'vitest';
import { StreamTable } from '../../h2/proto/stream-table.js';

describe('StreamTable', () => {
  it('holds streams by id as a Map did: size, get, delete, and values in id order', () => {
    const table = new StreamTable<string>();
    for (const id of [1, 3, 2 ** 31 - 1, 5, 7]) table.set(id, `s${id}`);
    expect(table.size).toBe(5);
    table.set(3, 'again'); // replacing is not adding
    expect(table.size).toBe(5);
    table.delete(5);
    table.delete(5); // twice: nothing more leaves
    table.delete(9); // never there
    expect(table.size).toBe(4);
    expect(table.get(5)).toBeUndefined();
    expect(table.get(3)).toBe('again');
    expect(table.values()).toEqual(['s1', 'again', 's7', `s${2 ** 31 - 1}`]);
  });

  it('ids that share a slot (a stream open while 256 newer ones came) are each kept once', () => {
    const table = new StreamTable<string>();
    const sharing = [1, 1 + 2 * 256, 1 + 4 * 256]; // (id / 2) mod 256 equal
    for (const id of sharing) table.set(id, `s${id}`);
    expect(table.size).toBe(3);
    expect(sharing.map((id) => table.get(id))).toEqual(sharing.map((id) => `s${id}`));
    table.delete(1); // the slot's holder leaves; the others stay where they are
    table.set(1 + 2 * 256, 'again'); // replacing is not adding, slot free or not
    expect(table.size).toBe(2);
    expect(table.get(1)).toBeUndefined();
    expect(table.values()).toEqual(['again', `s${1 + 4 * 256}`]);
    table.set(3, 's3');
    table.set(1, 'back');
    expect(table.values()).toEqual(['back', 's3', 'again', `s${1 + 4 * 256}`]);
    for (const id of [1, 3, 1 + 2 * 256, 1 + 4 * 256]) table.delete(id);
    expect(table.size).toBe(0);
    expect(table.values()).toEqual([]);
  });

  it('gives a copy to read while streams close', () => {
    const table = new StreamTable<number>();
    for (let id = 1; id < 20; id += 2) table.set(id, id);
    for (const id of table.values()) table.delete(id);
    expect(table.size).toBe(0);
    expect(table.values()).toEqual([]);
  });
});
