import { availableParallelism } from 'node:os';
import { CipherLensError } from '../../core/errors.js';
import {
  detectProviders,
  parseProviderPreference,
  type ProviderDetection,
} from '../../core/inference/providers.js';
import { MAX_UPLOAD_BYTES } from '../../shared/common.js';
import { checkPgUrl } from '../../core/retrieval/pgvector-store.js';
import { AUTO_ANN_FROM } from '../../core/retrieval/open-vector-store.js';
import type { ModelInfo, Settings, SettingsUpdateRequestSchema } from '../../shared/system.js';
import type { z } from 'zod';
import type { StoredSettings } from '../settings-store.js';
import { pathSourcesAllowed, type BackendContext } from '../context.js';
import { datasetAvailability } from '../dataset-sample.js';
import type { HandlerGroup } from './types.js';

let detection: ProviderDetection | null = null;
/** Detection spawns nvidia-smi on Linux: once per process is enough. */
const providers = (): ProviderDetection => (detection ??= detectProviders());

function retrievalPatch(
  request: z.output<typeof SettingsUpdateRequestSchema>['retrieval'],
): Partial<StoredSettings> {
  if (!request) return {};
  const patch: Partial<StoredSettings> = {};
  if (request.store !== undefined) patch.retrievalStore = request.store;
  if (request.pgvectorSearch !== undefined) patch.pgvectorSearch = request.pgvectorSearch;
  if (request.pgvectorUrl !== undefined) {
    const url = request.pgvectorUrl?.trim() || null;
    // Refused with the reason (a password in it, not postgres://) before it is stored.
    if (url !== null) checkPgUrl(url);
    patch.pgvectorUrl = url;
  }
  return patch;
}

function settingsOf(context: BackendContext): Settings {
  const stored = context.settings.get();
  const detected = providers();
  const notes = detected.notes.filter((note) => !note.startsWith('cpu'));
  return {
    executionProvider: {
      available: detected.available,
      override: stored.executionProvider,
      lastUsed: context.models.lastProvider,
      fallbackNote: context.models.fallbackNote ?? (notes.length > 0 ? notes.join('; ') : null),
    },
    threads: stored.threads,
    maxThreads: availableParallelism(),
    workspacePath: context.workspace.path,
    dataDir: context.options.dataDir,
    retrieval: {
      store: stored.retrievalStore,
      annFrom: AUTO_ANN_FROM,
      pgvectorUrl: stored.pgvectorUrl,
      pgvectorSearch: stored.pgvectorSearch,
    },
  };
}

export function systemHandlers(
  context: BackendContext,
): HandlerGroup<
  | 'appInfo'
  | 'hostPickPaths'
  | 'modelsList'
  | 'modelsSelect'
  | 'settingsGet'
  | 'settingsUpdate'
  | 'jobsList'
  | 'jobsGet'
  | 'jobsCancel'
> {
  return {
    async appInfo() {
      const { options } = context;
      return {
        version: options.version,
        host: options.host,
        capabilities: {
          nativeDialogs: options.pickPaths !== undefined,
          pathImport: pathSourcesAllowed(options),
          maxUploadBytes: MAX_UPLOAD_BYTES,
        },
        demoKeyFingerprint: context.keys.demoFingerprint,
        datasets: datasetAvailability(options.dataDir),
      };
    },
    async hostPickPaths(request) {
      if (!context.options.pickPaths) {
        throw new CipherLensError(
          'BAD_INPUT',
          'this host has no native file dialogs: upload files instead (or type a path on the server machine)',
        );
      }
      return { paths: await context.options.pickPaths(request) };
    },
    async modelsList() {
      const key = context.activeKeyOrNull();
      const models = await context.models.list(key);
      const active = await context.activeModelOrNull();
      // What the person can use with this key first (trained or transformed for it), then encrypted models of
      // other keys, then plain models (they see decrypted images); the registry's order within each group.
      const rank = (info: ModelInfo): number => (info.reads === 'plain' ? 2 : info.compatible ? 0 : 1);
      const infos = models.map((model) => context.models.info(model, key));
      return {
        models: infos
          .map((info, order) => ({ info, order }))
          .sort((a, b) => rank(a.info) - rank(b.info) || a.order - b.order)
          .map(({ info }) => info),
        activeId: active?.card.id ?? null,
      };
    },
    async modelsSelect(request) {
      const model = await context.models.find(request.id, context.activeKeyOrNull());
      await context.settings.update({ activeModel: model.card.id });
      return { active: context.models.info(model, context.activeKeyOrNull()) };
    },
    async settingsGet() {
      return settingsOf(context);
    },
    async settingsUpdate(request) {
      const patch: { executionProvider?: string; threads?: number } = {};
      if (request.executionProvider !== undefined) {
        patch.executionProvider = parseProviderPreference(request.executionProvider);
      }
      if (request.threads !== undefined) patch.threads = request.threads;
      const retrieval = retrievalPatch(request.retrieval);
      const next = { ...context.settings.get(), ...retrieval };
      if (next.retrievalStore === 'pgvector' && !next.pgvectorUrl) {
        throw new CipherLensError(
          'BAD_INPUT',
          'the pgvector backend needs the server: give its connection URL (postgres://user@host:5432/database)',
        );
      }
      await context.settings.update({ ...patch, ...retrieval });
      // Open indexes were opened under the old backend choice.
      if (request.retrieval) await context.retrieval.close();
      return settingsOf(context);
    },
    async jobsList() {
      return { jobs: context.jobs.list() };
    },
    async jobsGet(request) {
      return context.jobs.get(request.jobId);
    },
    async jobsCancel(request) {
      context.jobs.cancel(request.jobId);
      return { ok: true as const };
    },
  };
}
