import type { OperationResponse } from '../../shared/index.js';
import type { CipherLensClient } from '../api/index.js';
import { reportError } from '../components/messages.js';

export type KeysStatus = OperationResponse<'keysStatus'>;
export type ModelsList = OperationResponse<'modelsList'>;
export type WorkspaceState = OperationResponse<'workspaceInfo'>;
export type SettingsState = OperationResponse<'settingsGet'>;
export type AppInfo = OperationResponse<'appInfo'>;

export type Topic = 'keys' | 'models' | 'workspace' | 'settings';

interface Snapshot {
  keys: KeysStatus | null;
  models: ModelsList | null;
  workspace: WorkspaceState | null;
  settings: SettingsState | null;
}

const LOADERS: { [T in Topic]: (api: CipherLensClient) => Promise<NonNullable<Snapshot[T]>> } = {
  keys: (api) => api.keysStatus(),
  models: (api) => api.modelsList(),
  workspace: (api) => api.workspaceInfo(),
  settings: (api) => api.settingsGet(),
};

/** What several views show at once (active key, model, workspace): one copy, refreshed on change. */
export class AppStore {
  private readonly snapshot: Snapshot = { keys: null, models: null, workspace: null, settings: null };
  private readonly listeners = new Map<Topic, Set<() => void>>();

  constructor(private readonly api: CipherLensClient) {}

  get keys(): KeysStatus | null {
    return this.snapshot.keys;
  }
  get models(): ModelsList | null {
    return this.snapshot.models;
  }
  get workspace(): WorkspaceState | null {
    return this.snapshot.workspace;
  }
  get settings(): SettingsState | null {
    return this.snapshot.settings;
  }

  get activeModel(): ModelsList['models'][number] | null {
    const models = this.snapshot.models;
    return models?.models.find((model) => model.id === models.activeId) ?? null;
  }

  /** Subscribes to a topic; returns the unsubscribe function. */
  on(topic: Topic, listener: () => void): () => void {
    const set = this.listeners.get(topic) ?? new Set();
    set.add(listener);
    this.listeners.set(topic, set);
    return () => set.delete(listener);
  }

  /** Reloads topics from the back end and notifies their listeners; failures are reported, not thrown. */
  async refresh(...topics: Topic[]): Promise<void> {
    await Promise.all(
      topics.map(async (topic) => {
        try {
          const value = await LOADERS[topic](this.api);
          (this.snapshot as Record<Topic, unknown>)[topic] = value;
        } catch (error) {
          reportError(error, `Could not load ${topic}`);
          return;
        }
        for (const listener of this.listeners.get(topic) ?? []) listener();
      }),
    );
  }
}
