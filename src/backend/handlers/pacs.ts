import { join } from 'node:path';
import { CipherLensError } from '../../core/errors.js';
import { importPacsSeries } from '../../core/pacs/import-series.js';
import { STORAGE_CONDITION, type BackendContext } from '../context.js';
import { PacsStore } from '../pacs-store.js';
import { decodeOptions } from '../sources.js';
import type { HandlerGroup } from './types.js';

/** pacs.json sits next to keyring.json in the host's state folder. */
export const pacsStorePath = (stateDir: string): string => join(stateDir, 'pacs.json');

/**
 * The PACS operations (docs/pacs.md). Search results carry patient names and IDs to the renderer, where the person
 * who may search the PACS sees them; nothing of them is written to the workspace in clear: items are named by
 * modality, series and instance number, their source is "PACS <host>", and the resume marker is a keyed hash of
 * the SOP Instance UID. No import journal is written either (it would hold study and series UIDs): running the
 * same import again is the resume.
 */
export function pacsHandlers(
  context: BackendContext,
): HandlerGroup<
  'pacsConnection' | 'pacsConfigure' | 'pacsTest' | 'pacsSearchStudies' | 'pacsListSeries' | 'pacsImport'
> {
  let store: Promise<PacsStore> | null = null;
  const opened = (): Promise<PacsStore> =>
    (store ??= PacsStore.open(pacsStorePath(context.options.stateDir), context.options.secretBox).catch(
      (error: unknown) => {
        store = null;
        throw error;
      },
    ));

  return {
    async pacsConnection() {
      return (await opened()).describe();
    },
    async pacsConfigure(request) {
      return (await opened()).configure(request.baseUrl, request.auth);
    },
    async pacsTest() {
      const client = (await opened()).client();
      const { studiesSeen } = await client.checkConnection();
      return {
        ok: true as const,
        message: `${client.origin} answered a DICOMweb study search${studiesSeen === 0 ? ' (it holds no studies yet)' : ''}`,
      };
    },
    async pacsSearchStudies(request) {
      return (await opened()).client().searchStudies(request);
    },
    async pacsListSeries(request) {
      return { series: await (await opened()).client().listSeries(request.studyInstanceUid) };
    },
    async pacsImport(request) {
      context.rekey.refuseWhileRunning('import');
      const key = context.activeKey();
      const running = context.jobs.running('pacs-import');
      if (running.length > 0) {
        throw new CipherLensError(
          'BAD_INPUT',
          `a PACS import is already running (job ${running[0]!.id}): wait for it or cancel it`,
        );
      }
      const client = (await opened()).client();
      const jobId = context.jobs.start('pacs-import', async (job) => {
        const size = await context.importSize(request.conversion.size);
        const { fit, dicomFrame, dicomWindow } = request.conversion;
        return importPacsSeries(
          context.workspace,
          client,
          { studyInstanceUid: request.studyInstanceUid, seriesInstanceUids: request.seriesInstanceUids },
          {
            key,
            condition: STORAGE_CONDITION,
            cipher: context.cipher,
            fit,
            conversionTag: JSON.stringify({ pacs: true, size, fit, frame: dicomFrame, window: dicomWindow }),
            decodeOptions: decodeOptions(request.conversion, size),
            label: request.label ?? null,
            signal: job.signal,
            onProgress: (done, total, message) => job.progress(done, total, message),
          },
        );
      });
      return { jobId };
    },
  };
}
