// Runs one tpm2-tools command (execFile, argument array, no shell) against the TPM named by a TCTI.

import { execFile } from 'node:child_process'
import { VeriotError } from '@veriot/core'

/** How long one tpm2-tools command may take before it is killed. */
const TOOL_TIMEOUT_MS = 30_000

/**
 * Runs `tool args…` with TPM2TOOLS_TCTI set to `tcti` (when given; else the environment's, else
 * the tools' default, /dev/tpmrm0 or /dev/tpm0). Returns stdout.
 *
 * @throws TPM_OPERATION_FAILED with the tool's last error line (tpm2-tools missing included)
 */
export function runTpmTool(
  tool: string,
  args: readonly string[],
  options: { readonly tcti?: string | undefined; readonly cwd: string },
): Promise<Buffer> {
  const env = { ...process.env }
  if (options.tcti !== undefined) env.TPM2TOOLS_TCTI = options.tcti
  return new Promise((resolve, reject) => {
    execFile(
      tool,
      args,
      { cwd: options.cwd, env, timeout: TOOL_TIMEOUT_MS, encoding: 'buffer', maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err === null) return resolve(stdout)
        const code = (err as NodeJS.ErrnoException).code
        const reason =
          code === 'ENOENT'
            ? 'tpm2-tools are not installed (apt-get install tpm2-tools)'
            : err.killed
              ? `no answer within ${TOOL_TIMEOUT_MS} ms`
              : lastErrorLine(stderr.toString('utf8')) || `exit status ${String(code)}`
        reject(
          new VeriotError('TPM_OPERATION_FAILED', `"${tool}" expected to succeed, got ${reason}`, {
            cause: err,
            context: { tool, ...(options.tcti === undefined ? {} : { tcti: options.tcti }) },
          }),
        )
      },
    )
  })
}

// tpm2-tools print several lines; the last "ERROR:" line names the TPM's response code.
function lastErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim())
  const errors = lines.filter((l) => l.startsWith('ERROR:'))
  const line =
    errors.find((l) => /0x[0-9a-fA-F]+/.test(l)) ?? errors[0] ?? lines.find((l) => l) ?? ''
  return line.slice(0, 240)
}
