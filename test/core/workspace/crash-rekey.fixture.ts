// Run as a child process by rekey.test.ts and killed with SIGKILL part-way through a key rotation: by the test
// after some progress, or by itself right after file-system step N (a rename or removal) when
// CIPHERLENS_CRASH_AFTER_STEP=N, so that every step of the protocol gets a crash of its own.
import { crashAfterFsStep } from './crash-after-step.js';

crashAfterFsStep(Number(process.env.CIPHERLENS_CRASH_AFTER_STEP ?? 0), ['rename', 'rm', 'unlink']);

const { keyFromBytes } = await import('../../../src/core/crypto/keys.js');
const { rekeyWorkspace } = await import('../../../src/core/workspace/rekey.js');
const { Workspace } = await import('../../../src/core/workspace/workspace.js');

const [workspacePath, fromHex, toHex] = process.argv.slice(2) as [string, string, string];
const workspace = await Workspace.open(workspacePath);
await rekeyWorkspace(workspace, {
  from: keyFromBytes(Buffer.from(fromHex, 'hex')),
  to: keyFromBytes(Buffer.from(toHex, 'hex')),
  onProgress: (done) => process.stdout.write(`${done}\n`),
});
process.stdout.write('finished\n');
