/** The guest image the build bundles as bytes (web/build.ts: the `binary` loader for .elf). */
declare module '*.elf' {
  const bytes: Uint8Array;
  export default bytes;
}
