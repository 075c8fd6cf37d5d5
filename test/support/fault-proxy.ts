import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { type Moto, startMoto } from './moto.js';

/** An IAM error to answer instead of moto, for requests of `action` (and `userName`, when given). */
export interface Fault {
  action: string;
  userName?: string;
  /** Only AssumeRole requests for this role (STS; moto assumes any role ARN, existing or not). */
  roleArn?: string;
  code: 'AccessDenied' | 'Throttling' | 'LimitExceeded' | 'ServiceFailure';
  status: number;
  message: string;
}

/** One request as the proxy saw it: its operation name and, for IAM, the user it names. */
export interface ProxiedCall {
  /** IAM/STS `Action`, the JSON protocols' `X-Amz-Target` operation (`PutSecretValue`), else `METHOD /path`. */
  action: string;
  userName: string | undefined;
  /** The request's JSON body (Secrets Manager, SNS JSON…), when it is JSON. */
  json: Record<string, unknown> | null;
}

/**
 * What the proxy does to the first request matching `action` (and `match`, when given):
 * - `hold-request`: keeps it from moto until `release()` (the caller's view: a slow request);
 * - `hold-answer`: lets moto carry it out, keeps the answer until `release()` (a slow answer);
 * - `drop-answer`: lets moto carry it out, then closes the connection without answering (a lost answer);
 * - `delay`: holds every matching request `ms` before forwarding it (jitter, one slow call).
 */
export type Interference =
  | {
      kind: 'hold-request' | 'hold-answer' | 'drop-answer';
      action: string | RegExp;
      match?: (call: ProxiedCall) => boolean;
    }
  | {
      kind: 'delay';
      action: string | RegExp;
      ms: number | (() => number);
      match?: (call: ProxiedCall) => boolean;
    };

/** A hold in place: `reached` resolves when the matching request arrives; `release()` lets it go on. */
export interface Held {
  reached: Promise<ProxiedCall>;
  release(): void;
}

export interface FaultProxy {
  endpoint: string;
  /** Requests answered with a fault so far, as "Action UserName". */
  faulted: string[];
  /** Every request forwarded or faulted, in arrival order, as "Action" (or "Action UserName" for IAM). */
  calls: string[];
  setFaults(faults: Fault[]): void;
  /** Interferes once (or, for `delay`, with every matching request until `clearInterference`). */
  interfere(interference: Interference): Held;
  clearInterference(): void;
  close(): Promise<void>;
}

function callOf(request: IncomingMessage, body: Buffer): ProxiedCall {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') {
    let json: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8') || '{}');
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        json = Object.fromEntries(Object.entries(parsed));
    } catch {
      json = null;
    }
    return { action: target.slice(target.lastIndexOf('.') + 1), userName: undefined, json };
  }
  const params = new URLSearchParams(body.toString('utf8'));
  const action = params.get('Action');
  if (action) return { action, userName: params.get('UserName') ?? undefined, json: null };
  return {
    action: `${request.method ?? 'GET'} ${(request.url ?? '/').split('?')[0]}`,
    userName: undefined,
    json: null,
  };
}

interface ActiveInterference {
  interference: Interference;
  reached: (call: ProxiedCall) => void;
  released: Promise<void>;
  used: boolean;
}

/**
 * A loopback proxy in front of moto that answers chosen IAM calls with real IAM error responses (the
 * XML shape IAM sends), and forwards everything else. It produces the faults moto cannot: access
 * denied on some users only (moto judges IAM policies against resource "*"), throttling past retries.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  let faults: Fault[] = [];
  const faulted: string[] = [];
  const calls: string[] = [];
  let interferences: ActiveInterference[] = [];
  const interferenceFor = (call: ProxiedCall) =>
    interferences.find(
      (active) =>
        !active.used &&
        (typeof active.interference.action === 'string'
          ? active.interference.action === call.action
          : active.interference.action.test(call.action)) &&
        (active.interference.match?.(call) ?? true),
    );
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const params = new URLSearchParams(body.toString('utf8'));
    const call = callOf(request, body);
    calls.push(call.userName ? `${call.action} ${call.userName}` : call.action);
    const action = params.get('Action') ?? '';
    const userName = params.get('UserName') ?? undefined;
    const roleArn = params.get('RoleArn') ?? undefined;
    const fault = faults.find(
      (candidate) =>
        candidate.action === action &&
        (candidate.userName === undefined || candidate.userName === userName) &&
        (candidate.roleArn === undefined || candidate.roleArn === roleArn),
    );
    if (fault) {
      faulted.push(`${action} ${userName ?? roleArn ?? ''}`.trim());
      response.writeHead(fault.status, { 'content-type': 'text/xml' });
      response.end(
        `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${fault.code}</Code><Message>${fault.message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`,
      );
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(
        ([name, value]) =>
          typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name),
      ),
    ) as Record<string, string>;
    const active = interferenceFor(call);
    if (active && active.interference.kind !== 'delay') active.used = true;
    if (active) active.reached(call);
    if (active?.interference.kind === 'hold-request') await active.released;
    if (active?.interference.kind === 'delay') {
      const { ms } = active.interference;
      await new Promise((resolve) => setTimeout(resolve, typeof ms === 'number' ? ms : ms()));
    }
    const upstream = await fetch(`${target}${request.url ?? '/'}`, {
      method: request.method ?? 'POST',
      headers,
      body: request.method === 'GET' || request.method === 'HEAD' ? undefined : body,
    });
    const answer = Buffer.from(await upstream.arrayBuffer());
    if (active?.interference.kind === 'drop-answer') {
      // Carried out by moto, but the caller never hears of it.
      request.socket.destroy();
      return;
    }
    if (active?.interference.kind === 'hold-answer') await active.released;
    const forwarded: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(name))
        forwarded[name] = value;
    });
    response.writeHead(upstream.status, forwarded);
    response.end(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    faulted,
    calls,
    setFaults(next) {
      faults = next;
      faulted.length = 0;
    },
    interfere(interference) {
      let reached: (call: ProxiedCall) => void = () => undefined;
      let release: () => void = () => undefined;
      const reachedPromise = new Promise<ProxiedCall>((resolve) => {
        reached = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      interferences.push({ interference, reached, released, used: false });
      return { reached: reachedPromise, release };
    },
    clearInterference() {
      interferences = [];
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const denied = (action: string, userName?: string): Fault => ({
  action,
  ...(userName === undefined ? {} : { userName }),
  code: 'AccessDenied',
  status: 403,
  message: `User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: iam:${action}${userName ? ` on resource: user ${userName}` : ''}`,
});

export const throttled = (action: string, userName?: string): Fault => ({
  action,
  ...(userName === undefined ? {} : { userName }),
  code: 'Throttling',
  status: 400,
  message: 'Rate exceeded',
});

/** STS refusing `caller` the role `roleArn` (a member account without the role, or a role that does not trust it). */
export const assumeRoleDenied = (roleArn: string, caller: string): Fault => ({
  action: 'AssumeRole',
  roleArn,
  code: 'AccessDenied',
  status: 403,
  message: `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
});

/**
 * A suite's moto behind a fault proxy: started once, the SDK in this process pointed at the proxy
 * (AWS_ENDPOINT_URL), both stopped after the suite. `onReady` receives them before the first test.
 */
export function useMotoBehindFaultProxy(onReady: (moto: Moto, proxy: FaultProxy) => void): void {
  let moto: Moto | undefined;
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startFaultProxy(moto.endpoint);
    moto.useInThisProcess();
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    onReady(moto, proxy);
  });
  afterAll(async () => {
    await proxy?.close();
    await moto?.stop();
  });
}
