import { z } from 'zod';
import {
  ClassifyBatchRequestSchema,
  ClassifyBatchResultSchema,
  ClassifyImageRequestSchema,
  ClassifyImageResponseSchema,
  EvaluateAblationResponseSchema,
  EvaluateCellRequestSchema,
  EvaluateCellResponseSchema,
  EvaluateGetResponseSchema,
  EvaluateRunRequestSchema,
  EvaluateStudyConfigRequestSchema,
  EvaluateStudyConfigResponseSchema,
  EvaluationReportSchema,
  RetrieveIndexStatusSchema,
  RetrieveQueryRequestSchema,
  RetrieveQueryResponseSchema,
  SecurityAnalyzeRequestSchema,
  SecurityReportSchema,
} from './analysis.js';
import { SecurityAttacksRequestSchema, SecurityAttacksResultSchema } from './attacks.js';
import { EmptyRequestSchema, JobStartedSchema, OkResponseSchema } from './common.js';
import {
  LibraryDicomApplyRequestSchema,
  LibraryDicomApplyResponseSchema,
  LibraryDicomPreviewRequestSchema,
  LibraryDicomPreviewResponseSchema,
  LibraryDicomRequestSchema,
  LibraryDicomResponseSchema,
} from './dicom.js';
import {
  KeyInfoSchema,
  KeysExportRequestSchema,
  KeysExportResponseSchema,
  KeysGenerateRequestSchema,
  KeysImportRequestSchema,
  KeysSelectRequestSchema,
  KeysStatusResponseSchema,
} from './keys.js';
import {
  ImportDatasetRequestSchema,
  ImportPathsRequestSchema,
  ImportResultSchema,
  ImportUploadRequestSchema,
  LibraryItemsRequestSchema,
  LibraryItemsResponseSchema,
  LibraryListRequestSchema,
  LibraryListResponseSchema,
  LibraryItemSchema,
  LibraryRemoveRequestSchema,
  LibraryRemoveResponseSchema,
  LibraryUpdateRequestSchema,
  PreviewCipherRequestSchema,
  PreviewCipherResponseSchema,
  PreviewDecryptRequestSchema,
  PreviewDecryptResponseSchema,
} from './library.js';
import { MapBuildResultSchema, MapGetRequestSchema, MapGetResponseSchema } from './map.js';
import type { OperationName } from './operation-names.js';
import {
  PacsConfigureRequestSchema,
  PacsConnectionSchema,
  PacsImportRequestSchema,
  PacsListSeriesRequestSchema,
  PacsListSeriesResponseSchema,
  PacsSearchStudiesRequestSchema,
  PacsSearchStudiesResponseSchema,
  PacsTestResponseSchema,
} from './pacs.js';
import {
  AppInfoSchema,
  HostPickPathsRequestSchema,
  HostPickPathsResponseSchema,
  JobRefSchema,
  JobStateSchema,
  JobsListResponseSchema,
  ModelsListResponseSchema,
  ModelsSelectRequestSchema,
  ModelsSelectResponseSchema,
  SettingsSchema,
  SettingsUpdateRequestSchema,
} from './system.js';
import {
  ModelsImportRequestSchema,
  ModelsImportResponseSchema,
  ModelsTrainRequestSchema,
  ModelsTrainResultSchema,
  ModelsTrainStatusRequestSchema,
  ModelsTrainStatusSchema,
} from './user-models.js';
import {
  WorkspaceChooseRequestSchema,
  WorkspaceInfoSchema,
  WorkspaceRekeyRequestSchema,
  WorkspaceRekeyStateSchema,
  WorkspaceRekeyStatusSchema,
} from './workspace.js';

const op = <Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) => ({
  request,
  response,
});

/** name → request/response schema. Both hosts validate every request (and the renderer may check responses). */
export const API_OPERATIONS = {
  appInfo: op(EmptyRequestSchema, AppInfoSchema),
  hostPickPaths: op(HostPickPathsRequestSchema, HostPickPathsResponseSchema),
  keysStatus: op(EmptyRequestSchema, KeysStatusResponseSchema),
  keysGenerate: op(KeysGenerateRequestSchema, KeyInfoSchema),
  keysImport: op(KeysImportRequestSchema, KeyInfoSchema),
  keysSelect: op(KeysSelectRequestSchema, KeyInfoSchema),
  keysExport: op(KeysExportRequestSchema, KeysExportResponseSchema),
  workspaceInfo: op(EmptyRequestSchema, WorkspaceInfoSchema),
  workspaceChoose: op(WorkspaceChooseRequestSchema, WorkspaceInfoSchema),
  workspaceRekey: op(WorkspaceRekeyRequestSchema, WorkspaceRekeyStateSchema),
  workspaceRekeyStatus: op(EmptyRequestSchema, WorkspaceRekeyStatusSchema),
  workspaceRekeyCancel: op(EmptyRequestSchema, OkResponseSchema),
  importPaths: op(ImportPathsRequestSchema, JobStartedSchema),
  importUpload: op(ImportUploadRequestSchema, ImportResultSchema),
  importDataset: op(ImportDatasetRequestSchema, JobStartedSchema),
  importResume: op(EmptyRequestSchema, JobStartedSchema),
  pacsConnection: op(EmptyRequestSchema, PacsConnectionSchema),
  pacsConfigure: op(PacsConfigureRequestSchema, PacsConnectionSchema),
  pacsTest: op(EmptyRequestSchema, PacsTestResponseSchema),
  pacsSearchStudies: op(PacsSearchStudiesRequestSchema, PacsSearchStudiesResponseSchema),
  pacsListSeries: op(PacsListSeriesRequestSchema, PacsListSeriesResponseSchema),
  pacsImport: op(PacsImportRequestSchema, JobStartedSchema),
  libraryList: op(LibraryListRequestSchema, LibraryListResponseSchema),
  libraryItems: op(LibraryItemsRequestSchema, LibraryItemsResponseSchema),
  libraryUpdate: op(LibraryUpdateRequestSchema, LibraryItemSchema),
  libraryRemove: op(LibraryRemoveRequestSchema, LibraryRemoveResponseSchema),
  libraryDicom: op(LibraryDicomRequestSchema, LibraryDicomResponseSchema),
  libraryDicomPreview: op(LibraryDicomPreviewRequestSchema, LibraryDicomPreviewResponseSchema),
  libraryDicomApply: op(LibraryDicomApplyRequestSchema, LibraryDicomApplyResponseSchema),
  previewCipher: op(PreviewCipherRequestSchema, PreviewCipherResponseSchema),
  previewDecrypt: op(PreviewDecryptRequestSchema, PreviewDecryptResponseSchema),
  classifyImage: op(ClassifyImageRequestSchema, ClassifyImageResponseSchema),
  classifyBatch: op(ClassifyBatchRequestSchema, JobStartedSchema),
  retrieveIndexStatus: op(EmptyRequestSchema, RetrieveIndexStatusSchema),
  retrieveBuildIndex: op(EmptyRequestSchema, JobStartedSchema),
  retrieveQuery: op(RetrieveQueryRequestSchema, RetrieveQueryResponseSchema),
  mapGet: op(MapGetRequestSchema, MapGetResponseSchema),
  mapBuild: op(EmptyRequestSchema, JobStartedSchema),
  evaluateRun: op(EvaluateRunRequestSchema, JobStartedSchema),
  evaluateGet: op(EmptyRequestSchema, EvaluateGetResponseSchema),
  evaluateCell: op(EvaluateCellRequestSchema, EvaluateCellResponseSchema),
  evaluateAblation: op(EmptyRequestSchema, EvaluateAblationResponseSchema),
  evaluateStudyConfig: op(EvaluateStudyConfigRequestSchema, EvaluateStudyConfigResponseSchema),
  securityAnalyze: op(SecurityAnalyzeRequestSchema, SecurityReportSchema),
  securityAttacks: op(SecurityAttacksRequestSchema, JobStartedSchema),
  modelsList: op(EmptyRequestSchema, ModelsListResponseSchema),
  modelsSelect: op(ModelsSelectRequestSchema, ModelsSelectResponseSchema),
  modelsImport: op(ModelsImportRequestSchema, ModelsImportResponseSchema),
  modelsTrainStatus: op(ModelsTrainStatusRequestSchema, ModelsTrainStatusSchema),
  modelsTrain: op(ModelsTrainRequestSchema, JobStartedSchema),
  settingsGet: op(EmptyRequestSchema, SettingsSchema),
  settingsUpdate: op(SettingsUpdateRequestSchema, SettingsSchema),
  jobsList: op(EmptyRequestSchema, JobsListResponseSchema),
  jobsGet: op(JobRefSchema, JobStateSchema),
  jobsCancel: op(JobRefSchema, OkResponseSchema),
} satisfies Record<OperationName, { request: z.ZodType; response: z.ZodType }>;

export type ApiOperations = typeof API_OPERATIONS;
export type OperationRequest<N extends OperationName> = z.input<ApiOperations[N]['request']>;
/** A request after validation: defaults filled in. What the back end receives. */
export type ParsedRequest<N extends OperationName> = z.output<ApiOperations[N]['request']>;
export type OperationResponse<N extends OperationName> = z.output<ApiOperations[N]['response']>;

/** How to read a finished job's `result`, by job kind. */
export const JOB_RESULT_SCHEMAS = {
  'import-paths': ImportResultSchema,
  'import-dataset': ImportResultSchema,
  'pacs-import': ImportResultSchema,
  'classify-batch': ClassifyBatchResultSchema,
  'index-build': RetrieveIndexStatusSchema,
  'map-umap': MapBuildResultSchema,
  evaluate: EvaluationReportSchema,
  'model-train': ModelsTrainResultSchema,
  'security-attacks': SecurityAttacksResultSchema,
} as const;
