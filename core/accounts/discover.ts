import {
  type Account,
  OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListChildren,
} from '@aws-sdk/client-organizations';
import { type AwsClientOptions, clientConfig } from '../aws/clients.js';
import { describeError, IncompleteError } from '../errors.js';

export interface MemberAccount {
  account: string;
  /** The account's name in the organization; null when the account was listed by ID. */
  name: string | null;
}

export interface Discovered {
  accounts: MemberAccount[];
  /** Accounts of the organization that are not ACTIVE (suspended, pending closure): not audited, said. */
  skipped: Array<MemberAccount & { status: string }>;
}

/**
 * The organization's ACTIVE accounts (ListAccounts, every page), or with `organizationalUnits` only those in
 * the units and their child units (ListAccountsForParent and ListChildren, every page). A listing that fails
 * cannot be a gap of one account: the whole audit stops as incomplete (exit 3).
 */
export async function discoverAccounts(
  organizationalUnits: readonly string[],
  given?: OrganizationsClient,
  aws?: AwsClientOptions,
): Promise<Discovered> {
  // Organizations is a global service, signed in us-east-1 when nothing else is configured.
  const client = given ?? new OrganizationsClient(clientConfig({ ...aws, global: true }));
  try {
    const listed: Account[] = [];
    if (organizationalUnits.length === 0) {
      for await (const page of paginateListAccounts({ client }, {})) listed.push(...(page.Accounts ?? []));
    } else {
      const seen = new Set<string>();
      const pending = [...organizationalUnits];
      for (let parent = pending.shift(); parent !== undefined; parent = pending.shift()) {
        if (seen.has(parent)) continue;
        seen.add(parent);
        for await (const page of paginateListAccountsForParent({ client }, { ParentId: parent })) {
          listed.push(...(page.Accounts ?? []));
        }
        for await (const page of paginateListChildren(
          { client },
          { ParentId: parent, ChildType: 'ORGANIZATIONAL_UNIT' },
        )) {
          pending.push(...(page.Children ?? []).flatMap((child) => (child.Id ? [child.Id] : [])));
        }
      }
    }
    const byId = new Map<string, Account>();
    for (const account of listed) if (account.Id) byId.set(account.Id, account);
    const accounts: MemberAccount[] = [];
    const skipped: Discovered['skipped'] = [];
    for (const [id, account] of [...byId].sort(([a], [b]) => a.localeCompare(b))) {
      // `State` replaces the deprecated `Status`; either says ACTIVE for an account that can be audited.
      const status = account.State ?? account.Status ?? 'UNKNOWN';
      const member = { account: id, name: account.Name ?? null };
      if (status === 'ACTIVE') accounts.push(member);
      else skipped.push({ ...member, status });
    }
    return { accounts, skipped };
  } catch (err) {
    throw new IncompleteError(
      `cannot list the organization's accounts (${describeError(err)}); run from the management or a delegated administrator account, with organizations:ListAccounts${organizationalUnits.length ? ', ListAccountsForParent and ListChildren' : ''}`,
      { cause: err },
    );
  } finally {
    if (!given) client.destroy();
  }
}
