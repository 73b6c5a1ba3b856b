// The deployment record in the data directory (deployment.json): which chain, which
// contract addresses, from which block. Validated whenever it is read.

import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { VeriotError } from '@veriot/core'
import { getAddress, isAddress, isHash } from 'viem'
import { z } from 'zod'
import { writeJsonFileDurably } from '../store/writeJsonFileDurably.ts'
import type { Deployment } from './deployContracts.ts'

const address = z.string().refine((s) => isAddress(s), 'expected a 0x address')
const hash = z.string().refine((s) => isHash(s), 'expected a 32-byte 0x hash')
const contract = z.object({
  address,
  blockNumber: z.string().regex(/^\d+$/),
  txHash: hash,
})
const schema = z.object({
  version: z.literal(1),
  chainId: z.number().int().positive(),
  deployer: address,
  contracts: z.object({
    DeviceRegistry: contract,
    TelemetryAnchor: contract,
    AuthorityRegistry: contract,
    AccessGrants: contract,
    // Optional: records written before FirmwareRegistry existed lack it (`veriot up` adds it).
    FirmwareRegistry: contract.optional(),
    // Optional: records written before conditions existed stay valid.
    ConditionRegistry: contract.optional(),
  }),
})

export const DEPLOYMENT_FILE = 'deployment.json'

/** Reads `<dataDir>/deployment.json`, or undefined when absent. @throws CONFIG_INVALID */
export function readDeploymentFile(dataDir: string): Deployment | undefined {
  const path = join(dataDir, DEPLOYMENT_FILE)
  if (!existsSync(path)) return undefined
  let parsed: z.infer<typeof schema>
  try {
    parsed = schema.parse(JSON.parse(readFileSync(path, 'utf8')))
  } catch (cause) {
    throw new VeriotError('CONFIG_INVALID', `${path} is not a valid deployment record`, {
      cause,
      context: { path },
    })
  }
  const toContract = (c: z.infer<typeof contract>) => ({
    address: getAddress(c.address),
    blockNumber: BigInt(c.blockNumber),
    txHash: c.txHash as `0x${string}`,
  })
  return {
    chainId: parsed.chainId,
    deployer: getAddress(parsed.deployer),
    contracts: {
      DeviceRegistry: toContract(parsed.contracts.DeviceRegistry),
      TelemetryAnchor: toContract(parsed.contracts.TelemetryAnchor),
      AuthorityRegistry: toContract(parsed.contracts.AuthorityRegistry),
      AccessGrants: toContract(parsed.contracts.AccessGrants),
      ...(parsed.contracts.FirmwareRegistry
        ? { FirmwareRegistry: toContract(parsed.contracts.FirmwareRegistry) }
        : {}),
      ...(parsed.contracts.ConditionRegistry === undefined
        ? {}
        : { ConditionRegistry: toContract(parsed.contracts.ConditionRegistry) }),
    },
  }
}

/** Writes the deployment record atomically and durably (temp file, fsync, rename). */
export function writeDeploymentFile(dataDir: string, d: Deployment): void {
  const path = join(dataDir, DEPLOYMENT_FILE)
  const body = {
    version: 1,
    chainId: d.chainId,
    deployer: d.deployer,
    contracts: Object.fromEntries(
      Object.entries(d.contracts).flatMap(([name, c]) =>
        c === undefined
          ? []
          : [
              [
                name,
                { address: c.address, blockNumber: c.blockNumber.toString(), txHash: c.txHash },
              ],
            ],
      ),
    ),
  }
  writeJsonFileDurably(path, body)
}
