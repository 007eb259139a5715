import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, standardLabels } from "../conventions";

export type Environment = "dev" | "staging" | "prod";

/**
 * Facts about the deployment that the policy pack reads from this component's inputs
 * (thresholds depend on them; they are not resources of their own).
 */
export interface PlatformFacts {
    environment: Environment;
    expectedDataGb?: number;
    highThroughput: boolean;
    zones: string[];
}

export interface HarborPlatformArgs {
    /** dev (laptop cluster), staging or prod. Decides HA defaults only where documented. */
    environment: Environment;
    /** Namespace of Harbor and its backends. Default: `harbor`. */
    namespace?: string;
    /** Create the namespace (false: it exists already). Default: true. */
    createNamespace?: boolean;
    /** Harbor's external URL, `https://...`. */
    externalUrl: string;
    /** Registry data expected, in GB; storage must offer 3x this. Default: none. */
    expectedDataGb?: number;
    /** High-throughput workload (raises the memory floor the policies apply). Default: false. */
    highThroughput?: boolean;
    /** Availability zones to spread over. Default: [] (no zone spread). */
    zones?: string[];
}

/**
 * The composition root: builds Harbor and its backends from the tier components and wires each
 * tier's typed outputs into the next. Every tier is also usable on its own.
 */
export class HarborPlatform extends pulumi.ComponentResource {
    static readonly __pulumiType = ComponentTypes.HarborPlatform;

    /** The namespace everything runs in. */
    readonly namespace: pulumi.Output<string>;
    /** Harbor's external URL. */
    readonly externalUrl: pulumi.Output<string>;

    constructor(name: string, args: HarborPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        const check = new ArgsChecker("HarborPlatform", name);
        check.check(/^https:\/\//.test(args.externalUrl), "externalUrl", `must start with https://, got "${args.externalUrl}"`, "serve Harbor over TLS: use an https:// URL");
        check.throwIfAny();

        const facts: PlatformFacts = {
            environment: args.environment,
            expectedDataGb: args.expectedDataGb,
            highThroughput: args.highThroughput ?? false,
            zones: args.zones ?? [],
        };
        super(HarborPlatform.__pulumiType, name, facts, opts);

        const namespaceName = args.namespace ?? "harbor";
        if (args.createNamespace ?? true) {
            new k8s.core.v1.Namespace(
                `${name}-namespace`,
                { metadata: { name: namespaceName, labels: standardLabels("harbor", name, { "pod-security.kubernetes.io/enforce": "baseline" }) } },
                { parent: this },
            );
        }
        this.namespace = pulumi.output(namespaceName);
        this.externalUrl = pulumi.output(args.externalUrl);
        this.registerOutputs({ namespace: this.namespace, externalUrl: this.externalUrl });
    }
}
