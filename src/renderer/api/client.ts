import type { CipherLensApi } from '../../shared/api.js';
import type { ImageSource } from '../../shared/common.js';

/** The API plus what differs between hosts: how a dropped or picked File becomes an image source. */
export interface CipherLensClient extends CipherLensApi {
  readonly host: 'electron' | 'browser';
  /** Electron: the file's path when it has one; browser: its bytes as an upload. */
  sourceForFile(file: File): Promise<ImageSource>;
}
