// Public entry of @veriot/node: chain access, deployment and registry clients.
// Anvil-only helpers are exported from '@veriot/node/anvil', never from here.
export { type ChainConnection, connectChain, redactUrl } from './chain/connectChain.ts'
export { type AccountSource, loadAccount } from './chain/loadAccount.ts'
export { sendContractTx, type TxResult } from './chain/sendContractTx.ts'
export { toVeriotError } from './chain/toVeriotError.ts'
export {
  type DeployedContract,
  type Deployment,
  deployContracts,
  isDeployed,
} from './deployment/deployContracts.ts'
export { readDeploymentFile, writeDeploymentFile } from './deployment/deploymentFile.ts'
export {
  createRegistryClient,
  type DeviceRecord,
  type RegistrationSigner,
  type RegistryClient,
  type RoleName,
} from './registry/createRegistryClient.ts'
export { getDeviceHistory, type HistoryEntry } from './registry/getDeviceHistory.ts'
