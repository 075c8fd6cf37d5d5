import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { listKeyHistories } from '../../../core/trail/index.js';

// moto returns every version in one page whatever is asked, so the multi-page case is mocked here.
describe('listing every version of an S3 trail', () => {
  it('follows KeyMarker and VersionIdMarker over every page, keeping each key’s versions newest first', async () => {
    // Prepare: seq 2's two versions and its delete marker are split over pages.
    const s3 = new S3Client({ region: 'us-east-1' });
    const mock = mockClient(s3);
    const at = new Date('2026-06-01T12:00:00Z');
    mock
      .on(ListObjectVersionsCommand, { KeyMarker: undefined, VersionIdMarker: undefined })
      .resolves({
        IsTruncated: true,
        NextKeyMarker: 'trail/000000000002.json',
        NextVersionIdMarker: 'v2-new',
        Versions: [
          { Key: 'trail/000000000001.json', VersionId: 'v1', LastModified: at },
          { Key: 'trail/000000000002.json', VersionId: 'v2-new', LastModified: at },
        ],
      })
      .on(ListObjectVersionsCommand, { KeyMarker: 'trail/000000000002.json', VersionIdMarker: 'v2-new' })
      .resolves({
        IsTruncated: true,
        NextKeyMarker: 'trail/000000000003.json',
        NextVersionIdMarker: 'v3',
        Versions: [
          { Key: 'trail/000000000002.json', VersionId: 'v2-old', LastModified: at },
          { Key: 'trail/000000000003.json', VersionId: 'v3', LastModified: at },
        ],
      })
      .on(ListObjectVersionsCommand, { KeyMarker: 'trail/000000000003.json', VersionIdMarker: 'v3' })
      .resolves({
        IsTruncated: false,
        DeleteMarkers: [{ Key: 'trail/000000000002.json', VersionId: 'm2' }],
      });

    // Act
    const histories = await listKeyHistories(s3, 'bucket', 'trail/');

    // Assess
    expect(mock.commandCalls(ListObjectVersionsCommand)).toHaveLength(3);
    expect(
      mock.commandCalls(ListObjectVersionsCommand).every((call) => call.args[0].input.Prefix === 'trail/'),
    ).toBe(true);
    expect(
      histories.map(({ key, versions, deleteMarkers }) => ({
        key,
        versions: versions.map((version) => version.versionId),
        deleteMarkers,
      })),
    ).toEqual([
      { key: 'trail/000000000001.json', versions: ['v1'], deleteMarkers: 0 },
      { key: 'trail/000000000002.json', versions: ['v2-new', 'v2-old'], deleteMarkers: 1 },
      { key: 'trail/000000000003.json', versions: ['v3'], deleteMarkers: 0 },
    ]);
  });

  it('refuses a truncated page that names no next key, rather than stopping early', async () => {
    // Prepare
    const s3 = new S3Client({ region: 'us-east-1' });
    mockClient(s3).on(ListObjectVersionsCommand).resolves({ IsTruncated: true, Versions: [] });

    // Act / Assess
    await expect(listKeyHistories(s3, 'bucket', 'trail/')).rejects.toThrow(/truncated/);
  });
});
