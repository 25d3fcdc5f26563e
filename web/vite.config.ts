import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The generated client (clients/typescript) is imported as @kairos/client from its source:
// no build step of its own, and the bundler keeps only the operations the app calls.
const client = fileURLToPath(new URL("../clients/typescript/src/index.ts", import.meta.url));
// `npm run dev` (http://localhost:5173, an origin the local gateway allows) sends the API
// the local sign-in and the runtime configuration to the gateway of `make up`.
const gateway = process.env.KAIROS_GATEWAY_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { "@kairos/client": client } },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, target: "es2022" },
  server: {
    port: 5173,
    strictPort: true,
    proxy: { "/api": gateway, "/local": gateway, "/config.json": gateway },
  },
});
