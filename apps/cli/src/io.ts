// The CLI's view of its process: output streams, stdin, cwd. Tests pass a recording double; only
// main.ts binds it to the real process.
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads all of stdin as UTF-8. */
  readonly readStdin: () => Promise<string>;
  readonly readFile: (path: string) => Promise<string>;
  readonly cwd: string;
}

/** A failure the CLI reports on stderr with an exit code (usage errors, bad input files). */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
