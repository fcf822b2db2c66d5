// Svelte compiler options for vite-plugin-svelte (the defaults: runes mode follows the components).
export default {};
