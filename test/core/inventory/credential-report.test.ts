import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../core/errors.js';
import { decodeSavedReport, parseCredentialReport } from '../../../core/inventory/credential-report.js';

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const ARN = (user: string) => `arn:aws:iam::123456789012:user/${user}`;
const NO_KEY = 'false,N/A,N/A,N/A,N/A';
const CERTS = 'false,N/A,false,N/A';
const NO_PASSWORD = 'false,N/A,N/A,N/A,false';

function row(user: string, key1: string, key2 = NO_KEY, password = NO_PASSWORD): string {
  return `${user},${ARN(user)},2024-01-02T03:04:05+00:00,${password},${key1},${key2},${CERTS}`;
}
const ROOT = `<root_account>,arn:aws:iam::123456789012:root,2019-03-14T09:12:45+00:00,not_supported,2026-11-20T08:01:33+00:00,not_supported,not_supported,true,${NO_KEY},${NO_KEY},${CERTS}`;
const report = (...rows: string[]) => [HEADER, ...rows].join('\n') + '\n';

function refusal(csv: string): string {
  try {
    parseCredentialReport(csv, 'report.csv');
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected the report to be refused');
}

describe('parseCredentialReport', () => {
  it('keeps the root row out of the users but reads its account', () => {
    const inventory = parseCredentialReport(report(ROOT, row('alice', NO_KEY)));

    expect(inventory.account).toBe('123456789012');
    expect(inventory.users.map((u) => u.user)).toEqual(['alice']);
    expect(inventory.keys).toEqual([]);
  });

  it('reports an access key of the root account as a key', () => {
    const rootWithKey = ROOT.replace(
      `true,${NO_KEY},${NO_KEY}`,
      `true,true,2026-01-01T00:00:00+00:00,2026-11-01T00:00:00+00:00,us-east-1,s3,${NO_KEY}`,
    );

    const inventory = parseCredentialReport(report(rootWithKey));

    expect(inventory.keys).toMatchObject([{ user: '<root_account>', keySlot: 1, status: 'Active' }]);
  });

  it('counts users without keys as users with no key records', () => {
    const inventory = parseCredentialReport(report(row('alice', NO_KEY), row('bob', NO_KEY)));

    expect(inventory.users).toHaveLength(2);
    expect(inventory.keys).toHaveLength(0);
  });

  it('reads an active used key with its dates and service', () => {
    const inventory = parseCredentialReport(
      report(row('alice', 'true,2026-08-30T12:58:00+00:00,2026-11-27T04:00:00+00:00,us-east-1,ec2')),
    );

    expect(inventory.keys).toEqual([
      {
        account: '123456789012',
        user: 'alice',
        userArn: ARN('alice'),
        accessKeyId: null,
        keySlot: 1,
        status: 'Active',
        createdAt: new Date('2026-08-30T12:58:00Z'),
        lastUsedAt: new Date('2026-11-27T04:00:00Z'),
        lastUsedService: 'ec2',
      },
    ]);
  });

  it('reads N/A as never used', () => {
    const inventory = parseCredentialReport(
      report(row('alice', 'true,2026-10-01T00:00:00+00:00,N/A,N/A,N/A')),
    );

    expect(inventory.keys[0]).toMatchObject({ lastUsedAt: null, lastUsedService: null });
  });

  it.each(['no_information', 'not_supported'])('reads %s as no date', (value) => {
    const inventory = parseCredentialReport(
      report(
        row(
          'alice',
          `true,2026-10-01T00:00:00+00:00,${value},N/A,${value}`,
          NO_KEY,
          `true,${value},N/A,N/A,true`,
        ),
      ),
    );

    expect(inventory.keys[0]).toMatchObject({ lastUsedAt: null, lastUsedService: null });
  });

  it('reads both slots of a two-key user, inactive included', () => {
    const inventory = parseCredentialReport(
      report(
        row(
          'grace',
          'false,2026-07-20T21:58:00+00:00,2026-08-19T00:00:00+00:00,us-east-1,s3',
          'true,2026-11-08T06:15:00+00:00,2026-11-27T18:00:00+00:00,us-east-1,s3',
        ),
      ),
    );

    expect(inventory.keys.map((k) => [k.keySlot, k.status])).toEqual([
      [1, 'Inactive'],
      [2, 'Active'],
    ]);
  });

  it('reads a key in slot 2 alone as slot 2', () => {
    const inventory = parseCredentialReport(
      report(row('trent', NO_KEY, 'true,2026-10-18T16:53:00+00:00,N/A,N/A,N/A')),
    );

    expect(inventory.keys.map((k) => k.keySlot)).toEqual([2]);
  });

  it('accepts a byte-order mark and Windows line ends', () => {
    const inventory = parseCredentialReport(`\uFEFF${report(row('alice', NO_KEY)).replace(/\n/g, '\r\n')}`);

    expect(inventory.users).toHaveLength(1);
  });

  it('refuses a garbled creation date, naming line and column', () => {
    expect(refusal(report(ROOT, row('alice', 'true,yesterday,N/A,N/A,N/A')))).toBe(
      'report.csv: line 3: access_key_1_last_rotated is not a date: "yesterday"',
    );
  });

  it('names the line as an editor counts it, blank lines included', () => {
    const csv = report(ROOT, '', row('alice', 'true,soon,N/A,N/A,N/A'));

    expect(refusal(csv)).toBe('report.csv: line 4: access_key_1_last_rotated is not a date: "soon"');
  });

  it('refuses a garbled last-used date', () => {
    expect(refusal(report(row('alice', 'true,2026-10-01T00:00:00+00:00,2026-13-45T99:00:00Z,N/A,s3')))).toBe(
      'report.csv: line 2: access_key_1_last_used_date is not a date: "2026-13-45T99:00:00Z"',
    );
  });

  it('refuses an active flag that is neither true nor false', () => {
    expect(refusal(report(row('alice', 'yes,2026-10-01T00:00:00+00:00,N/A,N/A,N/A')))).toBe(
      'report.csv: line 2: access_key_1_active must be true or false, not "yes"',
    );
  });

  it('refuses an active key without a creation date', () => {
    expect(refusal(report(row('alice', 'true,N/A,N/A,N/A,N/A')))).toBe(
      'report.csv: line 2: access_key_1_active is true but access_key_1_last_rotated is "N/A"',
    );
  });

  it('refuses a row with a different number of columns', () => {
    expect(refusal(report(row('alice', NO_KEY), 'bob,arn:aws:iam::123456789012:user/bob'))).toMatch(
      /^report\.csv: not a valid CSV file \(Invalid Record Length: .*line 3\)$/,
    );
  });

  it('refuses a CSV that is not a credential report, naming the missing columns', () => {
    expect(refusal('name,age\nalice,3\n')).toBe(
      'report.csv: not an IAM credential report: missing columns user, arn, access_key_1_active, access_key_1_last_rotated, access_key_1_last_used_date, access_key_2_active, access_key_2_last_rotated, access_key_2_last_used_date',
    );
  });

  it('refuses a report missing one column', () => {
    expect(refusal(report().replace(',access_key_2_last_used_date', ',access_key_2_last_used_dat'))).toBe(
      'report.csv: not an IAM credential report: missing column access_key_2_last_used_date',
    );
  });

  it('refuses a report with a column twice, naming the column, instead of reading the second', () => {
    // Prepare: the second access_key_1_active says false; csv-parse alone would keep it and call an
    // active overdue key stale.
    const csv = `${HEADER},access_key_1_active\n${row('alice', 'true,2025-01-01T00:00:00+00:00,N/A,N/A,N/A')},false\n`;

    // Act
    const message = refusal(csv);

    // Assess
    expect(message).toBe(
      'report.csv: column access_key_1_active appears 2 times (columns 9, 23); a credential report has each column once',
    );
  });

  it('shows control characters of a refused value escaped', () => {
    expect(refusal(report(row('alice', 'tr\u001b[2Jue,2026-10-01T00:00:00+00:00,N/A,N/A,N/A')))).toBe(
      'report.csv: line 2: access_key_1_active must be true or false, not "tr\\x1b[2Jue"',
    );
  });

  it('refuses an empty file', () => {
    expect(refusal('')).toBe('report.csv: the credential report is empty');
  });

  it('refuses a row without an ARN', () => {
    expect(refusal(report(row('alice', NO_KEY).replace(ARN('alice'), '')))).toBe(
      'report.csv: line 2: a row needs a user name and an ARN',
    );
  });
});

describe('decodeSavedReport', () => {
  it('passes CSV through', () => {
    const csv = report(row('alice', NO_KEY));

    expect(decodeSavedReport(csv, 'r.csv')).toEqual({ csv, generatedAt: null });
  });

  it('decodes the JSON that aws iam get-credential-report prints', () => {
    // Prepare
    const csv = report(ROOT, row('alice', NO_KEY));
    const saved = JSON.stringify({
      Content: Buffer.from(csv).toString('base64'),
      ReportFormat: 'text/csv',
      GeneratedTime: '2026-11-28T07:00:00+00:00',
    });

    // Act
    const decoded = decodeSavedReport(saved, 'r.json');

    // Assess
    expect(decoded).toEqual({ csv, generatedAt: new Date('2026-11-28T07:00:00Z') });
    expect(parseCredentialReport(decoded.csv).users).toHaveLength(1);
  });

  it('refuses JSON that does not parse', () => {
    expect(() => decodeSavedReport('{"Content": ', 'r.json')).toThrow(
      'r.json: looks like JSON but does not parse; save the CSV or the output of aws iam get-credential-report',
    );
  });

  it('refuses JSON with Content twice instead of reading the last one', () => {
    const content = Buffer.from(report(row('alice', NO_KEY))).toString('base64');

    expect(() => decodeSavedReport(`{"Content": "${content}", "Content": "${content}"}`, 'r.json')).toThrow(
      'r.json: the JSON has the field Content more than once',
    );
  });

  it('refuses JSON whose Content is not base64', () => {
    expect(() => decodeSavedReport('{"Content": "not base64!"}', 'r.json')).toThrow(
      'r.json: Content is not base64; expected the output of aws iam get-credential-report',
    );
  });

  it('refuses JSON without Content', () => {
    expect(() => decodeSavedReport('{"Users": []}', 'r.json')).toThrow(
      'r.json: JSON without a Content field; expected the output of aws iam get-credential-report',
    );
  });
});
