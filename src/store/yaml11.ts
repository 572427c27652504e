// YAML 1.1 exactly as Guild 0.9 reads and writes attr files: PyYAML `safe_load` / `safe_dump`
// plus the two patches `guild/yaml_util.py` applies (floats without a dot such as `1e-05`;
// strict quoting of single-char `y/Y/n/N` when writing).
// Hand-written rather than built on the `yaml` package: attrs need PyYAML's exact emitter bytes
// (quoting, folding at column 80, key sorting) and 1.1 resolution, which no JS library reproduces.
export { YamlError, isMarkedFloat, markFloat, pyFloatRepr } from './yaml11-resolve.js';
export { parseYaml11 } from './yaml11-read.js';
export { encodeYaml } from './yaml11-emit.js';
