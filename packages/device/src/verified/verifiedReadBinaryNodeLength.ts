// The length of the RLP item that starts at a given offset, from its header alone: how the
// binary form's table of trie nodes splits into nodes without decoding each node (the proof
// checks decode and hash them later anyway).

/**
 * Bytes taken by the RLP item (string or list) starting at `offset` of `bytes`, header included.
 * Accepts only canonical headers (long forms for 56 bytes or more, no leading zero in a length).
 *
 * @throws RangeError when the header is cut short, not canonical, claims more than 2^32 bytes,
 *   or the item runs past the end of `bytes`
 */
export function verifiedReadBinaryNodeLength(bytes: Uint8Array, offset: number): number {
  const head = bytes[offset]
  if (head === undefined) throw new RangeError(`no RLP item at offset ${offset}`)
  let length: number
  if (head < 0x80) length = 1
  else if (head < 0xb8) length = 1 + head - 0x80
  else if (head < 0xc0) length = longForm(bytes, offset, head - 0xb7)
  else if (head < 0xf8) length = 1 + head - 0xc0
  else length = longForm(bytes, offset, head - 0xf7)
  if (offset + length > bytes.length) {
    throw new RangeError(
      `RLP item at offset ${offset} needs ${length} bytes, ${bytes.length - offset} left`,
    )
  }
  return length
}

function longForm(bytes: Uint8Array, offset: number, lengthBytes: number): number {
  if (lengthBytes > 4)
    throw new RangeError(`RLP item at offset ${offset} is longer than 2^32 bytes`)
  if (offset + lengthBytes >= bytes.length || bytes[offset + 1] === 0) {
    throw new RangeError(`RLP length at offset ${offset} is cut short or starts with a zero`)
  }
  let payload = 0
  for (let i = 1; i <= lengthBytes; i++) payload = payload * 256 + (bytes[offset + i] as number)
  if (payload < 56)
    throw new RangeError(`RLP item at offset ${offset} uses the long form for ${payload} bytes`)
  return 1 + lengthBytes + payload
}
