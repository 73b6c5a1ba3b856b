// The `veriot` command line: parses arguments with commander, runs one command, and maps
// every failure to a documented error code and exit status.

import { ExitCode, isVeriotError, VeriotError } from '@veriot/core'
import { toVeriotError } from '@veriot/node'
import { Command, CommanderError, Option } from 'commander'
import { BaseError } from 'viem'
import { type AlertsOptions, alertsCommand } from './commands/alerts.ts'
import { type AttestOptions, attestCommand } from './commands/attest.ts'
import { authorityCommand, watchdogCommand } from './commands/authority.ts'
import { breakerCommand } from './commands/breaker.ts'
import {
  type ConditionCreateOptions,
  conditionCloseCommand,
  conditionCreateCommand,
  conditionPauseCommand,
  conditionShowCommand,
} from './commands/condition.ts'
import {
  capabilityCommand,
  historyCommand,
  listCommand,
  provisionCommand,
  showCommand,
  transferCommand,
  transitionCommand,
} from './commands/device.ts'
import { downCommand } from './commands/down.ts'
import {
  type ApproveOptions,
  approveCommand,
  listFirmwareCommand,
  type PublishOptions,
  publishCommand,
  type RevokeOptions,
  revokeCommand,
  type SetKeysOptions,
  setKeysCommand,
  setMinimumCommand,
  showFirmwareCommand,
} from './commands/firmware.ts'
import { type GatewayCliOptions, gatewayCommand } from './commands/gateway.ts'
import { keyCommand } from './commands/key.ts'
import { proofCommand, readingsCommand, verifyCommand } from './commands/proof.ts'
import { roleCommand } from './commands/role.ts'
import { type SimulateOptions, simulateCommand } from './commands/simulate.ts'
import { statusCommand } from './commands/status.ts'
import { upCommand } from './commands/up.ts'
import { type CommandContext, createContext, type GlobalOptions } from './context/createContext.ts'
import { toJson } from './context/output.ts'

/**
 * Runs the CLI with `argv` (as process.argv) and resolves to the exit status.
 * @example process.exitCode = await main(process.argv)
 */
export async function main(argv: string[]): Promise<number> {
  let json = argv.includes('--json')
  const program = buildProgram(json)
  try {
    await program.parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0
      if (err.code === 'commander.help') return 0
      return report(
        new VeriotError('INVALID_ARGUMENT', err.message.replace(/^error: /, ''), { cause: err }),
        json,
      )
    }
    json = json || program.opts().json === true
    return report(err, json)
  }
  return ExitCode.ok
}

function report(err: unknown, json: boolean): number {
  // Chain errors that a command did not map itself (viem's) still get their documented code:
  // RPC_UNREACHABLE, a decoded contract error, or TX_FAILED — never a bare INTERNAL.
  const error = isVeriotError(err)
    ? err
    : err instanceof BaseError
      ? toVeriotError(err)
      : new VeriotError('INTERNAL', err instanceof Error ? err.message : String(err), {
          cause: err,
        })
  if (json) process.stderr.write(`${toJson({ error: error.toJSON() })}\n`)
  else {
    process.stderr.write(`error ${error.code}: ${error.message}\n`)
    if (error.code === 'INTERNAL' && error.cause instanceof Error && process.env.VERIOT_DEBUG) {
      process.stderr.write(`${error.cause.stack}\n`)
    }
  }
  return error.exitCode
}

function buildProgram(json: boolean): Command {
  const program = new Command('veriot')
    .description('Veriot: a blockchain trust layer for IoT fleets')
    .version('0.1.0')
    .option('--data-dir <dir>', 'data directory (env VERIOT_DATA_DIR)', undefined)
    .option(
      '--json',
      'machine-readable output: one JSON document on stdout, errors as JSON on stderr',
    )
    .option(
      '--rpc-url <url>',
      'use this EVM JSON-RPC endpoint instead of the embedded chain (env VERIOT_RPC_URL)',
    )
    .option(
      '--keystore <file>',
      'Ethereum V3 keystore of the account (password in env VERIOT_KEYSTORE_PASSWORD); or set VERIOT_PRIVATE_KEY',
    )
    .option(
      '--account <index>',
      'embedded chain only: anvil development account 0..9 to act as (default 0, the operator)',
    )
    .exitOverride()
    .showHelpAfterError(!json)
    // With --json, usage errors are reported once, as JSON, by main().
    .configureOutput({ outputError: (s, write) => (json ? undefined : write(s)) })
  program.addHelpText(
    'after',
    `
Exit status: 0 ok, 1 internal, 2 usage, 3 not found, 4 rejected, 5 unreachable, 6 key, 7 config.
Error codes are listed in docs/errors.md.`,
  )

  // Every action gets the merged global options and a context.
  const run =
    <A extends unknown[]>(fn: (ctx: CommandContext, ...args: A) => Promise<void>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command
      const opts = cmd.optsWithGlobals() as GlobalOptions
      await fn(createContext(opts), ...(args.slice(0, -1) as A))
    }

  const up = program
    .command('up')
    .description(
      'start the stack: embedded anvil + contracts (deployed once), or deploy to --rpc-url',
    )
    .option(
      '--port <port>',
      'embedded chain port on 127.0.0.1, 0 = any free port (env VERIOT_CHAIN_PORT)',
      process.env.VERIOT_CHAIN_PORT ?? '8545',
    )
    .option(
      '-d, --detach',
      'run in the background and return once ready (log in <data-dir>/veriot.log)',
    )
    .option(
      '--redeploy',
      'deploy new contracts even if deployment.json names some (devices there are not carried over)',
    )
    .option(
      '--p256-verifier <address>',
      'P-256 verifier contract for chains without the P256VERIFY precompile',
    )
    .option('--no-gateway', 'do not start the telemetry gateway')
    .option('--authorities <n>', 'embedded chain only: start N staked authority nodes (1..6)')
  addGatewayOptions(up)
  up.action(async (_opts: object, cmd: Command) => {
    const all = cmd.optsWithGlobals() as GlobalOptions
    await upCommand(createContext(all), all)
  })

  const gateway = program
    .command('gateway')
    .description('run a telemetry gateway (MQTT + HTTP ingest, SQLite store, Merkle anchoring)')
  addGatewayOptions(gateway)
  gateway.action(run((ctx, opts: object) => gatewayCommand(ctx, opts as GatewayCliOptions)))

  program
    .command('down')
    .description('stop the stack started by `veriot up` from this data directory')
    .action(run((ctx) => downCommand(ctx)))

  program
    .command('status')
    .description('chain, contracts, block height and device counts')
    .action(run((ctx) => statusCommand(ctx)))

  const device = program.command('device').description('provision and manage devices')
  device
    .command('provision')
    .description('register a device (its key proves possession on chain) and hand it to an owner')
    .requiredOption('--key <ref>', 'device key: file:<path> or pkcs11:token=<label>;object=<label>')
    .option('--create-key', 'create the key first (in the file or inside the PKCS#11 token)')
    .requiredOption('--model <name>', 'device model, up to 31 ASCII characters')
    .requiredOption('--firmware <version>', 'firmware version, major.minor.patch')
    .option('--metadata <file>', 'metadata file; its SHA-256 is recorded on chain')
    .option('--metadata-hash <hex>', 'metadata hash (bytes32) instead of --metadata')
    .option('--owner <address>', 'first owner (default: the acting account)')
    .option('--no-owner', 'leave the device Manufactured, without an owner')
    .option('--activate', 'also activate it (the acting account must be the owner)')
    .action(run((ctx, opts: object) => provisionCommand(ctx, opts as never)))
  device
    .command('show <id>')
    .description('one device: status, owner, model, firmware, key, capabilities')
    .action(run((ctx, id: string) => showCommand(ctx, id)))
  device
    .command('list')
    .description('all devices')
    .addOption(
      new Option('--status <status>', 'only devices in this status').choices([
        'manufactured',
        'provisioned',
        'active',
        'suspended',
        'decommissioned',
      ]),
    )
    .action(run((ctx, opts: { status?: string }) => listCommand(ctx, opts)))
  device
    .command('transfer <id> <to>')
    .description('transfer ownership (only the current owner)')
    .action(run((ctx, id: string, to: string) => transferCommand(ctx, id, to)))
  device
    .command('activate <id>')
    .description('Provisioned or Suspended → Active (owner or admin)')
    .option('--reason <text>', 'why, up to 31 ASCII characters (recorded on chain)')
    .action(
      run((ctx, id: string, opts: { reason?: string }) =>
        transitionCommand(ctx, 'activate', id, opts),
      ),
    )
  device
    .command('suspend <id>')
    .description('Active → Suspended (owner, guardian or admin)')
    .option('--reason <text>', 'why, up to 31 ASCII characters (recorded on chain)')
    .action(
      run((ctx, id: string, o: { reason?: string }) => transitionCommand(ctx, 'suspend', id, o)),
    )
  device
    .command('decommission <id>')
    .description('retire for ever; the key can never be registered again (owner or admin)')
    .option('--reason <text>', 'why, up to 31 ASCII characters (recorded on chain)')
    .action(
      run((ctx, id: string, o: { reason?: string }) =>
        transitionCommand(ctx, 'decommission', id, o),
      ),
    )
  device
    .command('history <id>')
    .description('chain of custody from events: who, what, block, tx')
    .action(run((ctx, id: string) => historyCommand(ctx, id)))
  device
    .command('grant <id> <capability>')
    .description('grant a capability, e.g. telemetry:temperature or command:unlock (owner)')
    .action(run((ctx, id: string, cap: string) => capabilityCommand(ctx, 'grant', id, cap)))
  device
    .command('revoke <id> <capability>')
    .description('revoke a capability (owner)')
    .action(run((ctx, id: string, cap: string) => capabilityCommand(ctx, 'revoke', id, cap)))

  const firmware = program
    .command('firmware')
    .description(
      'firmware releases per model: release keys (k of n), publish, approve, revoke, minimum version',
    )
  const keyRef = 'release key: file:<path> or pkcs11:token=<label>;object=<label> (repeatable)'
  firmware
    .command('set-keys <model>')
    .description("set a model's P-256 release keys and threshold k (claims the model; vendor)")
    .option('--key <ref...>', keyRef)
    .option(
      '--public-key <hex...>',
      'release public key 0x04…, for keys held elsewhere (repeatable)',
    )
    .requiredOption('--threshold <k>', 'approvals needed for a release, 1..number of keys')
    .action(run((ctx, model: string, o: SetKeysOptions) => setKeysCommand(ctx, model, o)))
  firmware
    .command('publish <model> <version>')
    .description('publish a release (vendor); approved at once when the --key signatures reach k')
    .requiredOption('--image <file>', 'firmware image; its SHA-256 and size are recorded')
    .requiredOption(
      '--measurement <hex>',
      'expected PCR digest (bytes32) of a device running this image',
    )
    .option('--metadata <file>', 'metadata document; its SHA-256 is recorded')
    .option('--metadata-uri <uri>', 'where to fetch the metadata (up to 256 bytes)')
    .option('--key <ref...>', keyRef)
    .action(
      run((ctx, model: string, version: string, o: PublishOptions) =>
        publishCommand(ctx, model, version, o),
      ),
    )
  firmware
    .command('approve <model> <version>')
    .description('sign a published release with release keys and submit the signatures (anyone)')
    .option('--key <ref...>', keyRef)
    .option('--image <file>', 'sign only if the published image hash is this file’s SHA-256')
    .action(
      run((ctx, model: string, version: string, o: ApproveOptions) =>
        approveCommand(ctx, model, version, o),
      ),
    )
  firmware
    .command('revoke <model> <version>')
    .description('revoke a release, e.g. a vulnerable one (vendor or guardian)')
    .requiredOption('--reason <text>', 'why, up to 31 ASCII characters (recorded on chain)')
    .option('--lockdown', 'devices running it are to be locked down (never lifted)')
    .action(
      run((ctx, model: string, version: string, o: RevokeOptions) =>
        revokeCommand(ctx, model, version, o),
      ),
    )
  firmware
    .command('set-minimum <model> <version>')
    .description('raise the minimum version of a model: rollback protection (vendor)')
    .action(run((ctx, model: string, version: string) => setMinimumCommand(ctx, model, version)))
  firmware
    .command('list [model]')
    .description('all models, or one model with its release keys and releases')
    .action(run((ctx, model: string | undefined) => listFirmwareCommand(ctx, model)))
  firmware
    .command('show <model> <version>')
    .description('one release: status, verdict, approvals, hashes, measurement')
    .action(run((ctx, model: string, version: string) => showFirmwareCommand(ctx, model, version)))

  program
    .command('readings')
    .description("list stored readings, newest first (from this data directory's gateway store)")
    .option('--device <id>', 'only this device')
    .option('--limit <n>', 'how many', '20')
    .option('--store <file>', 'SQLite store (default <data-dir>/gateway.sqlite)')
    .action(
      run((ctx, o: { device?: string; limit?: string; store?: string }) => readingsCommand(ctx, o)),
    )
  program
    .command('proof <reading-id>')
    .description('write the self-contained proof bundle of an anchored reading')
    .option('-o, --out <file>', 'bundle file (default <reading-id prefix>.proof.json)')
    .option('--store <file>', 'SQLite store (default <data-dir>/gateway.sqlite)')
    .action(run((ctx, id: string, o: { out?: string; store?: string }) => proofCommand(ctx, id, o)))
  program
    .command('verify <bundle>')
    .description(
      'verify a proof bundle: signature, registered key, inclusion path (offline), and the root on chain',
    )
    .option('--offline', 'skip the chain checks')
    .action(run((ctx, file: string, o: { offline?: boolean }) => verifyCommand(ctx, file, o)))

  program
    .command('simulate')
    .description(
      'a fleet of simulated devices (own keys, registered on chain) sending signed readings',
    )
    .option('--devices <n>', 'number of devices', '5')
    .option('--rate <r>', 'readings per second across the fleet', '10')
    .option('--duration <s>', 'seconds to send', '10')
    .option('--suite <suite>', 'signature suite: p256, ed25519 or mldsa44P256', 'p256')
    .option('--transport <t>', 'mqtt or http', 'mqtt')
    .option('--mqtt-url <url>', 'gateway MQTT URL (default: the running stack)')
    .option('--http-url <url>', 'gateway HTTP URL (default: the running stack)')
    .option('--anchor-timeout <s>', 'seconds to wait for anchoring at the end', '60')
    .action(run((ctx, o: SimulateOptions) => simulateCommand(ctx, o)))

  program
    .command('authority')
    .description(
      'run a staked authority node (JSON-RPC: verified reads, block attestations, evidence)',
    )
    .option('--port <port>', 'port on --host (0 = any free port)', '0')
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .option('--peers <urls>', 'other authority nodes, comma-separated')
    .option('--finality-depth <n>', 'sign only blocks at least this deep', '2')
    .option('--register', 'register this signer on AuthorityRegistry if it is not yet')
    .option('--deposit <eth>', 'deposit when registering', '1')
    .action(run((ctx, o: object) => authorityCommand(ctx, o)))
  program
    .command('watchdog')
    .description("check authorities' signed block hashes and convict liars (commit-reveal)")
    .option('--sample <urls>', 'authority nodes to sample, comma-separated')
    .option('--blocks <n>', 'finalized blocks to sample per node', '3')
    .option(
      '--evidence <file>',
      'JSON evidence from devices: [{signer, blockNumber, blockHash, signature}]',
    )
    .option('--checkpoints', 'also save due block-hash checkpoints on AuthorityRegistry')
    .option('--every <seconds>', 'run as a service: a round every N seconds until stopped')
    .option('--rounds <n>', 'stop after N rounds (with --every; one JSON line per round)')
    .action(run((ctx, o: object) => watchdogCommand(ctx, o)))

  const key = program
    .command('key')
    .description('device keys (passphrase in VERIOT_KEY_PASSPHRASE, PIN in VERIOT_PKCS11_PIN)')
  key
    .command('create <ref>')
    .description(
      'create a P-256 key: file:<path> (encrypted) or pkcs11:token=…;object=… (inside the token)',
    )
    .action(run((ctx, ref: string) => keyCommand(ctx, 'create', ref)))
  key
    .command('show <ref>')
    .description('public key and device id of a key')
    .action(run((ctx, ref: string) => keyCommand(ctx, 'show', ref)))

  program
    .command('attest <device>')
    .description(
      'attest a device to the running gateway with its key: a TPM quote (tpm:), else the key signs the firmware measurement',
    )
    .requiredOption('--key <ref>', 'the device key: tpm:<file>, file:<path> or pkcs11:…')
    .option('--image <file>', 'firmware image it runs (measurement = PCR extend of its SHA-256)')
    .option('--measurement <hex>', 'the measurement to report instead of --image (no TPM)')
    .option('--http-url <url>', "the gateway's HTTP URL (default: the one `veriot up` runs)")
    .action(run((ctx, id: string, opts: AttestOptions) => attestCommand(ctx, id, opts)))

  program
    .command('alerts')
    .description("the gateway's anomaly scores, their reasons, and its lockdowns")
    .option('--device <id>', 'one device: its score, reasons and lockdown history')
    .option('--min <score>', 'only devices scoring above this', '0')
    .option('--gateway-url <url>', "the gateway's HTTP URL (default: the one `veriot up` runs)")
    .action(run((ctx, opts: AlertsOptions) => alertsCommand(ctx, opts)))

  const condition = program
    .command('condition')
    .description('conditions on device data (ConditionRegistry): create, show, close')
  condition
    .command('create')
    .description(
      'a rule on a set of devices over a window, e.g. temp ≤ −20 °C (breaches go on chain)',
    )
    .requiredOption('--shipment <id>', 'your reference for it (text up to 32 bytes, or a bytes32)')
    .requiredOption('--device <id...>', 'the devices it covers (1–64)')
    .requiredOption(
      '--metric <type/name/unit>',
      'e.g. temperature/temp/Cel (units are never converted)',
    )
    .requiredOption('--comparison <op>', 'the rule that must hold: <=, <, >= or >')
    .requiredOption('--threshold <value>', 'in the metric’s unit, e.g. -20')
    .requiredOption('--from <time>', 'window start: ISO 8601 or ms since the epoch (inclusive)')
    .requiredOption('--to <time>', 'window end: ISO 8601 or ms since the epoch (exclusive)')
    .option('--decimals <n>', 'fixed-point decimals of the threshold on chain', '3')
    .option('--duration <ms>', 'a breach only when the rule fails for longer than this')
    .option('--max-gap <ms>', 'with --duration: most time between readings of a run')
    .option('--grace <ms>', 'time after the window for late evidence before it can close', '0')
    .option('--party <address:role...>', 'parties who may close it, e.g. 0x…:receiver')
    .action(run((ctx, opts: ConditionCreateOptions) => conditionCreateCommand(ctx, opts)))
  condition
    .command('show <id>')
    .description('the condition, its breaches and its result')
    .action(run((ctx, id: string) => conditionShowCommand(ctx, id)))
  for (const [name, description] of [
    ['pause', 'stop the whole ConditionRegistry (a guardian or an admin): the breaker'],
    ['unpause', 'let the ConditionRegistry run again (an admin)'],
    ['status', 'show whether the ConditionRegistry is paused'],
  ] as const) {
    const command = condition.command(name).description(description)
    if (name === 'pause') command.option('--reason <text>', 'why, up to 32 bytes (in the event)')
    command.action(run((ctx, opts: { reason?: string }) => conditionPauseCommand(ctx, name, opts)))
  }
  condition
    .command('close <id>')
    .description("close the window, naming the gateway's anchored batches that cover it")
    .option('--store <file>', 'the gateway store (default <data-dir>/gateway.sqlite)')
    .option(
      '--gateway <address>',
      "the gateway's account (default: asked from the running gateway)",
    )
    .option('--gateway-url <url>', "the gateway's HTTP URL (default: the one `veriot up` runs)")
    .action(
      run((ctx, id: string, opts: { store?: string; gateway?: string; gatewayUrl?: string }) =>
        conditionCloseCommand(ctx, id, opts),
      ),
    )

  const breaker = program
    .command('breaker')
    .description('model-wide circuit breaker on DeviceRegistry (guardian trips, admin resets)')
  for (const [name, description] of [
    ['trip', 'stop every device of a model (a guardian or an admin)'],
    ['reset', 'let the devices of a model run again (an admin)'],
    ['status', 'show whether a model is paused'],
  ] as const) {
    const command = breaker
      .command(name)
      .description(description)
      .requiredOption('--model <model>', 'the model, as registered (up to 31 ASCII characters)')
    if (name !== 'status') {
      command.option('--reason <text>', 'why, up to 31 ASCII characters (recorded on chain)')
    }
    command.action(
      run((ctx, opts: { model: string; reason?: string }) => breakerCommand(ctx, name, opts)),
    )
  }
  const role = program.command('role').description('registry roles: admin, manufacturer, guardian')
  role
    .command('grant <role> <address>')
    .description('grant a role (admin only)')
    .action(run((ctx, r: string, a: string) => roleCommand(ctx, 'grant', r, a)))
  role
    .command('revoke <role> <address>')
    .description('revoke a role (admin only)')
    .action(run((ctx, r: string, a: string) => roleCommand(ctx, 'revoke', r, a)))

  for (const cmd of [program, ...allCommands(program)]) cmd.exitOverride()
  return program
}

function addGatewayOptions(cmd: Command): void {
  cmd
    .option(
      '--mqtt-port <port>',
      'embedded MQTT broker port, 0 = any free port (env VERIOT_MQTT_PORT)',
      process.env.VERIOT_MQTT_PORT ?? '1883',
    )
    .option(
      '--http-port <port>',
      'HTTP ingest port, 0 = any free port (env VERIOT_HTTP_PORT)',
      process.env.VERIOT_HTTP_PORT ?? '8080',
    )
    .option('--host <address>', 'interface the gateway listens on', '127.0.0.1')
    .option('--mqtt-url <url>', 'use this external MQTT broker instead of the embedded one')
    .option('--batch-size <n>', 'close a batch at this many readings (at most)', '8192')
    .option('--batch-age <ms>', 'close a batch when its oldest reading is this old', '10000')
    .option('--max-skew <ms>', 'how far ahead of the gateway clock a reading may be', '300000')
    .option('--max-age <ms>', 'how old a reading may be (offline backlogs)', '86400000')
    .option('--store <file>', 'SQLite store (default <data-dir>/gateway.sqlite)')
    .option(
      '--no-attestation',
      'accept readings from devices without a fresh attestation (turns the rule off)',
    )
    .option(
      '--attestation-max-age <ms>',
      'how long a verified attestation admits readings',
      '3600000',
    )
    .option('--no-anomaly', 'turn off anomaly scoring and automatic lockdown')
    .option('--anomaly-threshold <points>', 'score at which a device is locked down', '100')
    .option(
      '--declared-range <name:unit:min:max...>',
      'declared range of a metric; a value outside it (or in another unit) is an anomaly',
    )
    .option(
      '--condition <id...>',
      'ConditionRegistry conditions to watch: breaches are submitted on chain as readings arrive',
    )
    .option(
      '--webhook-url <url>',
      'POST signed lockdown events here (secret in env VERIOT_WEBHOOK_SECRET)',
    )
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)])
}
