import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type SeedUser, seedIam } from './iam-seed.js';
import type { Moto } from './moto.js';

export interface SeedAccount {
  name: string;
  /** Put the account in this organizational unit, by path under the root ("prod" or "prod/eu"). */
  ou?: string;
  users: SeedUser[];
}

export interface SeededOrganization {
  /** moto's own account, the organization's management account. */
  management: string;
  root: string;
  /** Account ID by name. */
  accounts: Map<string, string>;
  /** OU ID by path ("prod", "prod/eu"). */
  units: Map<string, string>;
  /** Each account's users' key IDs, by account ID. */
  keyIds: Map<string, Map<string, string[]>>;
}

const direct = (moto: Moto) => ({
  region: 'us-east-1',
  endpoint: moto.endpoint,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

/**
 * An AWS Organization in moto: member accounts (CreateAccount), optional OUs, and users with keys in each
 * account, seeded through an assumed role in that account (moto keeps accounts apart by the credentials).
 */
export async function seedOrganization(
  moto: Moto,
  asOf: Date,
  members: readonly SeedAccount[],
  roleName = 'keywarden-audit',
): Promise<SeededOrganization> {
  const org = new OrganizationsClient(direct(moto));
  const sts = new STSClient(direct(moto));
  try {
    const created = await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const management = created.Organization?.MasterAccountId as string;
    const root = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
    const accounts = new Map<string, string>();
    const units = new Map<string, string>();
    const keyIds = new Map<string, Map<string, string[]>>();
    for (const member of members) {
      const made = await org.send(
        new CreateAccountCommand({ AccountName: member.name, Email: `${member.name}@example.com` }),
      );
      const id = made.CreateAccountStatus?.AccountId as string;
      accounts.set(member.name, id);
      if (member.ou) {
        let parent = root;
        let path = '';
        for (const name of member.ou.split('/')) {
          path = path ? `${path}/${name}` : name;
          if (!units.has(path)) {
            const unit = await org.send(
              new CreateOrganizationalUnitCommand({ ParentId: parent, Name: name }),
            );
            units.set(path, unit.OrganizationalUnit?.Id as string);
          }
          parent = units.get(path) as string;
        }
        await org.send(
          new MoveAccountCommand({
            AccountId: id,
            SourceParentId: root,
            DestinationParentId: units.get(member.ou) as string,
          }),
        );
      }
      const assumed = await sts.send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${id}:role/${roleName}`, RoleSessionName: 'seed' }),
      );
      const c = assumed.Credentials;
      keyIds.set(
        id,
        await seedIam(moto, asOf, member.users, {
          accessKeyId: c?.AccessKeyId as string,
          secretAccessKey: c?.SecretAccessKey as string,
          sessionToken: c?.SessionToken as string,
        }),
      );
    }
    return { management, root, accounts, units, keyIds };
  } finally {
    org.destroy();
    sts.destroy();
  }
}
