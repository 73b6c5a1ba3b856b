// Test support: a gateway in its own process, so a test can kill it with SIGKILL. Reads its
// configuration (JSON) from argv[2], prints `{"mqttUrl","httpUrl"}` as one line on stdout once
// it listens, and stops gracefully on SIGTERM. Started by spawnGateway (spawnGateway.ts).

import { readFileSync } from 'node:fs'
import { getAnvilAccount } from '../../src/anvil/index.ts'
import { connectChain } from '../../src/chain/connectChain.ts'
import { readDeploymentFile } from '../../src/deployment/deploymentFile.ts'
import { startGateway } from '../../src/gateway/startGateway.ts'
import type { GatewayProcessConfig } from './spawnGateway.ts'

const config = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as GatewayProcessConfig
const deployment = readDeploymentFile(config.deploymentDir)
if (!deployment) throw new Error(`no deployment.json in ${config.deploymentDir}`)
const conn = await connectChain({
  rpcUrl: config.rpcUrl,
  account: getAnvilAccount(config.accountIndex),
})
const gateway = await startGateway({
  conn,
  deployment,
  store: config.store,
  attestation: false,
  mqttPort: config.mqttPort,
  httpPort: config.httpPort,
  batchSize: config.batchSize,
  maxBatchAgeMs: config.maxBatchAgeMs,
  ...(config.mqttUrl ? { mqttUrl: config.mqttUrl } : {}),
  onAnchorEvent: (e) => {
    if (e.kind === 'error') process.stderr.write(`anchoring: ${e.error.code} ${e.error.message}\n`)
  },
})
process.stdout.write(`${JSON.stringify({ mqttUrl: gateway.mqttUrl, httpUrl: gateway.httpUrl })}\n`)
process.once('SIGTERM', () => {
  gateway.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  )
})
