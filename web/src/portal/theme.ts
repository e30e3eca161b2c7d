/** Per-link theming read from the portal URL: `primaryColor`, `logo` (https), `theme=dark` or `darkMode=true`. */
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
