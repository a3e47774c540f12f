// Run as a child process by dicom-crash-steps.test.ts and killed with SIGKILL right after its file-system step N
// (an open, rename or rm) when CIPHERLENS_CRASH_AFTER_STEP=N: `import` imports a folder (a DICOM file and a PNG),
// `rekey` rotates the workspace from one key to another.
import { crashAfterFsStep } from './crash-after-step.js';

crashAfterFsStep(Number(process.env.CIPHERLENS_CRASH_AFTER_STEP ?? 0), ['open', 'rename', 'rm']);

const { Workspace } = await import('../../../src/core/workspace/workspace.js');
const { collectImportFiles } = await import('../../../src/core/workspace/import-files.js');
const { fileImportInput } = await import('../../../src/core/workspace/import-inputs.js');
const { importImages } = await import('../../../src/core/workspace/importer.js');
const { rekeyWorkspace } = await import('../../../src/core/workspace/rekey.js');
const { keyFromBytes } = await import('../../../src/core/crypto/keys.js');

const [mode, workspacePath, imagesPath, keyHex, toKeyHex] = process.argv.slice(2) as [
  'import' | 'rekey',
  string,
  string,
  string,
  string,
];
const key = keyFromBytes(Buffer.from(keyHex, 'hex'));
const workspace = await Workspace.open(workspacePath, { create: true });
if (mode === 'import') {
  const { files } = await collectImportFiles([imagesPath]);
  await importImages(
    workspace,
    files.map((file) => fileImportInput(file, file.folderLabel, { size: 16, fit: 'resize' })),
    { key, condition: 'arnold+xor', conversionTag: 'size=16', fit: 'resize' },
  );
} else {
  await rekeyWorkspace(workspace, { from: key, to: keyFromBytes(Buffer.from(toKeyHex, 'hex')) });
}
process.stdout.write('finished\n');
