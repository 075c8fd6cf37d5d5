// Floor (b): only the calls that `keywarden audit --accounts` makes per account, nothing else: STS AssumeRole,
// then GenerateCredentialReport polled on keywarden's schedule, GetCredentialReport, ListEntitiesForPolicy of
// AWS's three quarantine policies, and ListAccessKeys for the flagged users (all given in a JSON file, so no
// listing or judging happens here), CONCURRENCY accounts at once.
import { readFileSync } from 'node:fs';
import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListEntitiesForPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { pool } from '../audit/moto.mjs';

const { accounts, roleName, flaggedUsers, concurrency } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const config = { region: 'us-east-1', retryMode: 'adaptive', maxAttempts: 8 };
const QUARANTINE_POLICIES = [
  'AWSCompromisedKeyQuarantine',
  'AWSCompromisedKeyQuarantineV2',
  'AWSCompromisedKeyQuarantineV3',
];
const sts = new STSClient(config);
let bytes = 0;
await pool(accounts, concurrency, async (account) => {
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${roleName}`, RoleSessionName: 'floor' }),
  );
  const iam = new IAMClient({
    ...config,
    credentials: {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
    },
  });
  let delay = 250;
  while ((await iam.send(new GenerateCredentialReportCommand({}))).State !== 'COMPLETE') {
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay *= 2;
  }
  bytes += (await iam.send(new GetCredentialReportCommand({}))).Content.length;
  for (const name of QUARANTINE_POLICIES) {
    // Answered NoSuchEntity where moto runs without AWS's managed policies: keywarden makes the call all the same.
    await iam
      .send(
        new ListEntitiesForPolicyCommand({
          PolicyArn: `arn:aws:iam::aws:policy/${name}`,
          EntityFilter: 'User',
        }),
      )
      .catch(() => undefined);
  }
  for (const user of flaggedUsers) await iam.send(new ListAccessKeysCommand({ UserName: user }));
  iam.destroy();
});
console.log(JSON.stringify({ accounts: accounts.length, reportBytes: bytes }));
