// One TPM operation at a time per TPM: recreate the storage primary key, load the wrapped keys,
// run the commands, flush every transient object after each command, remove the work files.

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runTpmTool } from './runTpmTool.ts'

/** The storage primary key's template. TPM2_CreatePrimary is deterministic for a given template
 * and owner seed, so the same parent comes back on every use and across reboots. */
const PRIMARY_ARGS = [
  '-C',
  'o',
  '-g',
  'sha256',
  '-G',
  'ecc256:null:aes128cfb',
  '-a',
  'restricted|decrypt|fixedtpm|fixedparent|sensitivedataorigin|userwithauth',
] as const

/** A key wrapped by the TPM (TPM2B_PUBLIC and TPM2B_PRIVATE bytes). */
export type WrappedTpmKey = { readonly public: Uint8Array; readonly private: Uint8Array }

/** Inside an operation: runs tools in the work directory, each followed by a flush. */
export type TpmSession = {
  readonly dir: string
  /** Runs a tpm2 tool, then flushes all transient objects. */
  run(tool: string, args: readonly string[]): Promise<Buffer>
  /** Loads a wrapped key under the primary; returns the name of its context file. */
  load(name: string, key: WrappedTpmKey): Promise<string>
  /** Creates a key under the primary with `tpm2_create` arguments; returns its wrapped form. */
  create(name: string, args: readonly string[]): Promise<void>
}

// One queue per TPM (per TCTI): a flush of all transient objects must not hit another operation's.
const queues = new Map<string, Promise<unknown>>()

/**
 * Runs `fn` with exclusive use of the TPM named by `tcti` (within this process). Without a
 * resource manager (swtpm over TCP, /dev/tpm0), every context a tool loads stays in the TPM's few
 * object slots until flushed, so each command is followed by `tpm2_flushcontext -t`, and once
 * more at the end whatever happened. With the kernel's resource manager (/dev/tpmrm0) that flush
 * only reaches this connection's objects.
 *
 * @throws TPM_OPERATION_FAILED, and whatever `fn` throws
 */
export function withTpmSession<T>(
  tcti: string | undefined,
  fn: (session: TpmSession) => Promise<T>,
): Promise<T> {
  const key = tcti ?? process.env.TPM2TOOLS_TCTI ?? ''
  const run = (queues.get(key) ?? Promise.resolve()).then(() => runSession(tcti, fn))
  const tail = run.catch(() => undefined)
  queues.set(key, tail)
  // Forget the queue once idle so the map does not grow with every TCTI ever used.
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key)
  })
  return run
}

async function runSession<T>(
  tcti: string | undefined,
  fn: (session: TpmSession) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'veriot-tpm-'))
  const flush = () => runTpmTool('tpm2_flushcontext', ['-t'], { tcti, cwd: dir })
  const run = async (tool: string, args: readonly string[]): Promise<Buffer> => {
    let out: Buffer
    try {
      out = await runTpmTool(tool, args, { tcti, cwd: dir })
    } catch (err) {
      // The tool's own error says more than a failed flush after it.
      await flush().catch(() => undefined)
      throw err
    }
    await flush()
    return out
  }
  let primary: Promise<unknown> | undefined
  const ensurePrimary = () => {
    primary ??= run('tpm2_createprimary', [...PRIMARY_ARGS, '-c', 'primary.ctx', '-Q'])
    return primary
  }
  let failed = false
  try {
    const session: TpmSession = {
      dir,
      run,
      async load(name, key) {
        await ensurePrimary()
        await writeFile(join(dir, `${name}.pub`), key.public)
        await writeFile(join(dir, `${name}.priv`), key.private)
        await run('tpm2_load', [
          '-C',
          'primary.ctx',
          '-u',
          `${name}.pub`,
          '-r',
          `${name}.priv`,
          '-c',
          `${name}.ctx`,
          '-Q',
        ])
        return `${name}.ctx`
      },
      async create(name, args) {
        await ensurePrimary()
        await run('tpm2_create', [
          '-C',
          'primary.ctx',
          ...args,
          '-u',
          `${name}.pub`,
          '-r',
          `${name}.priv`,
          '-Q',
        ])
      },
    }
    return await fn(session)
  } catch (err) {
    failed = true
    throw err
  } finally {
    try {
      await flush().catch((err: unknown) => {
        if (!failed) throw err
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
}
