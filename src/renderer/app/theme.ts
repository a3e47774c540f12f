export type ThemeChoice = 'system' | 'light' | 'dark';

const STORAGE_KEY = 'cipherlens.theme';

function resolve(choice: ThemeChoice): 'light' | 'dark' {
  if (choice !== 'system') return choice;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function storedTheme(): ThemeChoice {
  const value = localStorage.getItem(STORAGE_KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

export function setTheme(choice: ThemeChoice): void {
  localStorage.setItem(STORAGE_KEY, choice);
  document.documentElement.dataset['theme'] = resolve(choice);
}

/** Reading rooms are dark and offices bright: follow the system unless the person chose. */
export function applyStoredTheme(): void {
  setTheme(storedTheme());
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => setTheme(storedTheme()));
}
