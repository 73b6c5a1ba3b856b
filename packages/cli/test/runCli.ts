// Test helper: runs the real `veriot` executable as a child process and captures its output.

import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const VERIOT_BIN = fileURLToPath(new URL('../bin/veriot.mjs', import.meta.url))

export type CliResult = { code: number; stdout: string; stderr: string; json: any }

/** Runs `veriot <args>` to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VERIOT_BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => {
      stdout += c
    })
    child.stderr.on('data', (c) => {
      stderr += c
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      let json: unknown
      try {
        json = JSON.parse(args.includes('--json') ? stdout || stderr : stdout)
      } catch {
        json = undefined
      }
      resolve({ code: code ?? -1, stdout, stderr, json })
    })
  })
}

/** Starts `veriot up` in the foreground as a child and resolves once it reports ready. */
export function startUp(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; ready: any; stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VERIOT_BIN, 'up', '--json', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`veriot up did not become ready: ${stderr}`))
    }, 60_000)
    child.stderr.on('data', (c) => {
      stderr += c
    })
    child.stdout.on('data', (c) => {
      stdout += c
      try {
        const ready = JSON.parse(stdout)
        clearTimeout(timer)
        resolve({
          child,
          ready,
          stop: () =>
            new Promise<void>((res) => {
              if (child.exitCode !== null) return res()
              child.once('exit', () => res())
              child.kill('SIGTERM')
            }),
        })
      } catch {
        // not complete yet
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`veriot up exited with ${code}: ${stderr}`))
    })
  })
}
