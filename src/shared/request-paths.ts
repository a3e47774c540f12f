import type { z } from 'zod';
import { PathSchema } from './common.js';
import { isOperationName } from './operation-names.js';
import { API_OPERATIONS } from './operations.js';

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

function collect(schema: z.ZodType, value: unknown, found: string[], depth: number): void {
  if (value === undefined || value === null || depth > 32) return;
  if (schema === PathSchema) {
    if (typeof value === 'string') found.push(value);
    return;
  }
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) return;
      for (const [field, fieldSchema] of Object.entries(def.shape ?? {})) {
        collect(fieldSchema, (value as Record<string, unknown>)[field], found, depth + 1);
      }
      return;
    case 'array':
      if (!Array.isArray(value) || !def.element) return;
      for (const element of value) collect(def.element, element, found, depth + 1);
      return;
    case 'union':
      // Every branch is walked: a path is reported even if the value fits another branch too (over-reporting
      // only makes a guard stricter).
      for (const option of def.options ?? []) collect(option, value, found, depth + 1);
      return;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      if (def.innerType) collect(def.innerType, value, found, depth + 1);
      return;
    case 'pipe':
      if (def.in) collect(def.in, value, found, depth + 1);
      return;
    default:
      return;
  }
}

/**
 * Every file-system path a request names: the values of its fields typed `PathSchema`, wherever they sit
 * (importPaths.paths, a `path` image source, keysImport, keysExport.path, workspaceChoose.path,
 * importDataset.dataDir, modelsImport's path form, …), found by walking the operation's request schema, so a
 * new path field is covered the moment it is declared. Hosts use it to decide who may name paths: the
 * Electron main process accepts only paths it handed out itself, the browser host none unless started with
 * --allow-paths. Runs on the raw payload, before validation; unknown operations name no paths.
 */
export function requestPaths(operation: string, payload: unknown): string[] {
  if (!isOperationName(operation)) return [];
  const found: string[] = [];
  collect(API_OPERATIONS[operation].request, payload, found, 0);
  return found;
}
