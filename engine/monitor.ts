/**
 * A mock monitor that records what the SDK's `MockMonitor` drops: each resource's parent, provider
 * reference and dependencies, and the stack's outputs. Everything else is the SDK's own mock runtime.
 */
// The SDK does not export MockMonitor from its public index; its module path is stable across 3.x.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc");
import { CapturedResource } from "./graph";
import { isSecretEnvelope, SECRET_SIG, SECRET_SIG_KEY } from "./secrets";
import { fakeState, invokeFakes, UnmockedInvokeError } from "./fakes";

const STACK_TYPE = "pulumi:pulumi:Stack";
const DYNAMIC_PROVIDER_KEY = "__provider";

function urnOfReference(ref: string): string {
  // Provider references are `<urn>::<id>`.
  const i = ref.lastIndexOf("::");
  return i > 0 ? ref.slice(0, i) : ref;
}

export class CapturingMonitor extends MockMonitor {
  readonly captured: CapturedResource[] = [];
  stackOutputs: Record<string, unknown> = {};
  private stackUrn = "";
  private answering = "";
  private answeringSecretOutputs: string[] = [];

  constructor() {
    super({
      // MockMonitor calls this synchronously from registerResource, right after we set `answering`.
      newResource: async (args: { type: string; name: string; inputs: any; custom?: boolean }) => {
        if (!args.custom) return { id: "", state: {} };
        const { id, state } = fakeState(args.type, this.answering, args.name, args.inputs);
        // The real engine marks these outputs secret; the SDK's mock runtime does not.
        for (const key of this.answeringSecretOutputs) {
          if (key in state && !isSecretEnvelope(state[key]))
            state[key] = { [SECRET_SIG_KEY]: SECRET_SIG, value: state[key] };
        }
        return { id, state };
      },
      call: async (args: { token: string; inputs: any }) => {
        const fake = invokeFakes[args.token];
        if (!fake) throw new UnmockedInvokeError(args.token);
        return fake(args.inputs);
      },
    });
  }

  async registerResource(req: any, callback: (err: any, resp?: any) => void): Promise<void> {
    const type: string = req.getType();
    const name: string = req.getName();
    const parent: string = req.getParent();
    const urn: string = (this as any).newUrn(parent, type, name);
    const inputs: Record<string, unknown> = rpc.deserializeProperties(req.getObject());
    delete inputs[DYNAMIC_PROVIDER_KEY]; // serialized provider code, not configuration
    if (type === STACK_TYPE) this.stackUrn = urn;
    this.captured.push({
      urn,
      type,
      name,
      custom: req.getCustom(),
      parent,
      provider: req.getProvider() ? urnOfReference(req.getProvider()) : "",
      dependencies: [...new Set<string>(req.getDependenciesList())].sort(),
      inputs,
    });
    this.answering = urn;
    this.answeringSecretOutputs = req.getAdditionalsecretoutputsList?.() ?? [];
    return super.registerResource(req, callback);
  }

  registerResourceOutputs(req: any, callback: (err: any, resp?: any) => void): void {
    if (req.getOutputs()) {
      const outputs = rpc.deserializeProperties(req.getOutputs());
      if (req.getUrn() === this.stackUrn) this.stackOutputs = outputs;
      const captured = this.captured.find((r) => r.urn === req.getUrn());
      if (captured && !captured.custom) captured.outputs = outputs;
    }
    super.registerResourceOutputs(req, callback);
  }
}
