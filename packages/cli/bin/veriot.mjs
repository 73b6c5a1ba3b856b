#!/usr/bin/env node
// The `veriot` command: loads the TypeScript sources through tsx's loader and runs the CLI.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/main.ts')
process.exitCode = await main(process.argv)
