export type { RegistryStorageDescriptor } from "../conventions/registryStorage";
