// Stands in for Node's built-in modules ('fs', 'path', 'os', 'perf_hooks') that the tfjs ESM bundles
// import for their Node code paths, which never run in a browser (see the import map in index.html).
export default {};
