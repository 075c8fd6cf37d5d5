/** An IAM policy document, typed so that programs and tests build and read the same shape. */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: Record<string, string>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

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
