import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The browser host's and the CLI's state folder: `$CIPHERLENS_HOME`, else `~/.cipherlens`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.CIPHERLENS_HOME ?? join(homedir(), '.cipherlens'));
}

/** Imported and trained models live in the user's state folder, beside the key ring — never in the install. */
export const userModelsDirOf = (stateDir: string): string => join(stateDir, 'models');
