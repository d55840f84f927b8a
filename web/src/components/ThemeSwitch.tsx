import { useState } from 'preact/hooks';

/** The colour scheme: the system's (default), or light or dark as chosen here; remembered in this browser. */
type Theme = 'system' | 'light' | 'dark';
const KEY = 'footfall-theme';
const NEXT: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };
const LABEL: Record<Theme, string> = { system: 'Theme: as the system', light: 'Theme: light', dark: 'Theme: dark' };
const ICON: Record<Theme, string> = { system: '◐', light: '☀', dark: '☾' };

function stored(): Theme {
  try {
    const t = localStorage.getItem(KEY);
    return t === 'light' || t === 'dark' ? t : 'system';
  } catch {
    return 'system';
  }
}

/** Applies the remembered choice (called before the first render, so the page never flashes the other scheme). */
export function applyTheme(t: Theme = stored()): void {
  if (t === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
}

export function ThemeSwitch() {
  const [theme, setTheme] = useState<Theme>(stored);
  return (
    <button
      class="theme"
      title={`${LABEL[theme]} (click for ${LABEL[NEXT[theme]].toLowerCase().replace('theme: ', '')})`}
      aria-label={LABEL[theme]}
      data-theme-choice={theme}
      onClick={() => {
        const next = NEXT[theme];
        try {
          if (next === 'system') localStorage.removeItem(KEY);
          else localStorage.setItem(KEY, next);
        } catch {
          // private mode: the choice lasts for this page only
        }
        applyTheme(next);
        setTheme(next);
      }}
    >
      {ICON[theme]}
    </button>
  );
}
