/**
 * Which of several first keys, issued at once by runs that each saw a keyless user, is kept: the earliest
 * CreateDate, ties (IAM's CreateDate has whole seconds) broken by the smaller AccessKeyId. Every run that
 * lists the same keys picks the same winner (pure).
 */
export function firstKeyWinner(keys: readonly { id: string; createdAt: Date }[]): string | null {
  const ordered = [...keys].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return ordered[0]?.id ?? null;
}
