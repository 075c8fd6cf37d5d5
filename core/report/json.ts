import type { AuditReport } from '../audit/report.js';

/**
 * The machine contract (docs/design.md, "The JSON report"). schemaVersion 2: v1's fields keep their meaning; the
 * verdicts root-key and superseded, their summary counts and `controls` per finding are new. schemaVersion 3: the
 * verdict `compromised` (AWS quarantined the user), its summary count, and `notes`. Field order is part of its
 * readability.
 */
export function toJsonReport(report: AuditReport) {
  return {
    schemaVersion: report.schemaVersion,
    tool: report.tool,
    asOf: report.asOf.toISOString(),
    source: report.source,
    account: report.account,
    policy: report.policy,
    summary: report.summary,
    complete: report.gaps.length === 0,
    gaps: report.gaps,
    /** What a person should know beside the findings (keys created after asOf, a stale credential report …). */
    notes: report.notes,
    ...(report.accounts ? { accounts: report.accounts } : {}),
    findings: report.findings.map((finding) => ({
      account: finding.account,
      user: finding.user,
      userArn: finding.userArn,
      accessKeyId: finding.accessKeyId,
      keySlot: finding.keySlot,
      status: finding.status,
      createdAt: finding.createdAt.toISOString(),
      lastUsedAt: finding.lastUsedAt?.toISOString() ?? null,
      ageDays: finding.ageDays,
      verdict: finding.verdict,
      severity: finding.severity,
      reason: finding.reason,
      controls: finding.controls.map((control) => ({ framework: control.framework, id: control.id })),
    })),
  };
}

export function renderJson(report: AuditReport): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}
