/**
 * Cuts `text` to at most `maxLength` UTF-16 units, marking the cut with an ellipsis. AAP tracebacks can be
 * megabytes long, and the status has to stay writable (etcd object size, the CRD's message bounds).
 */
export function boundText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let cut = text.slice(0, Math.max(0, maxLength - 1));
  // Never leave half of a surrogate pair at the end.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}
