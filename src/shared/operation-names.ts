/**
 * Every API operation by name. Kept free of zod so the sandboxed preload can bundle it without the schemas;
 * operations.ts checks at compile time that its table has exactly these names.
 */
export const OPERATION_NAMES = [
  'appInfo',
  'hostPickPaths',
  'keysStatus',
  'keysGenerate',
  'keysImport',
  'keysSelect',
  'keysExport',
  'workspaceInfo',
  'workspaceChoose',
  'workspaceRekey',
  'workspaceRekeyStatus',
  'workspaceRekeyCancel',
  'importPaths',
  'importUpload',
  'importDataset',
  'importResume',
  'pacsConnection',
  'pacsConfigure',
  'pacsTest',
  'pacsSearchStudies',
  'pacsListSeries',
  'pacsImport',
  'libraryList',
  'libraryItems',
  'libraryUpdate',
  'libraryRemove',
  'libraryDicom',
  'libraryDicomPreview',
  'libraryDicomApply',
  'previewCipher',
  'previewDecrypt',
  'classifyImage',
  'classifyBatch',
  'retrieveIndexStatus',
  'retrieveBuildIndex',
  'retrieveQuery',
  'mapGet',
  'mapBuild',
  'evaluateRun',
  'evaluateGet',
  'evaluateCell',
  'evaluateAblation',
  'evaluateStudyConfig',
  'securityAnalyze',
  'securityAttacks',
  'modelsList',
  'modelsSelect',
  'modelsImport',
  'modelsTrainStatus',
  'modelsTrain',
  'settingsGet',
  'settingsUpdate',
  'jobsList',
  'jobsGet',
  'jobsCancel',
] as const;

export type OperationName = (typeof OPERATION_NAMES)[number];

export function isOperationName(value: string): value is OperationName {
  return (OPERATION_NAMES as readonly string[]).includes(value);
}

/** IPC channel of an operation (Electron host), and of the job event stream. */
export const ipcChannel = (operation: OperationName): string => `cipherlens:${operation}`;
export const JOB_EVENT_CHANNEL = 'cipherlens:job-event';
/** Preload → main: the path of a File the person dropped or picked, so that main may accept it back. */
export const GRANT_DROPPED_PATH_CHANNEL = 'cipherlens:grant-dropped-path';
