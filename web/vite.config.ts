import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The built files are served by the guichet binary (web/dist); `npm run dev`
// proxies the API to a server on 127.0.0.1:8080.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", assetsDir: "assets", sourcemap: false, chunkSizeWarningLimit: 1500 },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
});
