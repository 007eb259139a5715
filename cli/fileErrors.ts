/**
 * File errors said as one line naming the path, what is wrong and the fix, never a stack trace: the CLI
 * reports a `CliInputError` as its message alone, with exit code 1.
 */
import * as fs from "fs";
import * as path from "path";

export class CliInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliInputError";
  }
}

/** The nearest ancestor of `p` (or `p` itself) that exists and is not a directory, if any. */
export function fileInTheWay(p: string): string | undefined {
  const parts = path.resolve(p).split(path.sep);
  for (let i = 2; i <= parts.length; i++) {
    const at = parts.slice(0, i).join(path.sep) || path.sep;
    let st: fs.Stats;
    try {
      st = fs.statSync(at);
    } catch {
      return undefined;
    }
    if (!st.isDirectory()) return at;
  }
  return undefined;
}

/**
 * What a file system error means, in words, for the path the user gave (`p`): the error's own path is
 * named too when it is another one (a file inside the directory, a parent).
 */
export function describeFsError(p: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const reason = reasonOf(p, err);
  return err?.path && path.resolve(err.path) !== path.resolve(p) && err.code !== "ENOTDIR"
    ? `${err.path}: ${reason}`
    : reason;
}

function reasonOf(p: string, err: NodeJS.ErrnoException): string {
  const code = err?.code === "ERR_FS_EISDIR" ? "EISDIR" : err?.code;
  switch (code) {
    case "ENOTDIR": {
      const file = fileInTheWay(p);
      return file ? `${file} is a file, not a directory` : "a part of the path is not a directory";
    }
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "the file system is read-only";
    case "ENOENT":
      return "no such file or directory";
    case "EISDIR":
      return "it is a directory, not a file";
    case "EEXIST":
      return "it exists and is not a directory";
    case "ENOSPC":
      return "no space left on the device";
    case "ENAMETOOLONG":
      return "the name is too long";
    case "ELOOP":
      return "too many symbolic links";
    default:
      return code ?? String(err?.message ?? err).split("\n")[0];
  }
}
