/** Public surface of the CCE emulator (test-only code). */
export { CceEmulator, type ClusterInfo, type RuntimeSettings } from "./server";
export { faults, REQUEST_ID, type Fault, type FaultMatch, type FaultAction, type InjectedFault, type KubeconfigMutation } from "./faults";
export type { CallFilter, CallRecord, RouteName } from "./call-log";
export type { MintedCertificate } from "./cluster";
export type { KubeconfigJson } from "./kubeconfig";
export { demoOptions, type ClusterOption, type CredentialOption, type EmulatorOptions, type PasswordUserOption, type ProjectOption, type RateLimitOption, type TokenOption } from "./options";
export { keyMatchesCert, type KeyType } from "./pki";
