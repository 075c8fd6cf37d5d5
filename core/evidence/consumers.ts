// Who used each key rotated in the period, before its replacement and after it (CloudTrail): the evidence pack's
// section. Pure apart from the injected source; the lookups are ConsumerFinder's (a few a run).
import {
  consumersHeadline,
  consumersMarkdownTable,
  listedConsumers,
  type OldKeyConsumerSource,
  type OldKeyConsumers,
} from '../consumers/sighting.js';
import { escapeMarkdown as md } from '../report/markdown.js';
import { addDays, isoSecond } from '../time.js';
import { escapeHtml } from './escape.js';

/** The fields of a trail record a rotation is read from (an EvidenceTrailRecord has them). */
export interface RotationRecord {
  seq: number;
  at: string;
  account: string;
  action: string;
  user: string | null;
  accessKeyId: string | null;
  outcome: string;
}

/** A rotation the trail shows: a key created, and the key of the same user deactivated after it. */
export interface RotatedKey {
  account: string;
  user: string;
  oldKeyId: string;
  newKeyId: string;
  rotatedAt: Date;
  /** When the old key was deactivated. */
  retiredAt: Date;
}

export interface RotationConsumers extends RotatedKey {
  /** The old key's consumers in the BEFORE_DAYS before the replacement was created. */
  before: OldKeyConsumers;
  /** The old key's consumers from the replacement's creation to the old key's deactivation. */
  after: OldKeyConsumers;
}

/** How far back "before the rotation" looks. */
export const BEFORE_DAYS = 30;
/** CloudTrail keeps 90 days: an older rotation cannot be looked up. */
const HISTORY_DAYS = 90;

/** The rotations among the records (in sequence order), the latest first. */
export function rotationsIn(records: readonly RotationRecord[]): RotatedKey[] {
  const ordered = [...records].sort((a, b) => a.seq - b.seq);
  const rotations: RotatedKey[] = [];
  ordered.forEach((created, index) => {
    if (created.action !== 'key.create' || created.outcome !== 'success' || !created.accessKeyId) return;
    const retired = ordered
      .slice(index + 1)
      .find(
        (record) =>
          record.action === 'key.deactivate' &&
          record.outcome === 'success' &&
          record.account === created.account &&
          record.user === created.user &&
          record.accessKeyId !== null &&
          record.accessKeyId !== created.accessKeyId,
      );
    if (!retired?.accessKeyId || created.user === null) return;
    rotations.push({
      account: created.account,
      user: created.user,
      oldKeyId: retired.accessKeyId,
      newKeyId: created.accessKeyId,
      rotatedAt: new Date(created.at),
      retiredAt: new Date(retired.at),
    });
  });
  return rotations.sort((a, b) => b.rotatedAt.getTime() - a.rotatedAt.getTime());
}

/** Looks up each rotation's consumers through `source` (its budget decides how many); never throws. */
export async function consumersAroundRotations(
  rotations: readonly RotatedKey[],
  source: OldKeyConsumerSource,
  now: Date,
): Promise<RotationConsumers[]> {
  const found: RotationConsumers[] = [];
  for (const rotation of rotations) {
    if (rotation.rotatedAt < addDays(now, -HISTORY_DAYS)) {
      const expired: OldKeyConsumers = {
        kind: 'not-looked-up',
        accessKeyId: rotation.oldKeyId,
        reason: `the rotation is older than CloudTrail's ${HISTORY_DAYS}-day event history`,
      };
      found.push({ ...rotation, before: expired, after: expired });
      continue;
    }
    const before = await source.consumersOf(
      rotation.oldKeyId,
      addDays(rotation.rotatedAt, -BEFORE_DAYS),
      rotation.rotatedAt,
    );
    const after = await source.consumersOf(rotation.oldKeyId, rotation.rotatedAt, rotation.retiredAt);
    found.push({ ...rotation, before, after });
  }
  return found;
}

const INTRO = `Who used each key rotated in the period, from CloudTrail's event history: in the ${BEFORE_DAYS} days before its replacement was created, and from then until it was deactivated. Management events of one region only (data events and other regions are not in it).`;

/** The Markdown section; empty when there is nothing to show. */
export function rotationConsumersMarkdown(rotations: readonly RotationConsumers[] | undefined): string[] {
  if (!rotations || rotations.length === 0) return [];
  const part = (label: string, found: OldKeyConsumers) => {
    const lines = [`**${label}:** ${md(consumersHeadline(found, 'the key'))}`, ''];
    const { table, more } = consumersMarkdownTable(found, md);
    if (table.length === 0) return lines;
    return [...lines, ...table, ...(more > 0 ? [`| … and ${more} more | | | |`] : []), ''];
  };
  return [
    '## Consumers of rotated keys',
    '',
    INTRO,
    '',
    ...rotations.flatMap((rotation) => [
      `### ${md(rotation.user)}: ${md(rotation.oldKeyId)} replaced by ${md(rotation.newKeyId)} on ${isoSecond(rotation.rotatedAt)}, deactivated ${isoSecond(rotation.retiredAt)}`,
      '',
      ...part('Before', rotation.before),
      ...part('After', rotation.after),
    ]),
  ];
}

/** The HTML section; empty when there is nothing to show. */
export function rotationConsumersHtml(rotations: readonly RotationConsumers[] | undefined): string {
  if (!rotations || rotations.length === 0) return '';
  const part = (label: string, found: OldKeyConsumers) => {
    const headline = `<p><strong>${label}:</strong> ${escapeHtml(consumersHeadline(found, 'the key'))}</p>`;
    if (found.kind !== 'seen' || found.consumers.length === 0) return headline;
    const { lines: rows, more } = listedConsumers(found);
    return `${headline}
<table>
<thead><tr><th>source</th><th>user agent</th><th>last seen</th><th class="num">events</th></tr></thead>
<tbody>
${rows.map((row) => `<tr><td>${escapeHtml(row.sourceIp)}</td><td>${escapeHtml(row.userAgent)}</td><td class="nowrap">${row.lastSeen}</td><td class="num">${row.events}</td></tr>`).join('\n')}${more > 0 ? `\n<tr><td colspan="4">… and ${more} more</td></tr>` : ''}
</tbody>
</table>`;
  };
  return `<section id="consumers"><h2>Consumers of rotated keys</h2>
<p>${escapeHtml(INTRO)}</p>
${rotations
  .map(
    (
      rotation,
    ) => `<h3>${escapeHtml(rotation.user)}: ${escapeHtml(rotation.oldKeyId)} replaced by ${escapeHtml(rotation.newKeyId)} on ${isoSecond(rotation.rotatedAt)}, deactivated ${isoSecond(rotation.retiredAt)}</h3>
${part('Before', rotation.before)}
${part('After', rotation.after)}`,
  )
  .join('\n')}
</section>`;
}
