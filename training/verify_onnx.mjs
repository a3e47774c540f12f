// Runs an exported model in onnxruntime-node on the inputs PyTorch saw and prints the largest absolute difference.
// Usage: node training/verify_onnx.mjs MODEL.onnx WORKDIR   (WORKDIR holds meta.json, image.bin, logits.bin, embedding.bin)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let ort;
try {
  ort = await import('onnxruntime-node');
} catch (error) {
  process.stderr.write(`onnxruntime-node is not installed (run npm install in the repository): ${error.message}\n`);
  process.exit(3);
}

const [modelPath, work] = process.argv.slice(2);
if (!modelPath || !work) {
  process.stderr.write('usage: node verify_onnx.mjs MODEL.onnx WORKDIR\n');
  process.exit(2);
}
const meta = JSON.parse(readFileSync(join(work, 'meta.json'), 'utf8'));
const readFloats = (name) => {
  const bytes = readFileSync(join(work, name));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
};
const image = new Uint8Array(readFileSync(join(work, 'image.bin')));
const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
const outputs = await session.run({ image: new ort.Tensor('uint8', image, meta.shape) });

let maxAbsDiff = 0;
for (const name of ['logits', 'embedding']) {
  const expected = readFloats(`${name}.bin`);
  const actual = outputs[name];
  if (!actual || actual.dims.join('x') !== meta[name].join('x')) {
    process.stderr.write(`output ${name} has dims ${actual?.dims.join('x')}, PyTorch gave ${meta[name].join('x')}\n`);
    process.exit(4);
  }
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual.data[i] - expected[i]);
    if (!(diff <= maxAbsDiff)) maxAbsDiff = Number.isNaN(diff) ? Infinity : diff;
  }
}
process.stdout.write(
  `${JSON.stringify({ maxAbsDiff: Number.isFinite(maxAbsDiff) ? maxAbsDiff : 'Infinity', inputNames: session.inputNames, outputNames: session.outputNames })}\n`,
);
