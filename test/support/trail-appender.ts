// A separate process that appends records to a JSONL trail: the multi-process concurrency test runs several.
import { JsonlTrailStore } from '../../core/trail/jsonl.js';

const [file, countText, writer] = process.argv.slice(2);
const store = new JsonlTrailStore(file as string);
for (let n = 0; n < Number(countText); n++) {
  await store.append({
    at: new Date(Date.UTC(2026, 5, 1)),
    account: '123456789012',
    actor: `writer-${writer}`,
    action: 'notice',
    user: `user-${writer}-${n}`,
    accessKeyId: null,
    outcome: 'success',
    reason: 'concurrency test',
  });
}
