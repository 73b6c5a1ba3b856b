// The JSON a gateway sends back for a rejected message (MQTT errors topic, HTTP body).

import { VeriotError } from '@veriot/core'

export function rejectionPayload(err: unknown): { code: string; message: string } {
  const e = err instanceof VeriotError ? err : new VeriotError('INTERNAL', 'ingest failed')
  return { code: e.code, message: e.message }
}
