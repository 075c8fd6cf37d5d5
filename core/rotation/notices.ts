import { consumersHeadline, listedConsumers, type OldKeyConsumers } from '../consumers/sighting.js';
import { shellWord, visible } from '../text.js';
import type { Delivery } from './state.js';
import { promisedDay } from './timeline.js';

/**
 * What keywarden tells people. Built only from key IDs, names and dates: a Notice has no field that could
 * hold a secret, and the executor never passes one.
 */
export interface Notice {
  kind: 'new-key' | 'reminder' | 'summary';
  subject: string;
  text: string;
  /** The user the notice is about (SNS message attribute, for subscription filters). */
  user?: string;
}

/**
 * What keywarden tells people, as pure functions of the plan and the delivery. Built only from key IDs,
 * names and dates: no argument can carry a secret. A promised day comes from the timeline (`promisedDay`),
 * so it is never later than the first instant the planner acts.
 */
export interface KeyNoticeFacts {
  account: string;
  user: string;
  /** The stored key the notice is about. */
  keyId: string;
  secretName: string;
  /** Where that key's secret went. */
  delivery: Delivery;
  /** The key it replaces, still active, and when that one falls due for deactivation. */
  oldKey: { id: string; deactivateAt: Date } | null;
  /** Deactivation under `enforce` happens even if the old key is still in use. */
  enforce: boolean;
  /** When the notice is given. */
  toldAt: Date;
  /** AWS's quarantine policies the new key answers (its old key is deactivated at once), else null. */
  quarantine?: readonly string[] | null;
  /** Who still uses the old key (CloudTrail), when it was looked up; omitted = not looked up. */
  oldKeyConsumers?: OldKeyConsumers | null | undefined;
}

function where(facts: KeyNoticeFacts): string {
  return facts.delivery === 'stdout'
    ? `was shown once to the operator who ran keywarden rotate; keywarden kept no copy (${facts.secretName} records only its ID)`
    : `is in Secrets Manager as ${facts.secretName}`;
}

function whatNext(facts: KeyNoticeFacts): string[] {
  const lines =
    facts.delivery === 'stdout'
      ? []
      : [`Read it with: aws secretsmanager get-secret-value --secret-id ${facts.secretName}`];
  if (facts.oldKey && facts.quarantine) {
    lines.push(
      `Switch to it now: the old key ${facts.oldKey.id} is deactivated in this same run, whatever its use.`,
    );
  } else if (facts.oldKey) {
    const day = promisedDay(facts.oldKey.deactivateAt, facts.toldAt);
    lines.push(
      `Switch to it: the old key ${facts.oldKey.id} will be deactivated on or after ${day}` +
        (facts.enforce ? ', even if still in use.' : ', once it is no longer used.'),
    );
  }
  if (facts.oldKeyConsumers)
    lines.push(...consumerLines(facts.oldKeyConsumers, facts.user, Boolean(facts.quarantine)));
  return lines;
}

/** Why the old key goes at once: what AWS did, and what is left for a person. */
function quarantineLines(facts: KeyNoticeFacts): string[] {
  if (!facts.quarantine) return [];
  return [
    `AWS quarantined this key: AWS attached ${facts.quarantine.join(', ')} to ${facts.user}, which it does when it finds an access key of the user exposed (the AWS Support case names it). keywarden replaced ${facts.oldKey?.id ?? 'the key'} at once, whatever its age.`,
    'Then review in CloudTrail what the exposed key did, and follow the AWS Support case; detach the quarantine policy only when the case allows it.',
  ];
}

/** Who still uses the old key, in plain text: text from CloudTrail (agents, addresses) shown inert. */
function consumerLines(found: OldKeyConsumers, user: string, deactivatedNow: boolean): string[] {
  const headline = visible(consumersHeadline(found, 'the old key'));
  if (found.kind !== 'seen' || found.consumers.length === 0) return [headline];
  const { lines, more } = listedConsumers(found);
  return [
    headline,
    ...lines.map(
      (line) =>
        `  - ${visible(line.sourceIp)} · ${visible(line.userAgent)} · last seen ${line.lastSeen} (${line.events} event${line.events === 1 ? '' : 's'})`,
    ),
    ...(more > 0 ? [`  … and ${more} more: keywarden consumers --user ${shellWord(user)}`] : []),
    deactivatedNow
      ? 'The old key is deactivated in this run: each of them fails until it uses the new key.'
      : 'Move each of them to the new key before the old one is deactivated.',
  ];
}

/** Told when keywarden has just created (and stored or handed over) a key. */
export function newKeyNotice(facts: KeyNoticeFacts): Notice {
  return {
    kind: 'new-key',
    subject: facts.quarantine
      ? `keywarden: AWS quarantined an exposed key of ${facts.user}: new access key`
      : `keywarden: new access key for ${facts.user}`,
    text: [
      `A new access key ${facts.keyId} for IAM user ${facts.user} (account ${facts.account}) ${where(facts)}.`,
      ...quarantineLines(facts),
      ...whatNext(facts),
    ].join('\n'),
    user: facts.user,
  };
}

/** Told when the owner has not been told about the stored key (the notice enforcement waits for). */
export function reminderNotice(facts: KeyNoticeFacts): Notice {
  return {
    kind: 'reminder',
    subject: `keywarden: reminder: access key for ${facts.user}`,
    text: [
      `Reminder: the access key ${facts.keyId} for IAM user ${facts.user} (account ${facts.account}) ${where(facts)}.`,
      ...whatNext(facts),
    ].join('\n'),
    user: facts.user,
  };
}
