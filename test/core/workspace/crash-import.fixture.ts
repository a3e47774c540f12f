// Run as a child process by workspace.test.ts and killed with SIGKILL part-way through an import.
import { Workspace } from '../../../src/core/workspace/workspace.js';
import { collectImportFiles } from '../../../src/core/workspace/import-files.js';
import { fileImportInput } from '../../../src/core/workspace/import-inputs.js';
import { importImages } from '../../../src/core/workspace/importer.js';
import { keyFromBytes } from '../../../src/core/crypto/keys.js';

const [workspacePath, imagesPath, keyHex] = process.argv.slice(2) as [string, string, string];
const key = keyFromBytes(Buffer.from(keyHex, 'hex'));
const workspace = await Workspace.open(workspacePath, { create: true });
const { files } = await collectImportFiles([imagesPath]);
await importImages(
  workspace,
  files.map((file) => fileImportInput(file, file.folderLabel, { size: 32, fit: 'resize' })),
  {
    key,
    condition: 'arnold+xor',
    conversionTag: 'size=32',
    onProgress: (done) => process.stdout.write(`${done}\n`),
  },
);
process.stdout.write('finished\n');
