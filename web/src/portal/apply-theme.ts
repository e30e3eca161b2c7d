import type { Theme } from "./theme.ts";

/** The DOM half of theming (theme.ts stays free of the DOM, so Node unit tests can read it). */
export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme.primaryColor) root.style.setProperty("--primary", theme.primaryColor);
  // Set through the CSS object model, which the page's CSP (no inline styles) allows.
  if (theme.fontFamily) root.style.setProperty("font-family", theme.fontFamily);
  const dark = theme.dark === "auto" ? window.matchMedia("(prefers-color-scheme: dark)").matches : theme.dark;
  root.dataset.theme = dark ? "dark" : "light";
}
