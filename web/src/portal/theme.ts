/**
 * Portal theming: `primaryColor`, `logo` (https), `theme=dark` or `darkMode=true`, from the portal link (query or
 * fragment) or, where the link says nothing, from the application's metadata under `portal.<name>`.
 */
export interface Theme {
  primaryColor: string | null;
  logo: string | null;
  dark: boolean;
}

export function readTheme(params: URLSearchParams): Theme {
  const color = params.get("primaryColor") ?? params.get("primary");
  const logo = params.get("logo");
  let logoUrl: string | null = null;
  try {
    if (logo && new URL(logo).protocol === "https:") logoUrl = logo;
  } catch {
    logoUrl = null;
  }
  return {
    // Only plain colours reach the stylesheet.
    primaryColor:
      color && /^#?[0-9a-fA-F]{3,8}$/.test(color) ? (color.startsWith("#") ? color : `#${color}`) : null,
    logo: logoUrl,
    dark: params.get("theme") === "dark" || params.get("darkMode") === "true",
  };
}

export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme.primaryColor) root.style.setProperty("--primary", theme.primaryColor);
  root.dataset.theme = theme.dark ? "dark" : "light";
}

/** The link's parameters over the application's `portal.*` metadata. */
export function themeParams(link: URLSearchParams, metadata: Record<string, string>): URLSearchParams {
  const merged = new URLSearchParams();
  for (const name of ["primaryColor", "logo", "theme"]) {
    const value = metadata[`portal.${name}`];
    if (value) merged.set(name, value);
  }
  for (const [name, value] of link) merged.set(name, value);
  return merged;
}
