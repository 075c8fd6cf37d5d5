import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { endpointFor, signedHeaders } from '../../../core/credentials/describe.js';

/** The hash the SDK's signer wants (its own Sha256 interface), over node:crypto. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

const KEY = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const NOW = new Date('2026-06-01T12:34:56.789Z');

describe('signedHeaders', () => {
  it.each([
    ['an AWS endpoint', 'https://secretsmanager.eu-central-1.amazonaws.com', 'eu-central-1'],
    ['a local endpoint with a port', 'http://127.0.0.1:5123', 'us-east-1'],
  ])('signs DescribeSecret exactly as the SDK’s own SigV4 signer does (%s)', async (_case, url, region) => {
    // Prepare
    const endpoint = new URL(url);
    const body = JSON.stringify({ SecretId: 'keywarden/123456789012/app' });
    const signer = new SignatureV4({
      service: 'secretsmanager',
      region,
      credentials: KEY,
      sha256: Sha256,
      applyChecksum: false,
    });

    // Act
    const ours = signedHeaders(endpoint, region, 'secretsmanager.DescribeSecret', body, KEY, NOW);
    const theirs = await signer.sign(
      {
        method: 'POST',
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        port: endpoint.port ? Number(endpoint.port) : undefined,
        path: '/',
        query: {},
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          host: endpoint.host,
          'x-amz-target': 'secretsmanager.DescribeSecret',
        },
        body,
      },
      { signingDate: NOW },
    );

    // Assess
    expect(ours.authorization).toBe(theirs.headers.authorization);
    expect(ours['x-amz-date']).toBe(theirs.headers['x-amz-date']);
  });
});

describe('endpointFor', () => {
  it('is the regional endpoint by default, and AWS_ENDPOINT_URL when set', () => {
    expect(endpointFor('eu-central-1', {}, '')?.href).toBe(
      'https://secretsmanager.eu-central-1.amazonaws.com/',
    );
    expect(endpointFor('cn-north-1', {}, '')?.href).toBe(
      'https://secretsmanager.cn-north-1.amazonaws.com.cn/',
    );
    expect(endpointFor('us-east-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }, '')?.href).toBe(
      'http://127.0.0.1:5000/',
    );
    expect(
      endpointFor(
        'us-east-1',
        { AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://b:2' },
        '',
      )?.href,
    ).toBe('http://b:2/');
  });

  it('leaves the call to the SDK where its endpoint could differ', () => {
    expect(endpointFor(null, {}, '')).toBeNull();
    expect(endpointFor('us-east-1', { AWS_USE_FIPS_ENDPOINT: 'true' }, '')).toBeNull();
    expect(endpointFor('us-gov-west-1', {}, '')).toBeNull();
    expect(endpointFor('us-east-1', {}, '[profile app]\nendpoint_url = https://vpce.example\n')).toBeNull();
  });
});
