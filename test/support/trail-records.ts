import { isUnreadable, type Period, type TrailRecord, type TrailStore } from '../../core/trail/index.js';

/** A trail's records, for tests of trails that must hold no unreadable record: one fails the test, naming it. */
export async function readRecords(store: Pick<TrailStore, 'read'>, period?: Period): Promise<TrailRecord[]> {
  return (await store.read(period)).map((stored) => {
    if (isUnreadable(stored))
      throw new Error(`unexpected unreadable record at ${stored.location}: ${stored.problem}`);
    return stored;
  });
}
