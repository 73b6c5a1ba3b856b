// One JSON-RPC call over HTTP on loopback: the parsed result, and the size of the body as it
// came over the wire. A JSON-RPC error is thrown with its message.

export type JsonRpcReply = { result: unknown; bodyBytes: number }

export async function callJsonRpc(
  url: string,
  method: string,
  params: unknown[],
): Promise<JsonRpcReply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  const text = await response.text()
  const body = JSON.parse(text) as { result?: unknown; error?: { message?: string } }
  if (body.error || body.result === undefined) {
    throw new Error(`${method} at ${url}: ${body.error?.message ?? 'no result'}`)
  }
  return { result: body.result, bodyBytes: Buffer.byteLength(text) }
}
