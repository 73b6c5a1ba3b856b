// Typed access to ConditionRegistry: create a condition, submit breach evidence from stored
// signed readings (idempotently), close a window with the anchored batches that cover it, read
// compliance, and the contract-wide circuit breaker.

import { conditionRegistryAbi } from '@veriot/contracts'
import { isVeriotError, readingIdOf, VeriotError } from '@veriot/core'
import {
  type Address,
  encodeAbiParameters,
  type Hex,
  hexToString,
  keccak256,
  parseEventLogs,
  stringToHex,
} from 'viem'
import type { ChainConnection } from '../chain/connectChain.ts'
import { sendContractTx } from '../chain/sendContractTx.ts'
import { toVeriotError } from '../chain/toVeriotError.ts'
import type { Deployment } from '../deployment/deployContracts.ts'
import type { TelemetryStore } from '../store/TelemetryStore.ts'
import { type ConditionDefinition, conditionToInput } from './conditionToInput.ts'
import { type SignedTelemetryEvidence, telemetryToEvidence } from './telemetryToEvidence.ts'

export type ConditionResult = 'open' | 'compliant' | 'breached'

const RESULTS = ['none', 'open', 'compliant', 'breached'] as const
const COMPARISONS = ['', '<=', '<', '>=', '>'] as const

export type ConditionRecord = {
  id: Hex
  creator: Address
  shipmentId: Hex
  deviceIds: Hex[]
  metric: { type: string; name: string; unit: string }
  comparison: '<=' | '<' | '>=' | '>'
  /** Fixed point: threshold / 10^decimals in the metric's unit. */
  threshold: bigint
  decimals: number
  durationMs: bigint
  maxGapMs: bigint
  window: { start: bigint; end: bigint }
  graceMs: bigint
  parties: { account: Address; role: string }[]
  result: ConditionResult
  breachCount: number
}

export type BreachRecord = {
  index: number
  deviceId: Hex
  firstSequence: bigint
  lastSequence: bigint
  firstTimestamp: bigint
  lastTimestamp: bigint
  /** RFC 6962 leaf hashes (= reading ids of the gateway's store and proof bundles). */
  firstReadingId: Hex
  lastReadingId: Hex
  submitter: Address
  recordedAt: Date
}

/** A TelemetryAnchor batch, as closeWindow takes it. */
export type BatchRef = {
  gateway: Address
  batchId: bigint
  root: Hex
  count: number
  firstTimestamp: bigint
  lastTimestamp: bigint
}

export type Compliance = {
  result: ConditionResult
  breachCount: number
  /** When closeWindow ran (undefined while open). */
  closedAt: Date | undefined
  /** The batches named at closing, read from the WindowClosed event and checked against the stored hash. */
  batches: BatchRef[]
}

export type BreachSubmission = {
  /** `duplicate`: these readings are already counted in breach `breachIndex`; nothing was sent. */
  status: 'recorded' | 'duplicate'
  breachIndex: number
  txHash: Hex | undefined
}

export type ConditionsClient = ReturnType<typeof createConditionsClient>

/**
 * A client of the deployment's ConditionRegistry, sending as `conn`'s account.
 * @throws CONTRACT_NOT_DEPLOYED when the deployment has no ConditionRegistry.
 * @example
 * const conditions = createConditionsClient(conn, deployment)
 * const { conditionId } = await conditions.createCondition({
 *   shipmentId: 'shipment-42', deviceIds: [sensor], comparison: '<=', threshold: '-20',
 *   metric: { type: 'temperature', name: 'temp', unit: 'Cel' }, window: { start, end },
 * })
 * await conditions.submitBreach(conditionId, [storedReading.message])
 */
export function createConditionsClient(conn: ChainConnection, deployment: Deployment) {
  const contract = deployment.contracts.ConditionRegistry
  if (contract === undefined) {
    throw new VeriotError(
      'CONTRACT_NOT_DEPLOYED',
      'this deployment has no ConditionRegistry (deployed before conditions existed); deploy again',
    )
  }
  const address = contract.address
  const fromBlock = contract.blockNumber
  const read = async <T>(functionName: string, args: readonly unknown[]): Promise<T> => {
    try {
      const call = { address, abi: conditionRegistryAbi, functionName, args }
      // biome-ignore lint/suspicious/noExplicitAny: the view names and result types are fixed by the callers below
      return (await conn.publicClient.readContract(call as any)) as T
    } catch (err) {
      throw toVeriotError(err)
    }
  }

  async function getCondition(conditionId: Hex): Promise<ConditionRecord> {
    const [c, deviceIds, parties] = await Promise.all([
      read<RawCondition>('getCondition', [conditionId]),
      read<Hex[]>('devicesOf', [conditionId]),
      read<{ account: Address; role: Hex }[]>('partiesOf', [conditionId]),
    ])
    if (c.result === 0) {
      throw new VeriotError('CONDITION_UNKNOWN', `condition ${conditionId} does not exist`, {
        context: { conditionId },
      })
    }
    return {
      id: conditionId,
      creator: c.creator,
      shipmentId: c.shipmentId,
      deviceIds: [...deviceIds],
      metric: { type: c.messageType, name: c.metricName, unit: c.unit },
      comparison: COMPARISONS[c.comparison] as ConditionRecord['comparison'],
      threshold: c.threshold,
      decimals: c.decimals,
      durationMs: c.durationMs,
      maxGapMs: c.maxGapMs,
      window: { start: c.start, end: c.end },
      graceMs: c.graceMs,
      parties: parties.map((p) => ({
        account: p.account,
        role: hexToString(p.role, { size: 32 }),
      })),
      result: RESULTS[c.result] as ConditionResult,
      breachCount: c.breachCount,
    }
  }

  async function getBreaches(conditionId: Hex): Promise<BreachRecord[]> {
    const raw = await read<RawBreach[]>('breachesOf', [conditionId])
    return raw.map((b, index) => ({
      index,
      deviceId: b.deviceId,
      firstSequence: b.firstSequence,
      lastSequence: b.lastSequence,
      firstTimestamp: b.firstTimestamp,
      lastTimestamp: b.lastTimestamp,
      firstReadingId: b.firstReadingId,
      lastReadingId: b.lastReadingId,
      submitter: b.submitter,
      recordedAt: new Date(Number(b.recordedAt) * 1000),
    }))
  }

  /**
   * The recorded breach made of exactly this evidence: same device, first and last sequence,
   * and the same first and last reading ids (so another message signed with a used sequence
   * number is not taken for it; the contract refuses that one as EVIDENCE_REPLAYED).
   */
  async function findSameBreach(
    conditionId: Hex,
    deviceId: Hex,
    first: { sequence: bigint; readingId: Hex },
    last: { sequence: bigint; readingId: Hex },
  ): Promise<BreachRecord | undefined> {
    const used = await read<boolean>('isReadingUsed', [conditionId, deviceId, first.sequence])
    if (!used) return undefined
    return (await getBreaches(conditionId)).find(
      (b) =>
        b.deviceId.toLowerCase() === deviceId.toLowerCase() &&
        b.firstSequence === first.sequence &&
        b.lastSequence === last.sequence &&
        b.firstReadingId === first.readingId &&
        b.lastReadingId === last.readingId,
    )
  }

  return {
    address,

    /**
     * Creates a condition (checked locally first). Idempotent: when this account already
     * created a condition for the shipment id with the same definition, returns it.
     * @throws CONDITION_INVALID (and the other definition codes), CONDITION_EXISTS when the
     *   existing condition differs, CONDITIONS_PAUSED, TX_FAILED, RPC_UNREACHABLE
     */
    async createCondition(
      definition: ConditionDefinition,
    ): Promise<{ conditionId: Hex; status: 'created' | 'existing'; txHash: Hex | undefined }> {
      const input = conditionToInput(definition)
      const creator = conn.account?.address
      if (creator === undefined) {
        throw new VeriotError('ACCOUNT_MISSING', 'creating a condition needs an account')
      }
      const conditionId = await read<Hex>('conditionIdOf', [creator, input.shipmentId])
      const existing = await read<RawCondition>('getCondition', [conditionId])
      if (existing.result !== 0) {
        const same =
          existing.start === input.start &&
          existing.end === input.end &&
          existing.threshold === input.threshold &&
          existing.decimals === input.decimals &&
          existing.comparison === input.comparison &&
          existing.durationMs === input.durationMs &&
          existing.maxGapMs === input.maxGapMs &&
          existing.graceMs === input.graceMs &&
          existing.messageType === input.messageType &&
          existing.metricName === input.metricName &&
          existing.unit === input.unit
        const devices = await read<Hex[]>('devicesOf', [conditionId])
        const sameDevices =
          devices.length === input.deviceIds.length &&
          devices.every((d, i) => d.toLowerCase() === input.deviceIds[i]?.toLowerCase())
        if (same && sameDevices) return { conditionId, status: 'existing', txHash: undefined }
        throw new VeriotError(
          'CONDITION_EXISTS',
          `condition ${conditionId} (shipment ${input.shipmentId}) exists with another definition`,
          { context: { conditionId } },
        )
      }
      const { txHash } = await sendContractTx(conn, {
        address,
        abi: conditionRegistryAbi,
        functionName: 'createCondition',
        args: [input],
      })
      return { conditionId, status: 'created', txHash }
    },

    getCondition,
    getBreaches,

    /**
     * Submits breach evidence: the encoded, signed telemetry messages of one device (as the
     * gateway stored them), one message for a condition without duration, else the whole run
     * of consecutive sequence numbers (any order; sorted here). Idempotent: when a breach made of
     * exactly these messages is recorded (also after a crash between sending and mining),
     * nothing is sent and the answer is `duplicate`. Other evidence reusing a counted
     * (device, sequence) is refused by the contract as EVIDENCE_REPLAYED.
     * @throws INVALID_ARGUMENT (no messages, several devices), TELEMETRY_*, SUITE_UNSUPPORTED,
     *   and the contract's codes: EVIDENCE_*, SIGNATURE_INVALID, DEVICE_NOT_ACTIVE,
     *   CONDITION_UNKNOWN, CONDITION_CLOSED, CONDITIONS_PAUSED; TX_FAILED, RPC_UNREACHABLE
     */
    async submitBreach(
      conditionId: Hex,
      messages: readonly Uint8Array[],
    ): Promise<BreachSubmission> {
      if (messages.length === 0) {
        throw new VeriotError(
          'INVALID_ARGUMENT',
          '"messages" expected at least one signed reading, got none',
        )
      }
      const decoded = messages.map((m) => telemetryToEvidence(m))
      const deviceId = decoded[0]?.deviceId as Hex
      if (decoded.some((d) => d.deviceId.toLowerCase() !== deviceId.toLowerCase())) {
        throw new VeriotError(
          'INVALID_ARGUMENT',
          '"messages" expected readings of one device, got several devices',
        )
      }
      const ordered = decoded
        .map((d, i) => ({ ...d, readingId: readingIdOf(messages[i] as Uint8Array) }))
        .sort((a, b) => compareBigint(a.evidence.sequence, b.evidence.sequence))
      const evidence: SignedTelemetryEvidence[] = ordered.map((d) => d.evidence)
      const endOf = (d: (typeof ordered)[number] | undefined) => ({
        sequence: d?.evidence.sequence ?? 0n,
        readingId: d?.readingId ?? ('0x' as Hex),
      })
      const first = endOf(ordered[0])
      const last = endOf(ordered[ordered.length - 1])
      const same = await findSameBreach(conditionId, deviceId, first, last)
      if (same !== undefined) {
        return { status: 'duplicate', breachIndex: same.index, txHash: undefined }
      }
      let txHash: Hex
      try {
        ;({ txHash } = await sendContractTx(conn, {
          address,
          abi: conditionRegistryAbi,
          functionName: 'submitBreach',
          args: [conditionId, deviceId, evidence],
        }))
      } catch (err) {
        // Someone (or an earlier attempt of ours) recorded it between the check and the send.
        if (isVeriotError(err, 'EVIDENCE_REPLAYED')) {
          const again = await findSameBreach(conditionId, deviceId, first, last)
          if (again !== undefined)
            return { status: 'duplicate', breachIndex: again.index, txHash: undefined }
        }
        throw err
      }
      const receipt = await conn.publicClient.getTransactionReceipt({ hash: txHash })
      const [event] = parseEventLogs({
        abi: conditionRegistryAbi,
        eventName: 'BreachRecorded',
        logs: receipt.logs,
      })
      return { status: 'recorded', breachIndex: Number(event?.args.breachIndex ?? -1), txHash }
    },

    /**
     * submitBreach with readings taken from the gateway's store by reading id.
     * @throws READING_UNKNOWN for an id the store does not hold, else as submitBreach
     */
    async submitBreachFromStore(
      conditionId: Hex,
      store: TelemetryStore,
      readingIds: readonly Hex[],
    ): Promise<BreachSubmission> {
      const messages: Uint8Array[] = []
      for (const id of readingIds) {
        const reading = await store.getReading(id)
        if (reading === undefined) {
          throw new VeriotError('READING_UNKNOWN', `no reading ${id} is stored`, {
            context: { readingId: id },
          })
        }
        messages.push(reading.message)
      }
      return this.submitBreach(conditionId, messages)
    },

    /**
     * Closes the window for good, naming the anchored batches that cover it; the result is
     * `breached` when any breach was recorded, else `compliant`.
     * @throws CONDITION_NOT_CLOSABLE, NOT_AUTHORIZED (not creator or party), BATCH_REF_INVALID,
     *   CONDITION_CLOSED, CONDITION_UNKNOWN, CONDITIONS_PAUSED, TX_FAILED, RPC_UNREACHABLE
     */
    async closeWindow(
      conditionId: Hex,
      batches: readonly BatchRef[],
    ): Promise<{ result: ConditionResult; txHash: Hex }> {
      const { txHash } = await sendContractTx(conn, {
        address,
        abi: conditionRegistryAbi,
        functionName: 'closeWindow',
        args: [conditionId, batches.map(toRawBatch)],
      })
      const { result } = await this.getCompliance(conditionId)
      return { result, txHash }
    },

    /**
     * The condition's result, breach count and, once closed, the batches named at closing
     * (from the WindowClosed event, checked against the hash the contract stored).
     * @throws CONDITION_UNKNOWN; TX_FAILED if the event disagrees with the stored hash
     */
    async getCompliance(conditionId: Hex): Promise<Compliance> {
      const [result, breachCount, closedAt, refsHash] = await read<[number, number, bigint, Hex]>(
        'complianceOf',
        [conditionId],
      )
      if (result === 0) {
        throw new VeriotError('CONDITION_UNKNOWN', `condition ${conditionId} does not exist`, {
          context: { conditionId },
        })
      }
      let batches: BatchRef[] = []
      if (closedAt !== 0n) {
        const logs = await conn.publicClient.getContractEvents({
          address,
          abi: conditionRegistryAbi,
          eventName: 'WindowClosed',
          args: { conditionId },
          fromBlock,
          strict: true,
        })
        const raw = logs[0]?.args.batches ?? []
        const hash = keccak256(encodeAbiParameters([BATCH_REFS_TYPE], [raw]))
        if (hash !== refsHash) {
          throw new VeriotError(
            'TX_FAILED',
            `condition ${conditionId}: the WindowClosed event does not match the stored batch hash`,
          )
        }
        batches = raw.map((b) => ({ ...b }))
      }
      return {
        result: RESULTS[result] as ConditionResult,
        breachCount,
        closedAt: closedAt === 0n ? undefined : new Date(Number(closedAt) * 1000),
        batches,
      }
    },

    /** Pauses the whole ConditionRegistry (guardian or admin). @throws ROLE_MISSING, CONDITIONS_PAUSED */
    async pause(reason: string): Promise<{ txHash: Hex }> {
      const bytes = new TextEncoder().encode(reason)
      if (bytes.length > 32) {
        throw new VeriotError(
          'INVALID_ARGUMENT',
          `"reason" expected at most 32 bytes, got ${bytes.length}`,
        )
      }
      return sendContractTx(conn, {
        address,
        abi: conditionRegistryAbi,
        functionName: 'pause',
        args: [stringToHex(reason, { size: 32 })],
      })
    },

    /** Resumes (admin only). @throws ROLE_MISSING, CONDITIONS_NOT_PAUSED */
    async unpause(): Promise<{ txHash: Hex }> {
      return sendContractTx(conn, {
        address,
        abi: conditionRegistryAbi,
        functionName: 'unpause',
        args: [],
      })
    },

    async isPaused(): Promise<boolean> {
      return read<boolean>('paused', [])
    },
  }
}

/** A gateway's stored batch as a reference for closeWindow. */
export function batchToRef(
  gateway: Address,
  batch: { id: number; root: Hex; count: number; firstTimestamp: number; lastTimestamp: number },
): BatchRef {
  return {
    gateway,
    batchId: BigInt(batch.id),
    root: batch.root,
    count: batch.count,
    firstTimestamp: BigInt(batch.firstTimestamp),
    lastTimestamp: BigInt(batch.lastTimestamp),
  }
}

const BATCH_REFS_TYPE = {
  type: 'tuple[]',
  components: [
    { name: 'gateway', type: 'address' },
    { name: 'batchId', type: 'uint64' },
    { name: 'root', type: 'bytes32' },
    { name: 'count', type: 'uint32' },
    { name: 'firstTimestamp', type: 'uint64' },
    { name: 'lastTimestamp', type: 'uint64' },
  ],
} as const

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function toRawBatch(b: BatchRef) {
  return { ...b }
}

type RawCondition = {
  creator: Address
  start: bigint
  result: number
  comparison: number
  decimals: number
  end: bigint
  durationMs: bigint
  maxGapMs: bigint
  graceMs: bigint
  threshold: bigint
  breachCount: number
  deviceCount: number
  closedAt: bigint
  shipmentId: Hex
  messageType: string
  metricName: string
  unit: string
}

type RawBreach = {
  deviceId: Hex
  firstSequence: bigint
  lastSequence: bigint
  firstTimestamp: bigint
  lastTimestamp: bigint
  firstReadingId: Hex
  lastReadingId: Hex
  submitter: Address
  recordedAt: bigint
}
