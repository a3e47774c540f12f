import { el } from '../../components/dom.js';
import { panel } from '../../components/panel.js';

interface Point {
  title: string;
  text: string;
}

// Plain-language summary of docs/REFERENCES: what a person may rely on, and what not.
const HIDES: Point[] = [
  {
    title: 'What the image shows',
    text: 'Pixels are scrambled by the Arnold cat map and XORed with a keystream: without the key, a stored image looks like noise to a person and to ordinary image viewers.',
  },
  {
    title: 'Pixel statistics of one image',
    text: 'The cipher histogram is near flat and neighbouring pixels are uncorrelated, so a single cipher image gives little away on inspection (ciphertext-only).',
  },
  {
    title: 'The key itself',
    text: 'The 256-bit key never leaves the back end; the app shows only its fingerprint, and exports it only wrapped with your passphrase.',
  },
];

const DOES_NOT_HIDE: Point[] = [
  {
    title: 'A fixed keystream is a two-time pad',
    text: 'Every image is XORed with the same keystream. XOR of two cipher images equals XOR of the two permuted plain images; one known plain/cipher pair reveals the keystream, and an all-black image encrypts to the keystream itself.',
  },
  {
    title: 'The permutation falls to a few chosen images',
    text: 'A permutation-only cipher is broken by a handful of known or chosen plaintexts (about log_256 of the pixel count, Li et al. 2008). Removing the XOR leaves only the permutation.',
  },
  {
    title: 'The cat map has short periods',
    text: 'The classic Arnold map repeats after 24 iterations at 28×28, 48 at 64×64 and 192 at 256×256: the iteration count alone is only a few bits of key.',
  },
  {
    title: 'A transformed model is key material',
    text: 'A model transformed for your key (from a public plain bit-plane model) holds your key’s permutation and keystream bits in its first-layer weights: compared with the public plain model, it reveals them. CipherLens keeps it in memory only and never writes it to disk; never export or share it. A model trained for your key on cipher images leaks less directly but was still shaped by the key.',
  },
  {
    title: 'Not IND-CPA secure; learned attacks exist',
    text: 'One changed pixel changes one cipher pixel (NPCR ≈ 1/N², far below the Wu threshold), so the scheme fails plaintext sensitivity; trained inversion networks (GAN attacks) defeat many learnable-encryption schemes.',
  },
];

function points(items: readonly Point[]): HTMLElement {
  return el(
    'ul',
    { class: 'threat-list' },
    ...items.map((p) => el('li', {}, el('strong', { text: `${p.title}. ` }), p.text)),
  );
}

/** The honest statement the product owes its users: a privacy filter, not strong encryption. */
export function threatModelPanel(): HTMLElement {
  return panel(
    'Threat model: what this protects, and what it does not',
    [
      el(
        'div',
        { class: 'columns' },
        el('div', { class: 'threat-good' }, el('h4', { text: 'It hides' }), points(HIDES)),
        el(
          'div',
          { class: 'threat-bad' },
          el('h4', { text: 'It does not protect against' }),
          points(DOES_NOT_HIDE),
        ),
      ),
      el('p', {
        class: 'inline-note',
        text: 'Use it to keep images from casual viewing and ciphertext-only inspection while a model works on them. Do not rely on it against an attacker who can see or choose some plain images, or who holds many cipher images of the same key.',
      }),
    ],
    { testId: 'threat-model' },
  );
}
