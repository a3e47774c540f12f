/**
 * The one registry of model architectures (training/models.py builds them; training/registry.json carries this
 * table to Python, `npm run registry`). Every architecture keeps the same ONNX contract: input [B, 1, N, N]
 * float in 0–1, outputs logits [B, classes] and an embedding [B, EMBEDDING_DIM].
 */
export const EMBEDDING_DIM = 512;

export interface ArchitectureEntry {
  /** Short name for model names ("MedNIST bit-plane (transformed for 49a1…)") and tables. */
  readonly label: string;
  /** Width of the embedding output (retrieval, OOD centroids). */
  readonly embeddingDim: number;
  /** A plain model of it can be transformed for any key (the bit-plane key transform, docs/keys-and-models.md). */
  readonly transformable: boolean;
  /** Fully connected on the pixels (takes --hidden and --input-dropout in training). */
  readonly fullyConnected: boolean;
  /** Part of the ablation study grid. */
  readonly study: boolean;
}

export const ARCHITECTURE_REGISTRY = {
  dcnn: { label: 'DCNN', embeddingDim: EMBEDDING_DIM, transformable: false, fullyConnected: false, study: true },
  resnet: { label: 'ResNet', embeddingDim: EMBEDDING_DIM, transformable: false, fullyConnected: false, study: true },
  mlp: { label: 'MLP', embeddingDim: EMBEDDING_DIM, transformable: false, fullyConnected: true, study: true },
  'bitplane-mlp': {
    label: 'bit-plane',
    embeddingDim: EMBEDDING_DIM,
    transformable: true,
    fullyConnected: true,
    study: true,
  },
} as const satisfies Record<string, ArchitectureEntry>;

export type Architecture = keyof typeof ARCHITECTURE_REGISTRY;
export const ARCHITECTURES = Object.keys(ARCHITECTURE_REGISTRY) as [Architecture, ...Architecture[]];
/** Architectures whose plain models are transformable. */
export const TRANSFORMABLE_ARCHITECTURES = ARCHITECTURES.filter((a) => ARCHITECTURE_REGISTRY[a].transformable);

/** The paper's network: preferred when several models would do (model-catalog.ts modelPreference). */
export const DEFAULT_ARCHITECTURE = 'dcnn' satisfies Architecture;

export const architectureEntry = (a: Architecture): ArchitectureEntry => ARCHITECTURE_REGISTRY[a];
