import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { clientConfig } from '../aws/clients.js';

import type { Notice } from './notices.js';

export interface Notifier {
  /** Where notices go, for the trail ("sns:arn:…", "stdout"). */
  readonly channel: string;
  send(notice: Notice): Promise<void>;
}

/** SNS: subscribers (the security team, the owner's queue) filter on the `user` and `kind` attributes. */
export function snsNotifier(topicArn: string, client: SNSClient = new SNSClient(clientConfig())): Notifier {
  return {
    channel: `sns:${topicArn}`,
    async send(notice) {
      await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: notice.subject.slice(0, 99),
          Message: notice.text,
          MessageAttributes: {
            kind: { DataType: 'String', StringValue: notice.kind },
            ...(notice.user ? { user: { DataType: 'String', StringValue: notice.user } } : {}),
          },
        }),
      );
    },
  };
}

/** Collects notices in memory (the CLI prints them; tests read them). */
export function memoryNotifier(channel = 'stdout'): Notifier & { sent: Notice[] } {
  const sent: Notice[] = [];
  return {
    channel,
    sent,
    async send(notice) {
      sent.push(notice);
    },
  };
}
