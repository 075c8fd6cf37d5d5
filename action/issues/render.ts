import { createHash } from 'node:crypto';
import type { Policy } from '../../core/config.js';
import { remediation } from '../../core/evaluate.js';
import { fingerprint } from '../../core/fingerprint.js';

import { escapeMarkdown, maskKeyId } from '../../core/report/markdown.js';
import { addDays } from '../../core/time.js';
import type { Finding, UserRecord } from '../../core/types.js';

/** The issue one (account, IAM user) with a violation should have. */
export interface DesiredIssue {
  fingerprint: string;
  account: string;
  user: string;
  title: string;
  body: string;
  /** Hash of what matters in the body; ages grow daily and are left out so an unchanged issue is not rewritten. */
  digest: string;
}

export const FINGERPRINT_MARKER = /<!-- keywarden:fingerprint=([^\s>]+) -->/;
export const DIGEST_MARKER = /<!-- keywarden:digest=([0-9a-f]+) -->/;

/** Tags that name a person or team responsible for an IAM user, most specific first. */
export const OWNER_TAGS = ['keywarden:owner', 'owner', 'Owner', 'team', 'Team', 'contact', 'Contact'];

export function ownerHint(user: UserRecord | undefined): { tag: string; value: string } | null {
  for (const tag of OWNER_TAGS) {
    const value = user?.tags?.[tag];
    if (value?.trim()) return { tag, value };
  }
  return null;
}

export interface RenderOptions {
  policy: Policy;
  asOf: Date;
  maskKeyIds: boolean;
  users: readonly UserRecord[];
}

/** One desired issue per (account, user) with at least one violation, worst first. */
export function desiredIssues(findings: readonly Finding[], options: RenderOptions): DesiredIssue[] {
  const byUser = new Map<string, Finding[]>();
  for (const finding of findings) {
    if (finding.severity !== 'violation') continue;
    const key = `${finding.account}\n${finding.user}`;
    byUser.set(key, [...(byUser.get(key) ?? []), finding]);
  }
  const users = new Map(options.users.map((user) => [`${user.account}\n${user.user}`, user]));
  return [...byUser.entries()].map(([key, violations]) => renderIssue(violations, users.get(key), options));
}

export function renderIssue(
  violations: readonly Finding[],
  user: UserRecord | undefined,
  options: RenderOptions,
): DesiredIssue {
  const first = violations[0];
  if (!first) throw new Error('renderIssue needs at least one violation');
  const { account, user: name } = first;
  const { policy, maskKeyIds } = options;
  const id = fingerprint(account, name);
  const owner = ownerHint(user);
  const shownUser = escapeMarkdown(name);
  const keys = violations.map((finding) => ({
    slot: finding.keySlot,
    key: maskKeyId(finding.accessKeyId, maskKeyIds),
    status: finding.status,
    created: finding.createdAt.toISOString().slice(0, 10),
    overdueSince: addDays(finding.createdAt, policy.maxKeyAgeDays).toISOString().slice(0, 10),
    verdict: finding.verdict,
  }));
  const title = `Rotate the IAM access key of ${name} (account ${account})`;
  const digest = createHash('sha256')
    .update(JSON.stringify({ title, keys, owner, policy: policy.maxKeyAgeDays, maskKeyIds }))
    .digest('hex')
    .slice(0, 16);

  const commands = violations.flatMap((finding, index) => {
    const shown = maskKeyIds ? null : finding.accessKeyId;
    const steps = remediation({ verdict: finding.verdict, user: name, accessKeyId: shown });
    const find =
      shown === null
        ? [
            `# find the key ID: the key ${finding.accessKeyId ? `ending in ${finding.accessKeyId.slice(-4)}` : `in slot ${finding.keySlot}`}, created ${keys[index]?.created}`,
            `aws iam list-access-keys --user-name ${name}`,
          ]
        : [];
    // The lookup goes right before the first command that needs the ID.
    const needsId = steps.findIndex((step) => step.includes('<ACCESS_KEY_ID>'));
    const at = needsId === -1 ? steps.length : needsId;
    return [...steps.slice(0, at), ...find, ...steps.slice(at), ''];
  });

  const body = [
    `<!-- keywarden:fingerprint=${id} -->`,
    `<!-- keywarden:digest=${digest} -->`,
    `### IAM user ${shownUser} in account ${account} has an access key past the rotation limit`,
    '',
    `Active access keys must be rotated within **${policy.maxKeyAgeDays} days** (keywarden.yml \`maxKeyAgeDays\`). ` +
      'This is the periodic revision of identification codes and passwords that **21 CFR 11.300(b)** asks for ' +
      '(also CIS AWS Foundations 1.14, AWS Config `access-keys-rotated`).',
    '',
    '| slot | access key | status | created | over the limit since | age on ' +
      options.asOf.toISOString().slice(0, 10) +
      ' |',
    '|---:|---|---|---|---|---:|',
    ...violations.map(
      (finding, index) =>
        `| ${finding.keySlot} | ${escapeMarkdown(keys[index]?.key ?? '')} | ${finding.status} | ${keys[index]?.created} | ${keys[index]?.overdueSince} | ${finding.ageDays} days |`,
    ),
    '',
    owner
      ? `**Owner hint** (IAM user tag \`${owner.tag}\`): ${escapeMarkdown(owner.value)}`
      : '**Owner hint**: none; tag the IAM user with `owner` (and audit with `source: api`) to show one here.',
    '',
    '### How to fix it',
    '',
    'Create a replacement key, deliver it, then retire the old one. `keywarden rotate` does these steps safely ' +
      '(the new secret goes to Secrets Manager only); by hand:',
    '',
    '```sh',
    ...commands.slice(0, -1),
    '```',
    '',
    'keywarden closes this issue when a complete audit of the account finds no overdue key for this user. ' +
      'Close it as **not planned** to stop keywarden from reopening it (record the exemption in keywarden.yml).',
  ].join('\n');
  return { fingerprint: id, account, user: name, title, body, digest };
}

export function markersOf(
  body: string | null | undefined,
): { fingerprint: string; digest: string | null } | null {
  const found = FINGERPRINT_MARKER.exec(body ?? '');
  if (!found?.[1]) return null;
  return { fingerprint: found[1], digest: DIGEST_MARKER.exec(body ?? '')?.[1] ?? null };
}
