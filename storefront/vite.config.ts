import { defineConfig } from "vite";

// The API the dev server forwards to (make storefront-dev starts it on :5000).
const api = process.env.DUKA_API ?? "http://127.0.0.1:5000";

export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { target: "es2022", assetsInlineLimit: 0 },
  server: {
    port: 3000,
    strictPort: true,
    proxy: { "/api": api, "/media": api, "/sandbox": api },
  },
});
