import { describe, expect, it } from 'vitest';
import { DOCTOR_CHECKS } from '../../core/doctor/index.js';
import { KEYWARDEN_ENV } from '../../core/env.js';
import { docSection } from '../support/docs.js';

const section = (name: string) =>
  name === 'rotation' ? docSection('docs/rotation.md', name) : docSection('docs/operations.md', name);

describe('docs/operations.md and docs/rotation.md on credentials, region, debugging and doctor', () => {
  it('lists exactly the KEYWARDEN_* variables that core/env.ts knows', () => {
    const documented = [...section('aws-access').matchAll(/^\| `(KEYWARDEN_\w+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(KEYWARDEN_ENV).sort());
  });

  it('lists every doctor check by its id', () => {
    const table = section('rotation').slice(section('rotation').indexOf('## `keywarden doctor`'));
    const documented = [...table.matchAll(/^\| ((?:`[\w:-]+`(?:, )?)+)/gm)].flatMap((m) =>
      [...(m[1] ?? '').matchAll(/`([\w:-]+)`/g)].map((id) => id[1]),
    );
    expect(documented.sort()).toEqual(DOCTOR_CHECKS.map((check) => check.id).sort());
  });

  it('shows doctor JSON that parses, with the documented keys', () => {
    const doctor = section('rotation').slice(section('rotation').indexOf('## `keywarden doctor`'));
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(doctor)?.[1] ?? '');
    expect(Object.keys(example)).toEqual(['schemaVersion', 'tool', 'checkedAt', 'summary', 'checks']);
    expect(Object.keys(example.checks[0])).toEqual(['id', 'title', 'status', 'detail', 'fix']);
  });
});
