// Floor (e): only the SDK calls that `keywarden audit --source api` makes, with its concurrency and nothing
// else — ListUsers (every page), then 16 users at a time: ListUserTags and ListAccessKeys at once, then
// GetAccessKeyLastUsed for each key at once.
import {
  GetAccessKeyLastUsedCommand,
  IAMClient,
  paginateListAccessKeys,
  paginateListUsers,
  paginateListUserTags,
} from '@aws-sdk/client-iam';
import { pool } from './moto.mjs';

const client = new IAMClient({ region: 'us-east-1', retryMode: 'adaptive', maxAttempts: 8 });
const users = [];
for await (const page of paginateListUsers({ client, pageSize: 1000 }, {})) users.push(...page.Users);
let keys = 0;
await pool(users, 16, async ({ UserName }) => {
  const [, metadata] = await Promise.all(
    [paginateListUserTags, paginateListAccessKeys].map(async (paginate, index) => {
      const items = [];
      for await (const page of paginate({ client }, { UserName }))
        items.push(...(index === 0 ? page.Tags : page.AccessKeyMetadata));
      return items;
    }),
  );
  keys += metadata.length;
  await Promise.all(
    metadata.map((key) => client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId }))),
  );
});
console.log(JSON.stringify({ users: users.length, keys }));
