import { generateKey, saveKeyFile } from '../../core/crypto/keys.js';
import { CipherLensError } from '../../core/errors.js';
import type { CliCommand } from '../command.js';
import {
  outputOptions,
  parseCommandArgs,
  passphraseOptions,
  pathExists,
  readPassphrase,
  refuseExtraArguments,
} from '../crypto-options.js';

const usage = `Usage: cipherlens keygen --out FILE [--passphrase-env VAR | --passphrase-file F] [--label L] [--force] [--json]

Creates a random 256-bit key (CSPRNG) and saves it. Prints its fingerprint, never the key.
  --out FILE             where to write the key file (mode 0600); an existing file is kept unless --force
  --passphrase-env VAR   protect the key with the passphrase held in environment variable VAR (scrypt + AES-256-GCM)
  --passphrase-file F    ... or with the first line of file F
  --label L              a name stored with the key
  --json                 print {"path", "fingerprint", "protected", "label"}`;

const keygen: CliCommand = {
  name: 'keygen',
  summary: 'create a new encryption key file',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('keygen', argv, {
      label: { type: 'string' },
      ...outputOptions,
      ...passphraseOptions,
    });
    refuseExtraArguments(positionals);
    if (!values.out) throw new CipherLensError('BAD_INPUT', '--out FILE is required');
    if (!values.force && (await pathExists(values.out))) {
      throw new CipherLensError(
        'BAD_INPUT',
        `${values.out} already exists; use --force to replace it (the old key is then lost)`,
      );
    }
    const passphrase = await readPassphrase(values);
    const key = generateKey(values.label ?? '');
    await saveKeyFile(values.out, key, passphrase ? { passphrase } : {});
    if (values.json) {
      const summary = {
        path: values.out,
        fingerprint: key.fingerprint,
        protected: Boolean(passphrase),
        label: key.label,
      };
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      const protection = passphrase
        ? 'passphrase-protected'
        : 'NOT passphrase-protected: keep the file private';
      process.stdout.write(`wrote key ${values.out} (fingerprint ${key.fingerprint}, ${protection})\n`);
    }
    return 0;
  },
};

export default keygen;
