// Starts the anvil binary of the @foundry-rs/anvil npm package on loopback for a test (the
// device package must not depend on @veriot/node, so this is a small copy of its starter).

import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

export type TestAnvil = { readonly rpcUrl: string; stop(): Promise<void> }

export async function startTestAnvil(): Promise<TestAnvil> {
  const require = createRequire(import.meta.url)
  const arch = process.arch === 'x64' ? 'amd64' : process.arch
  const dir = dirname(require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`))
  const child = spawn(join(dir, 'bin', 'anvil'), ['--host', '127.0.0.1', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const port = await listeningPort(child)
  return {
    rpcUrl: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`anvil did not listen within 20 s: ${output.slice(-300)}`))
    }, 20_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      const match = /Listening on 127\.0\.0\.1:(\d+)/.exec(output)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        child.stderr?.resume()
        resolve(Number(match[1]))
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (c: Buffer) => {
      output += c.toString('utf8')
    })
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`anvil exited early (code ${code}): ${output.slice(-300)}`))
    })
  })
}
