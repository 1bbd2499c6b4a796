import { describe, expect, it } from 'vitest';
import { createActiveUsers } from './active-users';

describe('active users', () => {
  it('counts distinct users per sliding window', () => {
    let now = 0;
    const users = createActiveUsers({ windows: { '1m': 60_000, '1h': 3_600_000 }, now: () => now });
    users.seen(1);
    users.seen(2);
    users.seen(1);
    expect(users.counts()).toEqual({ '1m': 2, '1h': 2 });
    now = 120_000;
    users.seen(3);
    expect(users.counts()).toEqual({ '1m': 1, '1h': 3 });
    now = 3_600_000 + 60_001;
    expect(users.counts()).toEqual({ '1m': 0, '1h': 1 });
  });

  it('forgets the least recently seen users beyond the cap', () => {
    let now = 0;
    const users = createActiveUsers({ windows: { '1h': 3_600_000 }, maxTracked: 2, now: () => now++ });
    users.seen('a');
    users.seen('b');
    users.seen('a');
    users.seen('c');
    expect(users.counts()).toEqual({ '1h': 2 });
  });
});
