import type { PolicyDocument } from '../core/aws/iam-policy.js';

/** A role trust policy: `service` may assume the role, optionally only on behalf of `sourceAccount`. */
export function assumableBy(service: string, sourceAccount?: Record<string, string>): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AssumedByService',
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        ...(sourceAccount ? { Condition: { StringEquals: sourceAccount } } : {}),
      },
    ],
  };
}
