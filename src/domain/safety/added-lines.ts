/** Lines a file gained between two versions (a multiset difference: moved lines are not "added"). */
export interface AddedLine {
  line: number;
  text: string;
}

export function addedLines(before: string | undefined, after: string | undefined): AddedLine[] {
  if (after === undefined) return [];
  const remaining = new Map<string, number>();
  for (const text of (before ?? '').split('\n')) remaining.set(text, (remaining.get(text) ?? 0) + 1);
  const added: AddedLine[] = [];
  after.split('\n').forEach((text, index) => {
    const count = remaining.get(text) ?? 0;
    if (count > 0) remaining.set(text, count - 1);
    else added.push({ line: index + 1, text });
  });
  return added;
}
