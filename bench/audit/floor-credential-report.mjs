// Floor (d): only the SDK calls that `keywarden audit` (credential-report source) makes, nothing else —
// GenerateCredentialReport polled on keywarden's schedule, GetCredentialReport, then ListAccessKeys for the
// flagged users (given on the command line as a JSON file, so no judging happens here), 8 at a time.
import { readFileSync } from 'node:fs';
import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import { pool } from './moto.mjs';

const flaggedUsers = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const client = new IAMClient({ region: 'us-east-1', retryMode: 'adaptive', maxAttempts: 8 });
let delay = 250;
while ((await client.send(new GenerateCredentialReportCommand({}))).State !== 'COMPLETE') {
  await new Promise((resolve) => setTimeout(resolve, delay));
  delay *= 2;
}
const report = await client.send(new GetCredentialReportCommand({}));
let keys = 0;
await pool(flaggedUsers, 8, async (user) => {
  keys += (await client.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata.length;
});
console.log(JSON.stringify({ reportBytes: report.Content.length, flaggedUsers: flaggedUsers.length, keys }));
