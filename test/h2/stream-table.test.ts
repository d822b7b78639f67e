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

  it('gives a copy to read while streams close', () => {
    const table = new StreamTable<number>();
    for (let id = 1; id < 20; id += 2) table.set(id, id);
    for (const id of table.values()) table.delete(id);
    expect(table.size).toBe(0);
    expect(table.values()).toEqual([]);
  });
});
