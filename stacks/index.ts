/**
 * The harbor-ha Pulumi program: reads the stack's config and builds the platform from it.
 * Exported as a function so that the offline engine can run it once per stack in one process.
 */
import { HarborPlatform } from "../components";
import { loadStackConfig } from "./config";

export = async () => {
    const config = loadStackConfig();
    const platform = new HarborPlatform("harbor", {
        environment: config.environment,
        namespace: config.namespace,
        externalUrl: config.externalUrl,
        expectedDataGb: config.expectedDataGb,
        highThroughput: config.highThroughput,
        zones: config.zones,
    });
    return {
        environment: config.environment,
        externalUrl: platform.externalUrl,
        namespace: platform.namespace,
    };
};
