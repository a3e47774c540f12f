/** One `cipherlens <name>` sub-command. Each lives in its own file under commands/. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}
