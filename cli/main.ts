/**
 * The harbor-ha command line. Commands run the stack program as a black box through the engine.
 */
import { parseArgs } from "node:util";
import { diffCommand } from "./diff";
import { planCommand } from "./plan";

const USAGE = `Usage:
  harbor-ha plan <stack> [--config <file>] [--policy-config <file>] [--json] [--out <dir>] [--preview]
      Offline plan of a stack (dev, staging, prod): resource tree, outputs, policy verdicts.
      --preview: as a first \`pulumi preview\` of a new stack (ids, ARNs, random values "[unknown]").
      Exit codes: 0 ok, 1 invalid config or objects, 2 mandatory policy violation.
  harbor-ha diff <a> <b> [--json | --markdown] [--stack <name>]
      Compare two plans; each side a stack name, a stack config file or a saved plan --json file.
      Exit codes: 0 equal, 3 different, 1 bad input.
  harbor-ha help`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE + "\n");
    return command ? 0 : 1;
  }
  try {
    if (command === "plan") {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          config: { type: "string" },
          "policy-config": { type: "string" },
          json: { type: "boolean" },
          out: { type: "string" },
          preview: { type: "boolean" },
        },
      });
      if (positionals.length !== 1) throw new Error("plan takes exactly one stack name, e.g. `harbor-ha plan dev`");
      return await planCommand(positionals[0], {
        config: values.config,
        policyConfig: values["policy-config"],
        json: values.json,
        out: values.out,
        preview: values.preview,
      });
    }
    if (command === "diff") {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { json: { type: "boolean" }, markdown: { type: "boolean" }, stack: { type: "string" } },
      });
      if (positionals.length !== 2) throw new Error("diff takes two sides, e.g. `harbor-ha diff dev prod`");
      if (values.json && values.markdown) throw new Error("choose one of --json and --markdown");
      return await diffCommand(positionals[0], positionals[1], {
        json: values.json,
        markdown: values.markdown,
        stack: values.stack,
      });
    }
    throw new Error(`unknown command "${command}"`);
  } catch (e) {
    process.stderr.write(`harbor-ha: ${(e as Error).message}\n\n${USAGE}\n`);
    return 1;
  }
}
