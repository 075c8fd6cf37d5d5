import { endOfUtcDay } from '../time.js';
import type { Exemption } from './schema.js';

/** Whether an exemption is in force at `asOf`: it is valid through the last instant of `expiresOn` (UTC). */
export function exemptionInForce(exemption: Pick<Exemption, 'expiresOn'>, asOf: Date): boolean {
  return asOf.getTime() <= endOfUtcDay(exemption.expiresOn).getTime();
}

/** Whether the exemption names this user (and, when it names one, this account). */
export function exemptionCovers(
  exemption: Pick<Exemption, 'user' | 'account'>,
  user: string,
  account: string,
) {
  return exemption.user === user && (exemption.account === undefined || exemption.account === account);
}

/** The exemption in force for a user on a date, if any. */
export function activeExemption(
  exemptions: readonly Exemption[],
  user: string,
  account: string,
  asOf: Date,
): Exemption | undefined {
  return exemptions.find(
    (exemption) => exemptionCovers(exemption, user, account) && exemptionInForce(exemption, asOf),
  );
}
