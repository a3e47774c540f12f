// Run as a child process by workspace.test.ts and import-crash-steps.test.ts, and killed with SIGKILL part-way
// through an import: by the test after some progress, or by itself right after file-system step N (an open or a
// rename) when CIPHERLENS_CRASH_AFTER_STEP=N.
import { crashAfterFsStep } from './crash-after-step.js';

crashAfterFsStep(Number(process.env.CIPHERLENS_CRASH_AFTER_STEP ?? 0), ['open', 'rename']);

const { Workspace } = await import('../../../src/core/workspace/workspace.js');
const { collectImportFiles } = await import('../../../src/core/workspace/import-files.js');
const { fileImportInput } = await import('../../../src/core/workspace/import-inputs.js');
const { importImages } = await import('../../../src/core/workspace/importer.js');
const { keyFromBytes } = await import('../../../src/core/crypto/keys.js');

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
