import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// No hidden process-wide state in core and the back end: a module-level `let`/`var`, or a module-level (or static)
// Map, Set, WeakMap, WeakSet or typed array, outlives AppService.close() and is shared by every service instance
// in the process. Caches belong on the object that owns them (BackendContext, a key, a worker). What remains is listed
// here with the reason it is not such state; a new one fails this test until it moves or is listed.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCANNED = ['src/core', 'src/backend'];

// A constant lookup table needs no entry when it says so in its type (`const X: ReadonlySet<T> = new Set(…)`).
const CONSTANT = 'a constant lookup table, filled once from literals and never written';
const SCRATCH =
  'scratch buffer, overwritten at the start of every call; it carries nothing from one call to the next';
const ALLOWED: Record<string, string> = {
  'src/core/crypto/cipher.ts#ciphersOfKey':
    'a side table keyed by the CipherKey object (WeakMap): the tables go with their key; forgetCiphers(key) drops them',
  'src/core/crypto/cipher-worker.ts#keys': 'state of one cipher worker thread, which ends with the thread',
  'src/core/crypto/kernels.ts#wordViews': 'Int32 views over caller buffers, keyed by the buffer (WeakMap)',
  'src/core/inference/ood.ts#decoded': 'centroids decoded from a calibration, keyed by that object (WeakMap)',
  'src/core/evaluation/ranking.ts#scratchBits': SCRATCH,
  'src/core/evaluation/ranking.ts#scratchFloat': SCRATCH,
  'src/core/security/entropy.ts#scratchHistogram': SCRATCH,
  'src/core/security/entropy.ts#blockHistogram': SCRATCH,
  'src/core/security/entropy.ts#countLogTable':
    'memo of c·log2(c) for small counts, grown on demand: a pure function of the count',
  'src/core/security/histogram.ts#lanedScratch': SCRATCH,
  'src/core/security/uniform-entropy.ts#cache':
    'memo of a pure function of (pixel count, grey levels): a number per image size, no image data',
  'src/core/image/codecs/index.ts#byTransferSyntax': CONSTANT,
  'src/core/image/dicom.ts#VRS': CONSTANT,
  'src/core/image/dicom.ts#COLOUR_PHOTOMETRICS': CONSTANT,
  'src/core/training/trainer.ts#KNOWN_CODES': CONSTANT,
  'src/backend/handlers/system.ts#detection':
    'the GPUs of this machine, detected once: a fact of the process',
  'src/backend/user-models.ts#locks':
    'serialises installs into one folder across every service instance of the process, so it must be process-wide',
  'src/backend/library-items.ts#damagedPicture':
    'the placeholder picture of a damaged item: a constant, made once',
};

const MUTABLE_CONSTRUCTORS =
  /^(Map|Set|WeakMap|WeakSet|(Big)?(Int|Uint)(8|16|32|64)Array|Uint8ClampedArray|Float(32|64)Array|ArrayBuffer|SharedArrayBuffer)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function isMutableContainer(node: ts.Expression | undefined): boolean {
  while (
    node &&
    (ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isParenthesizedExpression(node))
  ) {
    node = node.expression;
  }
  return !!node && ts.isNewExpression(node) && MUTABLE_CONSTRUCTORS.test(node.expression.getText());
}

/** `file#name` of every piece of module-level mutable state in one file. */
function moduleState(path: string, text: string): string[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement)) {
      const isConst = (statement.declarationList.flags & ts.NodeFlags.Const) !== 0;
      for (const declaration of statement.declarationList.declarations) {
        const saysConstant =
          declaration.type !== undefined && /^Readonly(Set|Map)</.test(declaration.type.getText());
        if (!isConst || (isMutableContainer(declaration.initializer) && !saysConstant)) {
          found.push(declaration.name.getText());
        }
      }
    } else if (ts.isClassDeclaration(statement)) {
      for (const member of statement.members) {
        if (!ts.isPropertyDeclaration(member)) continue;
        const modifiers = ts.getModifiers(member) ?? [];
        if (!modifiers.some((m) => m.kind === ts.SyntaxKind.StaticKeyword)) continue;
        const readonly = modifiers.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword);
        if (!readonly || isMutableContainer(member.initializer)) {
          found.push(`${statement.name?.getText() ?? 'class'}.${member.name.getText()}`);
        }
      }
    }
  }
  return found;
}

describe('module-level mutable state in core and the back end', () => {
  const found = SCANNED.flatMap((dir) =>
    sourceFiles(join(root, dir)).flatMap((path) =>
      moduleState(path, readFileSync(path, 'utf8')).map((name) => `${relative(root, path)}#${name}`),
    ),
  );

  it('is only what the allow-list explains', () => {
    expect(
      found.filter((entry) => !(entry in ALLOWED)),
      'move this state onto the object that owns it (e.g. BackendContext, cleared by close()), or list it in ALLOWED with why',
    ).toEqual([]);
  });

  it('the allow-list names nothing that is gone', () => {
    expect(Object.keys(ALLOWED).filter((entry) => !found.includes(entry))).toEqual([]);
  });

  it('recognises each kind of state it looks for', () => {
    const sample = `
      let counter = 0;
      var legacy = 1;
      const cache = new Map<string, number>();
      const seen = new Set() as Set<string>;
      const KINDS: ReadonlySet<string> = new Set(['a']);
      const side = new WeakMap();
      const buffer = new Float32Array(16);
      const NAMES = ['a', 'b'] as const;
      const LIMIT = 4;
      class Pool { static instances = 0; static readonly byId = new Map(); static readonly MAX = 8; private items = new Map(); }
      function f() { let local = 0; const m = new Map(); return [local, m]; }
    `;
    expect(moduleState('sample.ts', sample)).toEqual([
      'counter',
      'legacy',
      'cache',
      'seen',
      'side',
      'buffer',
      'Pool.instances',
      'Pool.byId',
    ]);
  });
});
