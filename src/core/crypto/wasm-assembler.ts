/**
 * A tiny assembler for the subset of the WebAssembly text format the kernels use, so that the kernel source
 * stays readable text in this repository without a build-time toolchain (wabt, clang) or a committed binary.
 *
 * Supported: `(module (memory (export "name") pages) (func (export "name") (param $p i32)… (local $l i32)… body))`
 * with folded instructions — `(op operands…)`, `(block $l …)`, `(loop $l …)`, `(br $l)`, `(br_if $l cond)` — and
 * the opcodes in OPCODES below. All params and locals are i32; functions return nothing.
 */

type Expr = string | Expr[];

const SIMPLE: Record<string, number[]> = {
  'i32.add': [0x6a],
  'i32.sub': [0x6b],
  'i32.mul': [0x6c],
  'i32.and': [0x71],
  'i32.or': [0x72],
  'i32.xor': [0x73],
  'i32.shl': [0x74],
  'i32.shr_u': [0x76],
  'i32.eqz': [0x45],
  'i32.lt_u': [0x49],
  'i32.gt_u': [0x4b],
  'i32.le_u': [0x4d],
  'i32.ge_u': [0x4f],
  'v128.xor': [0xfd, 0x51],
};

/** Memory instructions: opcode bytes and the natural alignment (log2) written in the memarg. */
const MEMORY: Record<string, { code: number[]; align: number }> = {
  'i32.load': { code: [0x28], align: 2 },
  'i32.load8_u': { code: [0x2d], align: 0 },
  'i32.load16_u': { code: [0x2f], align: 1 },
  'i32.store': { code: [0x36], align: 2 },
  'i32.store8': { code: [0x3a], align: 0 },
  'v128.load': { code: [0xfd, 0x00], align: 4 },
  'v128.store': { code: [0xfd, 0x0b], align: 4 },
};

const I32 = 0x7f;

function tokenize(source: string): string[] {
  const withoutComments = source.replace(/;;[^\n]*/g, ' ');
  return withoutComments.match(/\(|\)|"[^"]*"|[^\s()]+/g) ?? [];
}

function parse(tokens: string[]): Expr {
  let position = 0;
  const read = (): Expr => {
    const token = tokens[position++];
    if (token === undefined) throw new Error('wasm assembler: unexpected end of text');
    if (token === ')') throw new Error('wasm assembler: unexpected )');
    if (token !== '(') return token;
    const list: Expr[] = [];
    while (tokens[position] !== ')') {
      if (position >= tokens.length) throw new Error('wasm assembler: missing )');
      list.push(read());
    }
    position++;
    return list;
  };
  const tree = read();
  if (position !== tokens.length) throw new Error('wasm assembler: text after the module');
  return tree;
}

const unsignedLeb = (value: number): number[] => {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
  return bytes;
};

const signedLeb = (value: number): number[] => {
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
};

const utf8Name = (quoted: string): number[] => {
  const bytes = [...Buffer.from(quoted.slice(1, -1), 'utf8')];
  return [...unsignedLeb(bytes.length), ...bytes];
};

const vector = (items: number[][]): number[] => [...unsignedLeb(items.length), ...items.flat()];
const section = (id: number, content: number[]): number[] => [id, ...unsignedLeb(content.length), ...content];

const head = (expr: Expr): string => (Array.isArray(expr) && typeof expr[0] === 'string' ? expr[0] : '');
const exportName = (items: Expr[]): string | null => {
  const found = items.find((item) => head(item) === 'export');
  return Array.isArray(found) && typeof found[1] === 'string' ? found[1] : null;
};

function assembleFunction(items: Expr[]): { params: number; body: number[] } {
  const locals = new Map<string, number>();
  let params = 0;
  let extraLocals = 0;
  const instructions: Expr[] = [];
  for (const item of items.slice(1)) {
    const kind = head(item);
    if (kind === 'export') continue;
    if ((kind === 'param' || kind === 'local') && Array.isArray(item)) {
      const [, name, type] = item;
      if (typeof name !== 'string' || type !== 'i32')
        throw new Error(`wasm assembler: only named i32 ${kind}s`);
      locals.set(name, locals.size);
      if (kind === 'param') params++;
      else extraLocals++;
      continue;
    }
    instructions.push(item);
  }

  const labels: string[] = [];
  const out: number[] = [];
  const localIndex = (name: Expr): number => {
    const index = typeof name === 'string' ? locals.get(name) : undefined;
    if (index === undefined) throw new Error(`wasm assembler: unknown local ${String(name)}`);
    return index;
  };
  const labelDepth = (name: Expr): number => {
    const index = typeof name === 'string' ? labels.lastIndexOf(name) : -1;
    if (index < 0) throw new Error(`wasm assembler: unknown label ${String(name)}`);
    return labels.length - 1 - index;
  };
  const emit = (expr: Expr): void => {
    if (!Array.isArray(expr) || typeof expr[0] !== 'string')
      throw new Error(`wasm assembler: bad instruction ${String(expr)}`);
    const [op, ...args] = expr as [string, ...Expr[]];
    if (op === 'block' || op === 'loop') {
      const [label, ...body] = args;
      if (typeof label !== 'string') throw new Error(`wasm assembler: ${op} needs a label`);
      out.push(op === 'block' ? 0x02 : 0x03, 0x40);
      labels.push(label);
      body.forEach(emit);
      labels.pop();
      out.push(0x0b);
    } else if (op === 'br' || op === 'br_if') {
      const [label, ...operands] = args;
      operands.forEach(emit);
      out.push(op === 'br' ? 0x0c : 0x0d, ...unsignedLeb(labelDepth(label!)));
    } else if (op === 'local.get' || op === 'local.set') {
      const [name, ...operands] = args;
      operands.forEach(emit);
      out.push(op === 'local.get' ? 0x20 : 0x21, ...unsignedLeb(localIndex(name!)));
    } else if (op === 'i32.const') {
      out.push(0x41, ...signedLeb(Number(args[0])));
    } else if (op in MEMORY) {
      const { code, align } = MEMORY[op]!;
      let offset = 0;
      const operands = args.filter((arg) => {
        if (typeof arg === 'string' && arg.startsWith('offset=')) {
          offset = Number(arg.slice('offset='.length));
          return false;
        }
        return true;
      });
      operands.forEach(emit);
      out.push(...code, ...unsignedLeb(align), ...unsignedLeb(offset));
    } else if (op in SIMPLE) {
      args.forEach(emit);
      out.push(...SIMPLE[op]!);
    } else {
      throw new Error(`wasm assembler: unsupported instruction ${op}`);
    }
  };
  instructions.forEach(emit);
  const localDeclarations = extraLocals > 0 ? vector([[...unsignedLeb(extraLocals), I32]]) : vector([]);
  const body = [...localDeclarations, ...out, 0x0b];
  return { params, body: [...unsignedLeb(body.length), ...body] };
}

/** Assembles module text into WebAssembly binary. Throws on anything outside the supported subset. */
export function assembleWat(text: string): Uint8Array<ArrayBuffer> {
  const tree = parse(tokenize(text));
  if (!Array.isArray(tree) || tree[0] !== 'module') throw new Error('wasm assembler: expected (module …)');
  const types: number[][] = [];
  const functionTypes: number[][] = [];
  const codes: number[][] = [];
  const exports: number[][] = [];
  const memories: number[][] = [];
  for (const item of tree.slice(1)) {
    if (!Array.isArray(item)) throw new Error('wasm assembler: bad module field');
    const name = exportName(item);
    if (head(item) === 'memory') {
      const pages = Number(item[item.length - 1]);
      if (name) exports.push([...utf8Name(name), 0x02, ...unsignedLeb(memories.length)]);
      memories.push([0x00, ...unsignedLeb(pages)]);
    } else if (head(item) === 'func') {
      const { params, body } = assembleFunction(item);
      const signature = [0x60, ...vector(new Array<number[]>(params).fill([I32])), ...vector([])];
      let typeIndex = types.findIndex(
        (t) => t.length === signature.length && t.every((v, i) => v === signature[i]),
      );
      if (typeIndex < 0) typeIndex = types.push(signature) - 1;
      if (name) exports.push([...utf8Name(name), 0x00, ...unsignedLeb(codes.length)]);
      functionTypes.push(unsignedLeb(typeIndex));
      codes.push(body);
    } else {
      throw new Error(`wasm assembler: unsupported module field ${head(item)}`);
    }
  }
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector(types)),
    ...section(3, vector(functionTypes)),
    ...(memories.length > 0 ? section(5, vector(memories)) : []),
    ...section(7, vector(exports)),
    ...section(10, vector(codes)),
  ]);
}
