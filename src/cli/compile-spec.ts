/**
 * `compileDir` for a command of the CLI: the spec read (the load stage), the process's heap fitted to its
 * size (heap.ts `fitHeapGrowth`), then the pure stages. What validate, build, verify and drift compile with.
 */
import { compileLoaded, loadForCompile, type CompileDirOptions, type CompileDirResult } from '../pipeline.ts';
import { fitHeapGrowth } from './heap.ts';

export async function compileSpecDir(
  dir: string,
  options: CompileDirOptions = {},
): Promise<CompileDirResult> {
  const input = await loadForCompile(dir, options);
  fitHeapGrowth(input.loaded.files);
  return compileLoaded(input, options);
}
