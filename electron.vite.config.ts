import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';

// onnxruntime-node and sharp are native: they stay external (and unpacked from asar when packaged).
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          // The utility process that hosts ONNX sessions (see src/main/utility-transport.ts).
          'inference-utility': resolve(__dirname, 'src/main/inference-utility.ts'),
          // DICOM decoding runs in worker threads (src/core/image/dicom-pool.ts), started beside index.js.
          'dicom-worker': resolve(__dirname, 'src/core/image/dicom-worker.ts'),
          // Large images are encrypted in worker threads (src/core/crypto/cipher-pool.ts).
          'cipher-worker': resolve(__dirname, 'src/core/crypto/cipher-worker.ts'),
          // Embedding-map layouts (PCA, UMAP) run in a worker thread (src/core/retrieval/projection-pool.ts).
          'projection-worker': resolve(__dirname, 'src/core/retrieval/projection-worker.ts'),
          // The Security view's attack demonstration runs in a worker thread (src/core/attacks/demo-pool.ts).
          'attack-demo-worker': resolve(__dirname, 'src/core/attacks/attack-demo-worker.ts'),
        },
      },
    },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: {
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
  },
});
