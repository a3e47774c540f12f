import { join, resolve } from 'node:path';
import { OffLoopCipher } from '../core/crypto/cipher-pool.js';
import type { CipherKey } from '../core/crypto/keys.js';
import { DEFAULT_CONDITION, type Condition } from '../core/crypto/condition.js';
import type { InferenceEngine } from '../core/inference/engine.js';
import type { ModelFiles } from '../core/inference/model-files.js';
import { parseProviderPreference } from '../core/inference/providers.js';
import { CipherLensError } from '../core/errors.js';
import { Workspace } from '../core/workspace/workspace.js';
import { JobManager } from './jobs.js';
import { KeyRing, type SecretBox } from './key-ring.js';
import { ThumbnailCache } from './library-items.js';
import { EmbeddingMaps } from './map/projection.js';
import { ModelRegistry, type EngineFactory } from './models.js';
import { SettingsStore } from './settings-store.js';
import { WorkspaceRekeys } from './workspace-rekey.js';
import { RetrievalStores } from './retrieval-index.js';
import { userModelsDirOf } from './state-dir.js';
import type { HostPickPathsRequestSchema } from '../shared/system.js';
import type { z } from 'zod';

/** What a host tells the back end about where things are and what it can do. */
export interface AppServiceOptions {
  host: 'electron' | 'browser';
  version: string;
  /** settings.json and keyring.json live here (Electron: userData; browser host: ~/.cipherlens). */
  stateDir: string;
  /** Used until the person chooses another workspace. */
  defaultWorkspacePath: string;
  /** Forces the workspace for this launch (the browser host's --workspace); not saved. */
  workspaceOverride?: string;
  /** Shipped models first, then the user's models folder; more folders may follow. */
  modelsDirs: string[];
  /**
   * Where imported and trained models are written (the user's state folder, never the install); listed with the
   * others even when `modelsDirs` omits it. Default: `<stateDir>/models`.
   */
  userModelsDir?: string;
  /** Python interpreter for training; default: $CIPHERLENS_PYTHON, else /usr/bin/python3, else python3. */
  python?: string;
  /** Folder holding the `training` Python package; default: the repository (src/core/training). */
  trainerRoot?: string;
  demoKeyPath: string | null;
  /** Folder with mnist/ and MedNIST.tar.gz; null when none was found. */
  dataDir: string | null;
  /** Decoded-dataset cache; null disables it. */
  cacheDir: string | null;
  /** study/results with the ablation JSON files; null when not shipped. */
  studyResultsDir: string | null;
  secretBox: SecretBox;
  /**
   * Whether requests may name files and folders on this machine (path image sources, importPaths, keysImport
   * and keysExport by path, workspaceChoose, importDataset.dataDir, modelsImport by path). Default: on for
   * Electron, whose main process lets through only paths it handed out itself (dialogs, drops); off for the
   * browser host unless it was started with --allow-paths.
   */
  pathSources?: boolean;
  /** Native dialogs (Electron); absent on hosts without them. */
  pickPaths?: (request: z.output<typeof HostPickPathsRequestSchema>) => Promise<string[]>;
  /** Where inference runs (Electron: a utility process); default: a worker thread. */
  createEngine?: EngineFactory;
  log?: (message: string) => void;
}

export const pathSourcesAllowed = (options: AppServiceOptions): boolean =>
  options.pathSources ?? options.host === 'electron';

/** How imported images are kept at rest: the default condition (the paper's scheme), whatever the model needs later. */
export const STORAGE_CONDITION: Condition = DEFAULT_CONDITION;
/** Import size when no model is available to ask. */
export const FALLBACK_IMAGE_SIZE = 64;

/** The back end's state, shared by every handler. */
export class BackendContext {
  readonly jobs = new JobManager();
  /** The key rotation of the workspace (at most one; no job runs beside it). */
  readonly rekey = new WorkspaceRekeys(this.jobs);
  /** The open retrieval indexes; closed with the context. */
  readonly retrieval = new RetrievalStores(this);
  /** Embedding-map layouts per (model, key, index version): PCA on request, UMAP from a job. */
  readonly maps = new EmbeddingMaps();
  /** Encrypts imported images, large ones in worker threads (the event loop serves every request). */
  readonly cipher = new OffLoopCipher();
  /** Library thumbnails; the decrypted ones are dropped when the active key changes, all of them on close(). */
  readonly thumbnails = new ThumbnailCache();
  readonly models: ModelRegistry;
  /** Where the user's own models (imported or trained) live. */
  readonly userModelsDir: string;

  private constructor(
    readonly options: AppServiceOptions,
    readonly settings: SettingsStore,
    readonly keys: KeyRing,
    private currentWorkspace: Workspace,
  ) {
    this.userModelsDir = resolve(options.userModelsDir ?? userModelsDirOf(options.stateDir));
    const dirs = options.modelsDirs.some((dir) => resolve(dir) === this.userModelsDir)
      ? options.modelsDirs
      : [...options.modelsDirs, this.userModelsDir];
    this.models = new ModelRegistry(dirs, options.createEngine, options.log, this.userModelsDir);
  }

  static async create(options: AppServiceOptions): Promise<BackendContext> {
    const settings = await SettingsStore.open(join(options.stateDir, 'settings.json'));
    const keys = await KeyRing.open(
      join(options.stateDir, 'keyring.json'),
      options.secretBox,
      options.demoKeyPath,
    );
    const workspacePath =
      options.workspaceOverride ?? settings.get().workspacePath ?? options.defaultWorkspacePath;
    const workspace = await Workspace.open(workspacePath, { create: true });
    const context = new BackendContext(options, settings, keys, workspace);
    const active = settings.get().activeKey;
    if (!active || !keys.list().some((entry) => entry.fingerprint === active)) {
      // First launch (or a key that is gone): the demo key, so the shipped models work out of the box.
      await settings.update({ activeKey: keys.demoFingerprint ?? keys.list()[0]?.fingerprint ?? null });
    }
    return context;
  }

  get workspace(): Workspace {
    return this.currentWorkspace;
  }

  async switchWorkspace(path: string, create: boolean): Promise<Workspace> {
    this.rekey.refuseWhileRunning('switch workspace');
    const running = this.jobs.running();
    if (running.length > 0) {
      throw new CipherLensError(
        'BAD_INPUT',
        `cannot switch workspace while ${running.length} job(s) run (${running.map((j) => j.kind).join(', ')}): wait or cancel them first`,
      );
    }
    const next = await Workspace.open(path, { create });
    await this.retrieval.close();
    this.currentWorkspace = next;
    if (!this.options.workspaceOverride) await this.settings.update({ workspacePath: next.path });
    return next;
  }

  /** Makes a key of the ring the active one and derives its transformed models now, so they are listed and ready the moment the key is. */
  async activateKey(fingerprint: string): Promise<void> {
    await this.settings.update({ activeKey: fingerprint });
    this.thumbnails.dropPlain();
    await this.models.prepare(this.activeKeyOrNull());
  }

  activeKeyOrNull(): CipherKey | null {
    const fingerprint = this.settings.get().activeKey;
    return fingerprint ? this.keys.key(fingerprint) : null;
  }

  activeKey(): CipherKey {
    const key = this.activeKeyOrNull();
    if (!key)
      throw new CipherLensError('NOT_FOUND', 'no key is active: generate or import one in Settings → Keys');
    return key;
  }

  async activeModelOrNull(): Promise<ModelFiles | null> {
    return this.models.active(this.settings.get().activeModel, this.activeKeyOrNull());
  }

  async activeModel(): Promise<ModelFiles> {
    const model = await this.activeModelOrNull();
    if (!model) {
      throw new CipherLensError(
        'NOT_FOUND',
        'no model is installed: the app looks in resources/models for <id>.onnx with its <id>.json card',
      );
    }
    return model;
  }

  /** The engine of the active model with the active key; explains a key/model mismatch instead of running. */
  async engine(): Promise<InferenceEngine> {
    const model = await this.activeModel();
    const stored = this.settings.get();
    return this.models.engineFor(model, this.activeKeyOrNull(), {
      provider: parseProviderPreference(stored.executionProvider),
      threads: stored.threads,
    });
  }

  /** Images are imported at the active model's input size unless the request names one. */
  async importSize(requested: number | undefined): Promise<number> {
    if (requested !== undefined) return requested;
    return (await this.activeModelOrNull())?.card.inputSize ?? FALLBACK_IMAGE_SIZE;
  }

  async close(): Promise<void> {
    await this.rekey.stop();
    await this.jobs.cancelAll();
    await this.models.closeEngine();
    await this.cipher.close();
    await this.maps.close();
    await this.retrieval.close();
    this.thumbnails.clear();
  }
}
