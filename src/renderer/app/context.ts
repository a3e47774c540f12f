import type { CipherLensClient } from '../api/index.js';
import type { AppInfo, AppStore } from './store.js';

export const VIEW_IDS = [
  'library',
  'classify',
  'retrieve',
  'map',
  'evaluate',
  'security',
  'settings',
] as const;
export type ViewId = (typeof VIEW_IDS)[number];

/** What one view may ask of another when navigating: "classify this item", "find images like this one". */
export interface ViewParams {
  itemId?: string;
}

export interface AppContext {
  api: CipherLensClient;
  info: AppInfo;
  store: AppStore;
  navigate(view: ViewId, params?: ViewParams): void;
}

export interface View {
  /** The view's root, created once and kept while the person works elsewhere. */
  element: HTMLElement;
  /** Called each time the view comes on screen, with what the navigating view passed. */
  show?(params: ViewParams): void;
}

export type ViewFactory = (context: AppContext) => View;
