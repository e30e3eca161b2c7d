import assert from "node:assert/strict";
import { test } from "node:test";
import { readTheme, type Theme } from "../../web/src/portal/theme.ts";

const plain: Theme = { primaryColor: null, logo: null, dark: false, fontFamily: null };

test("readTheme: the link's own parameters and svix-react's AppPortal props", () => {
  const cases: Array<[string, Partial<Theme>]> = [
    ["", {}],
    ["primaryColor=%23aa3300", { primaryColor: "#aa3300" }],
    ["primaryColor=aa3300", { primaryColor: "#aa3300" }],
    ["primaryColor=red;background:url(x)", {}],
    ["logo=https://cdn.example.com/l.svg", { logo: "https://cdn.example.com/l.svg" }],
    ["logo=http://cdn.example.com/l.svg", {}],
    ["logo=javascript:alert(1)", {}],
    // svix-react: `icon` is the logo, `darkMode` is true/false/auto, `fontFamily` a CSS family list.
    ["icon=https://cdn.example.com/i.png", { logo: "https://cdn.example.com/i.png" }],
    ["theme=dark", { dark: true }],
    ["darkMode=true", { dark: true }],
    ["darkMode=false", {}],
    ["darkMode=auto", { dark: "auto" }],
    ['fontFamily=Inter, "Helvetica Neue", sans-serif', { fontFamily: 'Inter, "Helvetica Neue", sans-serif' }],
    ["fontFamily=x;color:red", {}],
    ["fontFamily=x}body{color:red", {}],
  ];
  for (const [query, expected] of cases) {
    assert.deepEqual(readTheme(new URLSearchParams(query)), { ...plain, ...expected }, query);
  }
});
