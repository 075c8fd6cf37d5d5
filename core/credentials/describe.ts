import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { fieldOf } from './json.js';
import type { Key } from './key.js';

/**
 * DescribeSecret without the SDK, for the call every credential_process run makes: signing one JSON POST
 * with Signature Version 4 takes node:crypto alone, where loading and initialising the Secrets Manager
 * client costs a process start several times over. Used only where the SDK would pick the same endpoint;
 * anywhere else (`endpointFor` returns null) the SDK makes the call. The signature is checked against the
 * SDK's own signer in the tests.
 */
export interface DescribedSecret {
  VersionIdsToStages?: Record<string, string[]>;
}

/** An AWS error as the SDK would throw it: `name` is the error code. */
export class AwsCallError extends Error {
  /** As on the SDK's errors, so that `describeError` and the classifiers read it the same way. */
  readonly $metadata: { httpStatusCode: number };

  constructor(
    override readonly name: string,
    message: string,
    status: number,
  ) {
    super(message);
    this.$metadata = { httpStatusCode: status };
  }
}

/**
 * The endpoint the SDK would call for Secrets Manager in `region`, or null where it could differ from what
 * this fast path knows (FIPS or dual-stack asked for, an endpoint in the config file, an unknown region).
 */
export function endpointFor(region: string | null, env: NodeJS.ProcessEnv, configText: string): URL | null {
  if (!region || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) return null;
  if (env.AWS_USE_FIPS_ENDPOINT === 'true' || env.AWS_USE_DUALSTACK_ENDPOINT === 'true') return null;
  const ignoreConfigured = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true';
  if (!ignoreConfigured) {
    const configured = env.AWS_ENDPOINT_URL_SECRETS_MANAGER || env.AWS_ENDPOINT_URL;
    if (configured) return URL.canParse(configured) ? new URL(configured) : null;
    if (/^\s*endpoint_url\s*=/m.test(configText) || /use_(fips|dualstack)_endpoint/.test(configText))
      return null;
  }
  if (region.startsWith('cn-')) return new URL(`https://secretsmanager.${region}.amazonaws.com.cn`);
  if (region.startsWith('us-gov-') || region.startsWith('us-iso')) return null;
  return new URL(`https://secretsmanager.${region}.amazonaws.com`);
}

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** The SigV4 headers of a Secrets Manager JSON call (long-term keys: no session token). */
export function signedHeaders(
  endpoint: URL,
  region: string,
  target: string,
  body: string,
  key: Key,
  now: Date,
): Record<string, string> {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    host: endpoint.host,
    'x-amz-date': amzDate,
    'x-amz-target': target,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    endpoint.pathname || '/',
    '',
    ...names.map((name) => `${name}:${headers[name]}`),
    '',
    names.join(';'),
    sha256(body),
  ].join('\n');
  const scope = `${day}/${region}/secretsmanager/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${key.secretAccessKey}`, day), region), 'secretsmanager'),
    'aws4_request',
  );
  const signature = createHmac('sha256', signingKey).update(toSign, 'utf8').digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

export async function describeSecretDirect(
  endpoint: URL,
  region: string,
  secretId: string,
  key: Key,
  now: Date,
): Promise<DescribedSecret> {
  const body = JSON.stringify({ SecretId: secretId });
  const headers = signedHeaders(endpoint, region, 'secretsmanager.DescribeSecret', body, key, now);
  const send = endpoint.protocol === 'http:' ? httpRequest : httpsRequest;
  const { status, text, errorType } = await new Promise<{ status: number; text: string; errorType: string }>(
    (resolve, reject) => {
      const call = send(
        endpoint,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          timeout: 10_000,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              text: Buffer.concat(chunks).toString('utf8'),
              errorType: String(response.headers['x-amzn-errortype'] ?? ''),
            }),
          );
          response.on('error', reject);
        },
      );
      call.on('timeout', () =>
        call.destroy(new AwsCallError('TimeoutError', `no answer from ${endpoint.host} in 10 s`, 0)),
      );
      call.on('error', reject);
      call.end(body);
    },
  );
  let parsed: unknown = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    // An answer that is not JSON (a proxy's error page): reported by status below.
  }
  if (status >= 200 && status < 300) return describedSecret(parsed);
  const field = (key: string) => fieldOf(parsed, key);
  // The error code: x-amzn-errortype or __type, either possibly "namespace#Code:extra".
  const raw = errorType || String(field('__type') ?? field('code') ?? '') || `HTTP${status}`;
  const name = raw.split(':')[0]?.split('#').pop() ?? raw;
  const message = String(field('message') ?? field('Message') ?? `HTTP ${status}`);
  throw new AwsCallError(name, message, status);
}

/** DescribeSecret's answer, the one field read: each version's stages (a version listed otherwise has none). */
function describedSecret(answer: unknown): DescribedSecret {
  const stages = fieldOf(answer, 'VersionIdsToStages');
  if (typeof stages !== 'object' || stages === null) return {};
  return {
    VersionIdsToStages: Object.fromEntries(
      Object.entries(stages).map(([versionId, list]) => [
        versionId,
        Array.isArray(list) ? list.filter((stage) => typeof stage === 'string') : [],
      ]),
    ),
  };
}
