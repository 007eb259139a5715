// First: defers parts of the SDK an offline run never uses, before anything loads the SDK.
import "./deferredSdkModules";
export * from "./graph";
export * from "./run";
export * from "./policies";
export * from "./secrets";
export {
  readStackConfig,
  stackFilePath,
  offlineSecretPlaceholder,
  projectName,
  StackFileError,
  PROJECT_ROOT,
} from "./stackFile";
export { kubernetesObject, validateKubernetesObject } from "./schemas";
export { UnmockedInvokeError } from "./fakes";
export { longestCreationChain, CreationChain } from "./creationChain";
