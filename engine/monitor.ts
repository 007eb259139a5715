/**
 * A mock monitor that records what the SDK's `MockMonitor` drops: each resource's parent, provider
 * reference and dependencies, and the stack's outputs. Everything else is the SDK's own mock runtime.
 */
// The SDK does not export MockMonitor from its public index; its module path is stable across 3.x.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const resproto = require("@pulumi/pulumi/proto/resource_pb");
import { isUnknown } from "@pulumi/pulumi/output";
import { CapturedResource, ReadResource, UNKNOWN } from "./graph";
import { isSecretEnvelope, SECRET_SIG, SECRET_SIG_KEY } from "./secrets";
import { fakeState, invokeFakes, previewState, UnmockedInvokeError } from "./fakes";

const STACK_TYPE = "pulumi:pulumi:Stack";
const DYNAMIC_PROVIDER_KEY = "__provider";

/** The parts of the SDK's RegisterResourceRequest the monitor reads. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getObject(): unknown;
  getDependenciesList(): string[];
  getImportid(): string;
  getAdditionalsecretoutputsList?(): string[];
  getDeletebeforereplace?(): boolean;
  getRetainondelete?(): boolean | undefined;
}

/** The parts of the SDK's ReadResourceRequest (a `Resource.get`) the monitor reads. */
interface ReadRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getId(): string;
}

interface RegisterOutputsRequest {
  getUrn(): string;
  getOutputs(): unknown;
}

type Callback = (err: unknown, resp?: unknown) => void;

interface MockResourceArgs {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  custom?: boolean;
}

function urnOfReference(ref: string): string {
  // Provider references are `<urn>::<id>`.
  const i = ref.lastIndexOf("::");
  return i > 0 ? ref.slice(0, i) : ref;
}

/** Deep copy with the SDK's in-process unknown marker replaced by the wire sentinel {@link UNKNOWN}. */
function markUnknowns(v: unknown): unknown {
  if (isUnknown(v)) return UNKNOWN;
  if (Array.isArray(v)) return v.map(markUnknowns);
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype)
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, markUnknowns(e)]));
  return v;
}

export class CapturingMonitor extends MockMonitor {
  readonly captured: CapturedResource[] = [];
  /** `Resource.get` calls: prerequisites read, not part of what the plan creates. */
  readonly reads: ReadResource[] = [];
  stackOutputs: Record<string, unknown> = {};
  private stackUrn = "";
  private answering = "";
  /** The resource `registerResource` is handing to MockMonitor, until `newResource` captures it. */
  private registering: Omit<CapturedResource, "inputs"> | undefined;
  private answeringSecretOutputs: string[] = [];

  /** `preview`: answer as a first `pulumi preview` of a new stack (computed outputs unknown). */
  constructor(preview = false) {
    super({
      // MockMonitor calls this synchronously from registerResource, right after we set `answering`.
      newResource: async (args: MockResourceArgs) => {
        this.capture(args.inputs);
        if (!args.custom) return { id: "", state: {} };
        const { id, state } = preview
          ? previewState(args.type, this.answering, args.name, args.inputs, isUnknown)
          : fakeState(args.type, this.answering, args.name, args.inputs);
        // The real engine marks these outputs secret; the SDK's mock runtime does not.
        for (const key of this.answeringSecretOutputs) {
          if (key in state && !isSecretEnvelope(state[key]) && !isUnknown(state[key]))
            state[key] = { [SECRET_SIG_KEY]: SECRET_SIG, value: state[key] };
        }
        return { id, state };
      },
      call: async (args: { token: string; inputs: Record<string, unknown> }) => {
        const fake = invokeFakes[args.token];
        if (!fake) throw new UnmockedInvokeError(args.token);
        return fake(args.inputs);
      },
    });
  }

  /** A `Resource.get`: recorded as a read (MockMonitor answers it through `newResource` with the id). */
  async readResource(req: ReadRequest, callback: Callback): Promise<void> {
    const parent = req.getParent();
    this.reads.push({
      urn: this.newUrn(parent, req.getType(), req.getName()),
      type: req.getType(),
      name: req.getName(),
      id: req.getId(),
      parent,
    });
    return super.readResource(req, callback);
  }

  async registerResource(req: RegisterRequest, callback: Callback): Promise<void> {
    const type = req.getType();
    const name = req.getName();
    const parent = req.getParent();
    const urn: string = this.newUrn(parent, type, name);
    if (type === STACK_TYPE) this.stackUrn = urn;
    this.registering = {
      urn,
      type,
      name,
      custom: req.getCustom(),
      parent,
      provider: req.getProvider() ? urnOfReference(req.getProvider()) : "",
      dependencies: [...new Set<string>(req.getDependenciesList())].sort(),
      // Recorded only when set, so that plans without it are unchanged.
      ...(req.getDeletebeforereplace?.() ? { deleteBeforeReplace: true } : {}),
      ...(req.getRetainondelete?.() ? { retainOnDelete: true } : {}),
    };
    this.answering = urn;
    this.answeringSecretOutputs = req.getAdditionalsecretoutputsList?.() ?? [];
    return this.answerRegistration(req, urn, callback);
  }

  /**
   * MockMonitor.registerResource, less one round trip: it turns the new state into a protobuf Struct that
   * the SDK at once turns back into the same plain object (`deserializeProperties(resp.getObject())` reads
   * only `toJavaScript()`), a tenth of a plan's time. The response is the SDK's own message; only its
   * `getObject` hands the serialized state over as it is.
   */
  private async answerRegistration(req: RegisterRequest, urn: string, callback: Callback): Promise<void> {
    try {
      const result = await this.mocks.newResource({
        type: req.getType(),
        name: req.getName(),
        inputs: rpc.deserializeProperties(req.getObject()),
        provider: req.getProvider(),
        custom: req.getCustom(),
        id: req.getImportid(),
      });
      const serializedState = await rpc.serializeProperties("", result.state);
      this.resources.set(urn, { urn, id: result.id ?? null, state: serializedState });
      const response = new resproto.RegisterResourceResponse();
      response.setUrn(urn);
      response.setId(result.id || "");
      response.getObject = () => ({ toJavaScript: () => serializedState });
      callback(null, response);
    } catch (err) {
      callback(err, undefined);
    }
  }

  /**
   * Records the resource being registered, with the inputs MockMonitor has just deserialized for
   * `newResource`, which it calls synchronously from registerResource (deserializing the request's
   * protobuf Struct a second time costs ~0.1 ms per resource).
   */
  private capture(deserialized: Record<string, unknown>): void {
    const r = this.registering;
    if (!r) return; // MockMonitor.readResource (a `get`): a read is not part of the graph
    this.registering = undefined;
    const inputs = markUnknowns(deserialized) as Record<string, unknown>;
    delete inputs[DYNAMIC_PROVIDER_KEY]; // serialized provider code, not configuration
    this.captured.push({ ...r, inputs });
  }

  registerResourceOutputs(req: RegisterOutputsRequest, callback: Callback): void {
    if (req.getOutputs()) {
      const outputs = markUnknowns(rpc.deserializeProperties(req.getOutputs())) as Record<string, unknown>;
      if (req.getUrn() === this.stackUrn) this.stackOutputs = outputs;
      const captured = this.captured.find((r) => r.urn === req.getUrn());
      if (captured && !captured.custom) captured.outputs = outputs;
    }
    super.registerResourceOutputs(req, callback);
  }
}
