// The one indexed collection every product's state is made of: order, groups and unique indexes kept right through
// replacements and removals (the journal replays through exactly these puts and removes).
import { Collection } from '../../../emulator/core/collection';

interface Item {
  sid: string;
  parent: string;
  name: string | null;
  n: number;
}

function items(): Collection<Item, 'parent', 'name'> {
  return new Collection<Item, 'parent', 'name'>((item) => item.sid, {
    groups: { parent: (item) => item.parent },
    unique: { name: (item) => item.name ?? undefined },
  });
}

test('keeps first-stored order, also when a record is replaced', () => {
  const c = items();
  for (const sid of ['a', 'b', 'c']) c.put({ sid, parent: 'P', name: null, n: 0 });
  c.put({ sid: 'a', parent: 'P', name: null, n: 1 });
  expect(c.all().map((item) => [item.sid, item.n])).toEqual([['a', 1], ['b', 0], ['c', 0]]);
  expect(c.list('parent', 'P').map((item) => item.sid)).toEqual(['a', 'b', 'c']);
});

test('a record that moves to another group leaves the old one', () => {
  const c = items();
  c.put({ sid: 'a', parent: 'P', name: null, n: 0 });
  c.put({ sid: 'a', parent: 'Q', name: null, n: 0 });
  expect(c.keys('parent', 'P')).toEqual([]);
  expect(c.keys('parent', 'Q')).toEqual(['a']);
});

test('a unique value follows its record: renamed, removed, or taken over by a later record', () => {
  const c = items();
  c.put({ sid: 'a', parent: 'P', name: 'x', n: 0 });
  c.put({ sid: 'a', parent: 'P', name: 'y', n: 0 });
  expect([c.find('name', 'x'), c.find('name', 'y')?.sid]).toEqual([undefined, 'a']);
  // Another record takes the name (Sync: a create over an expired holder), then the old holder goes: the name stays.
  c.put({ sid: 'b', parent: 'P', name: 'y', n: 0 });
  c.remove('a');
  expect(c.find('name', 'y')?.sid).toBe('b');
  c.remove('b');
  expect(c.find('name', 'y')).toBeUndefined();
});

test('remove answers what it removed; clear empties every index', () => {
  const c = items();
  c.put({ sid: 'a', parent: 'P', name: 'x', n: 0 });
  expect(c.remove('a')?.sid).toBe('a');
  expect(c.remove('a')).toBeUndefined();
  c.put({ sid: 'b', parent: 'P', name: 'z', n: 0 });
  c.clear();
  expect([c.all(), c.list('parent', 'P'), c.find('name', 'z')]).toEqual([[], [], undefined]);
});
