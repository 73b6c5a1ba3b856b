// Public entry of @veriot/cli: the `veriot` command as a function.
export { main } from './main.ts'
