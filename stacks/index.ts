/**
 * The harbor-ha Pulumi program: reads the stack's config and builds the platform from it.
 * Exported as a function so that the offline engine can run it once per stack in one process.
 */
import * as pulumi from "@pulumi/pulumi";
import { HarborPlatform } from "../components";
import { loadStackConfig } from "./config";
import { platformArgs } from "./platformArgs";

export = async () => {
  const config = loadStackConfig();
  const platform = new HarborPlatform("harbor", platformArgs(config));
  return {
    environment: config.environment,
    externalUrl: platform.externalUrl,
    namespace: platform.namespace,
    databaseHost: platform.databaseHost,
    redisSentinels: platform.redisSentinels,
    registryStorage: platform.registryStorage,
    adminPasswordSecretName: platform.adminPasswordSecretName,
    tlsSecretName: platform.tlsSecretName,
    // Exported for operators' scripts; stays encrypted in state and redacted in output.
    adminPassword: pulumi.secret(platform.harbor.adminPassword),
  };
};
