/**
 * Portal theming: `primaryColor`, `logo` (https), `theme=dark` or `darkMode=true`, from the portal link (query or
 * fragment) or, where the link says nothing, from the application's metadata under `portal.<name>`. svix-react's
 * `<AppPortal>` adds its props to the link's query string: `primaryColor`, `darkMode` (`true` or `auto`), `icon`
 * (taken as the logo) and `fontFamily`.
 */
export interface Theme {
  primaryColor: string | null;
  logo: string | null;
  /** `auto` follows the visitor's colour-scheme preference. */
  dark: boolean | "auto";
  fontFamily: string | null;
}

/** Font family lists only (`Inter, "Helvetica Neue", sans-serif`): nothing else reaches the stylesheet. */
const FONT_FAMILY = /^[\w\s,"'-]{1,200}$/;

export function readTheme(params: URLSearchParams): Theme {
  const color = params.get("primaryColor") ?? params.get("primary");
  const logo = params.get("logo") ?? params.get("icon");
  const font = params.get("fontFamily");
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
    dark:
      params.get("theme") === "dark" || params.get("darkMode") === "true"
        ? true
        : params.get("darkMode") === "auto"
          ? "auto"
          : false,
    fontFamily: font && FONT_FAMILY.test(font) ? font : null,
  };
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
