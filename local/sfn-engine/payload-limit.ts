/** Step Functions caps execution input, every state's output and every task result at 256 KiB of UTF-8. */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

export function exceedsPayloadLimit(json: string): boolean {
  return Buffer.byteLength(json, 'utf8') > PAYLOAD_LIMIT_BYTES;
}
