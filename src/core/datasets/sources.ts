/**
 * Canonical distributions of the built-in datasets: where to download them, the checksums we accept,
 * and the class counts every reader checks against.
 */
export interface KnownFile {
  /** File name inside the data directory (may include a sub-folder). */
  path: string;
  url: string;
  bytes?: number;
  /** Any one matching checksum accepts the file. */
  sha256?: readonly string[];
  md5?: readonly string[];
}

const MNIST_MIRROR = 'https://ossci-datasets.s3.amazonaws.com/mnist';

export const MNIST_FILES = {
  trainImages: {
    path: 'mnist/train-images-idx3-ubyte.gz',
    url: `${MNIST_MIRROR}/train-images-idx3-ubyte.gz`,
    bytes: 9912422,
    sha256: ['440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609'],
    md5: ['f68b3c2dcbeaaa9fbdd348bbdeb94873'],
  },
  trainLabels: {
    path: 'mnist/train-labels-idx1-ubyte.gz',
    url: `${MNIST_MIRROR}/train-labels-idx1-ubyte.gz`,
    bytes: 28881,
    sha256: ['3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c'],
    md5: ['d53e105ee54ea40749a09fcbcd1e9432'],
  },
  testImages: {
    path: 'mnist/t10k-images-idx3-ubyte.gz',
    url: `${MNIST_MIRROR}/t10k-images-idx3-ubyte.gz`,
    bytes: 1648877,
    sha256: ['8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6'],
    md5: ['9fb629c4189551a2d022fa330f9573f3'],
  },
  testLabels: {
    path: 'mnist/t10k-labels-idx1-ubyte.gz',
    url: `${MNIST_MIRROR}/t10k-labels-idx1-ubyte.gz`,
    bytes: 4542,
    sha256: ['f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6'],
    md5: ['ec29112dd5afa0611ce80d1b7f02629c'],
  },
} as const satisfies Record<string, KnownFile>;

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
export const MNIST_IMAGE_SIZE = 28;
export const MNIST_EXPECTED_COUNTS = {
  train: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
  test: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
} as const;
/** Validation images carved (stratified) out of MNIST's 60,000 training images. */
export const MNIST_VALIDATION_COUNT = 5000;

export const MEDNIST_FILE = {
  path: 'MedNIST.tar.gz',
  url: 'https://github.com/Project-MONAI/MONAI-extra-test-data/releases/download/0.8.1/MedNIST.tar.gz',
  // MONAI's original archive, and the byte-identical-content rebuild shipped in this project's shared/data.
  md5: ['0bc7306e7427e00ad1c5526a6677552d', 'd29ebc449cf2f77d9d69362f91f19962'],
  sha256: ['e5c1c2f89daaebce48de0e0da373264e13406b90c91efcd0324d76292aca331d'],
} as const satisfies KnownFile;

/** Class folder names in label order (byte-order sort, as MONAI and Python's sorted() give). */
export const MEDNIST_CLASSES = ['AbdomenCT', 'BreastMRI', 'CXR', 'ChestCT', 'Hand', 'HeadCT'] as const;
export const MEDNIST_EXPECTED_COUNTS = [10000, 8954, 10000, 10000, 10000, 10000] as const;
export const MEDNIST_IMAGE_SIZE = 64;
export const MEDNIST_FRACTIONS = { val: 0.1, test: 0.1 } as const;
