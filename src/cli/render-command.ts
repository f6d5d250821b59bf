/**
 * `meshc render`: compile the spec and write the tree (src/write/write-tree.ts), or confirm it through the
 * render cache (src/load/render-cache.ts) without compiling. The compiler's modules are imported only when
 * a compile is needed.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { hasErrors, InternalError } from '../core/diagnostic.ts';
import type { Diagnostic } from '../core/diagnostic.ts';
import { fileStart } from '../core/location.ts';
import { hasText, type KnownFile, type OutputFile, type TreeFile } from '../core/output.ts';
import { shardOfPath } from '../gitops/layout.ts';
import type { TreeEntry } from '../gitops/types.ts';
import { unifiedDiff } from '../diff/line-diff.ts';
import { PROJECT_FILE } from '../load/constants.ts';
import {
  readPreviousRender,
  readRenderCache,
  shardContext,
  renderCacheDir,
  renderCacheFile,
  renderCacheKey,
  toolFingerprint,
} from '../load/render-cache.ts';
import { parseCacheFile, readParseCache } from '../load/parse-cache.ts';
import { parseCacheKey } from '../parse/parse.ts';
import { locate } from '../parse/locate.ts';
import type { CompileDirResult } from '../pipeline.ts';
import type { ShardRecord } from '../plan/shards.ts';
import { loadForCompile } from '../place.ts';
import type { LoadedForCompile } from '../place.ts';
import type { SourceFile } from '../parse/source.ts';
import { checkOutputDir, outputReadAsSpec } from '../write/output-dir.ts';
import { removedServicesLine } from '../write/removals.ts';
import { saveParseCache } from '../write/parse-cache.ts';
import { BlobHashes, manifestFileFor } from '../write/manifest.ts';
import { renderCacheEntry, resolvedDiagnostic, saveRenderCache } from '../write/render-cache.ts';
import { treeMatches } from '../write/tree-state.ts';
import type { StaleFile } from '../write/write-tree.ts';
import { writeTree } from '../write/write-tree.ts';
import type { ParsedArgs } from './args.ts';
import { collectReleased, fitHeapGrowth, isLargeSpec } from './heap.ts';
import type { DiagnosticFormat } from './format/index.ts';
import type { CliIo } from './io.ts';
import { EXIT, UsageError } from './io.ts';
import { applyReportFlags, reportFlags, resolveSpecTarget } from './project.ts';
import { report } from './report.ts';

/** Refuses an output directory that would lose data (see write/output-dir.ts). */
async function outputDirProblem(
  r: { compiled: CompileDirResult },
  root: string,
  explicit: boolean,
): Promise<Diagnostic | undefined> {
  const problem = await checkOutputDir(r.compiled.outputDir, {
    specRoot: root,
    specFiles: r.compiled.sources.map((s) => s.path),
    globs: r.compiled.projectGlobs,
    ...(r.compiled.gitRoot !== undefined ? { gitRoot: r.compiled.gitRoot } : {}),
    explicit,
  });
  if (!problem) return undefined;
  if (explicit) throw new UsageError(`-o: ${problem.message}`);
  const projectDoc = r.compiled.parsed.find((f) => f.source.path === PROJECT_FILE)?.docs[0];
  return {
    code: problem.code,
    severity: 'error',
    message: problem.message,
    hint: 'Set `output` to a directory of its own inside the repository, such as `rendered`.',
    ...(projectDoc ? { location: locate(projectDoc, ['spec', 'output']) } : {}),
  };
}

/** Lines of each stale file's diff shown by `render --check --format text`, and how many files. */
const CHECK_DIFF_FILES = 3;
const CHECK_DIFF_LINES = 20;

async function staleDiffs(
  outDir: string,
  stale: readonly StaleFile[],
  files: readonly OutputFile[],
): Promise<string> {
  const wanted = new Map(files.map((f) => [f.path, f.content]));
  const out: string[] = [];
  for (const s of stale.filter((x) => x.reason === 'changed').slice(0, CHECK_DIFF_FILES)) {
    let current: string;
    try {
      const abs = path.join(outDir, ...s.path.split('/'));
      if ((await stat(abs)).size > 1024 * 1024) continue;
      current = await readFile(abs, 'utf8');
    } catch {
      continue;
    }
    const diff = unifiedDiff(current, wanted.get(s.path) ?? '')
      .split('\n')
      .filter((l) => l !== '');
    const shown = diff.slice(0, CHECK_DIFF_LINES);
    out.push(`--- ${s.path} (on disk)`, `+++ ${s.path} (fresh render)`, ...shown);
    if (diff.length > shown.length) out.push(`... ${diff.length - shown.length} more lines`);
  }
  const more = stale.filter((x) => x.reason === 'changed').length - CHECK_DIFF_FILES;
  if (more > 0) out.push(`... and ${more} more changed files`);
  return out.length ? `${out.join('\n')}\n` : '';
}

export async function runRender(args: ParsedArgs, io: CliIo): Promise<number> {
  const target = await resolveSpecTarget(args.positionals[0], io.cwd);
  const root = target.root;
  const format = (args.values.format as DiagnosticFormat | undefined) ?? 'text';
  const flags = reportFlags(args.values);
  const explicitOut = args.values.output as string | undefined;
  const check = !!args.values.check;
  const input = await loadForCompile(
    root,
    explicitOut !== undefined ? { outputDir: path.resolve(io.cwd, explicitOut) } : {},
  );
  const shownOut = path.relative(io.cwd, input.place.outputDir) || '.';

  // The render cache: the same meshc, spec files and output place as the last successful render, and the
  // tree on disk still exactly what it wrote, is that render again: confirmed without compiling.
  const cacheDir = args.values['no-cache'] ? undefined : renderCacheDir(io.env);
  const cache =
    cacheDir !== undefined && !hasErrors(input.loaded.diagnostics)
      ? {
          file: renderCacheFile(cacheDir, input.place.outputDir),
          key: renderCacheKey({
            sources: input.loaded.files,
            outputDir: input.place.outputDir,
            ...(input.place.outputRepoPath !== undefined
              ? { outputRepoPath: input.place.outputRepoPath }
              : {}),
          }),
        }
      : undefined;
  // The writer's manifest (what it wrote, with each file's lstat): files it vouches for are not read back.
  const manifestFile = cacheDir !== undefined ? manifestFileFor(cacheDir, input.place.outputDir) : undefined;
  const hit = cache ? readRenderCache(cache.file, cache.key) : undefined;
  if (hit && !(await outputDirProblem(cachedCompile(input), root, explicitOut !== undefined))) {
    if (treeMatches(input.place.outputDir, hit, manifestFile)) {
      const shown = applyReportFlags(hit.diagnostics, flags);
      report(shown, sourcesOf(input), root, format, io, io.stdout);
      if (hasErrors(shown)) return EXIT.invalid;
      if (format === 'text' && !flags.quiet)
        io.stdout.write(
          check
            ? `${shownOut}: up to date (${hit.files.length} files)\n`
            : `${shownOut}: 0 written, ${hit.files.length} unchanged, 0 removed (${hit.files.length} files for ${hit.environments.join(', ') || 'no environment'})\n`,
        );
      return EXIT.ok;
    }
  }

  // A miss: the compiler's modules are loaded now, not for a render the cache confirms. Files whose text
  // the parse cache knows are not parsed again (most of a one-file change).
  const { compileLoaded, renderEntriesReleasing } = await import('../pipeline.ts');
  // A large spec bounds the heap's growth for its compile (heap.ts).
  fitHeapGrowth(input.loaded.files);
  // Below that size, what only the next render needs (the parse cache, the shard keys) is made while the
  // writer waits (WriteOptions.idle), holding the parsed spec and the model until then; a large spec makes it
  // at once and lets them go before the files' text is made.
  const defer = !isLargeSpec(input.loaded.files);
  const parseCache = cacheDir !== undefined ? parseCacheFile(cacheDir, root) : undefined;
  let known = parseCache ? readParseCache(parseCache, toolFingerprint(), input.loaded.files) : new Map();
  // Namespace shards (plan/shards.ts): the previous render of this output, by the same meshc, recorded each
  // namespace's key; a namespace whose key is unchanged is taken from its files instead of compiled. Not for
  // `--check`, which shows the text of what differs.
  const context = cache
    ? shardContext({
        outputDir: input.place.outputDir,
        ...(input.place.outputRepoPath !== undefined ? { outputRepoPath: input.place.outputRepoPath } : {}),
      })
    : undefined;
  const previous = cache && !check ? readPreviousRender(cache.file) : undefined;
  const previousShards = previous?.shards?.context === context ? previous?.shards?.record : undefined;
  const compileNow = (withPrevious: boolean) =>
    compileLoaded(input, {
      // Only the parsed files: the other members of a CompileCache serve compiles that share them (the sides
      // of `meshc diff`); held by one compile they would only outlive their stage (at 40,000 services x 4
      // environments, ~0.4 GiB of memos kept to the end of the compile).
      cache: { parsed: new Map(known) },
      // Laid out as objects: the files' text is made below, once the rest of the compile is let go.
      until: 'layout',
      // A check records nothing for the next render (it writes nothing): no keys.
      ...(cache && !check
        ? { shards: withPrevious && previousShards ? { previous: previousShards } : {} }
        : {}),
    });
  let compiled: CompileDirResult | undefined = compileNow(true);
  // Saved when more than a little of the spec was parsed afresh: rewriting the whole cache for the one file
  // a change touched costs more than parsing that file again next time (its old entry is simply not used).
  let afresh = 0;
  let total = 0;
  for (const f of compiled.parsed) {
    total += f.source.text.length;
    if (known.get(parseCacheKey(f.source))?.file !== f) afresh += f.source.text.length;
  }
  let saveParsed: (() => void) | undefined;
  const saveParsedNow = () => {
    saveParsed?.();
    saveParsed = undefined;
  };
  if (parseCache && afresh > total / PARSED_AFRESH_FRACTION) {
    const { parsed, checkedFiles } = compiled;
    saveParsed = () => saveParseCache(parseCache, toolFingerprint(), parsed, checkedFiles);
    if (!defer) saveParsedNow();
  }
  known = new Map();
  // The output directory is checked even when the spec has errors: an output that swallows the spec files
  // also hides them from the globs, and the user must see that cause, not only "no file matches".
  const refused = await outputDirProblem({ compiled }, root, explicitOut !== undefined);
  if (
    refused ||
    hasErrors(applyReportFlags(compiled.allDiagnostics, flags)) ||
    !compiled.layout ||
    !compiled.model
  ) {
    saveParsedNow();
    report(
      applyReportFlags([...compiled.allDiagnostics, ...(refused ? [refused] : [])], flags),
      compiled,
      root,
      format,
      io,
      io.stdout,
    );
    return EXIT.invalid;
  }
  // What the write and the report need of the compile: the layout's entries, not its per-overlay builds.
  // The rest (parsed spec, model, backend output) is let go before the files' text is made, and each entry
  // as its text is made (renderEntriesReleasing), so that a large fleet's peak memory is the compile's, not
  // the compile's plus the text's plus the write's. Locations are read now: a lazy one would keep its parsed
  // file alive.
  const outDir = compiled.outputDir;
  const environments = compiled.plans.map((p) => p.env.name);
  // The shard record: kept to be made later (`defer`), or made now, so that the compile can be let go.
  const recordOf = (record: () => ShardRecord): (() => ShardRecord) => {
    if (defer) return record;
    const made = record();
    return () => made;
  };
  // What the write needs of a compile (`compiled` is let go after): its findings, its layout's entries, its
  // shard record, and the files of the namespaces it took from the previous render (paths and hashes).
  const forWrite = (c: CompileDirResult) => {
    if (!c.layout) throw new InternalError('render: a spec that compiled did not compile again');
    const reused = c.shards?.reused;
    return {
      rendered: c.allDiagnostics.map(resolvedDiagnostic),
      entries: [...c.layout.entries] as (TreeEntry | undefined)[],
      shards: c.shards && context ? { context, record: recordOf(c.shards.record) } : undefined,
      taken:
        reused?.size && previous
          ? previous.files
              .filter(([p]) => {
                const ns = shardOfPath(p);
                return ns !== undefined && reused.has(ns);
              })
              .map(([p, ownership, hash]): KnownFile => ({ path: p, ownership, hash }))
          : [],
    };
  };
  let out = forWrite(compiled);
  // What the shards did, for whoever looks into a render's speed (MESHC_DEBUG also prints internal errors' stacks).
  if (io.env.MESHC_DEBUG && compiled.shards)
    io.stderr.write(
      `meshc: ${compiled.shards.reused.size} of ${Object.keys(compiled.shards.record().namespaces).length} namespaces taken from the previous render (${out.taken.length} files)\n`,
    );
  compiled = undefined;
  // Most of the heap is now that compile's garbage: collected before the text is made on top of it.
  collectReleased();
  let files = withKnown(renderEntriesReleasing(out.entries), out.taken);
  // `-o` inside the spec directory, where the spec's globs would read the render back as spec: refused before
  // it is written (the Project's own `output` is skipped by the loader).
  const project = input.loaded.project;
  const readBack =
    explicitOut !== undefined && project
      ? outputReadAsSpec(
          { specRoot: root, projectOutput: project.output, globs: project.globs },
          outDir,
          files.map((f) => f.path),
        )
      : undefined;
  if (readBack !== undefined)
    throw new UsageError(
      `-o: The output directory ${explicitOut} is where the spec's globs look for spec files (they match ${readBack}): every later meshc command would read this render as its input. Choose a directory the include and policies globs of ${PROJECT_FILE} do not match.`,
    );

  // The writer hashes the files (to compare them with its manifest and record the next one); the render cache
  // entry hashes the same files.
  const hashes = new BlobHashes();
  // What the next render needs, made while the writer waits, or else after it (each once): the parse cache,
  // and the render cache entry with its shard record. The writer waits only after it has swapped the new tree
  // in, which nothing after can undo: the tree on disk is then the render.
  let entrySaved = false;
  const saveEntry = () => {
    if (!cache || entrySaved || hasErrors(out.rendered)) return;
    entrySaved = true;
    const { rendered, shards } = out;
    saveRenderCache(
      cache.file,
      renderCacheEntry(
        cache.key,
        files,
        rendered,
        environments,
        hashes,
        shards && { context: shards.context, record: shards.record() },
      ),
    );
  };
  const forNextRender = () => {
    saveParsedNow();
    saveEntry();
  };
  const write = () =>
    writeTree(outDir, files, {
      check,
      hashes,
      guardRemovals: !args.values['allow-removals'],
      ...(manifestFile !== undefined ? { manifestFile } : {}),
      idle: forNextRender,
    });
  let result = await write();
  if (result.needsText) {
    // The tree on disk is not what the previous render wrote where this one took its files from it (edited,
    // removed, or the render cache outlived the tree): nothing was written; everything is compiled and
    // rendered, as without shards.
    if (io.env.MESHC_DEBUG)
      io.stderr.write(
        `meshc: ${result.needsText.length} files taken from the previous render differ on disk: compiling everything\n`,
      );
    out = forWrite(compileNow(false));
    collectReleased();
    files = withKnown(renderEntriesReleasing(out.entries), out.taken);
    result = await write();
  }
  saveParsedNow();
  const { rendered } = out;
  // The tree on disk is now the render (written, or found up to date): remembered for the next run.
  if (result.diagnostics.length === 0 && result.stale.length === 0) saveEntry();
  const diagnostics = [...rendered, ...result.diagnostics];
  if (check && result.stale.length > 0) {
    const fix = `meshc render ${path.relative(io.cwd, root) || '.'}${explicitOut !== undefined ? ` -o ${shownOut}` : ''}`;
    for (const s of result.stale)
      diagnostics.push({
        code: 'OUTPUT_STALE',
        severity: 'error',
        message: `${shownOut}/${s.path} is ${s.reason === 'missing' ? 'missing' : s.reason === 'extra' ? 'no longer produced' : 'out of date'}.`,
        hint: `Run \`${fix}\` and commit the result.`,
        // The stale file itself, relative to the spec root (as every location is), for annotations.
        location: fileStart(path.relative(root, path.join(outDir, s.path)).split(path.sep).join('/')),
      });
  }
  const shown = applyReportFlags(diagnostics, flags);
  report(shown, sourcesOf(input), root, format, io, io.stdout);
  if (check && format === 'text' && result.stale.length > 0)
    io.stdout.write(await staleDiffs(outDir, result.stale, files.filter(hasText)));
  const done = !check && !hasErrors(shown);
  const services = removedServicesLine(result.removals, done);
  if (!done) {
    if (format === 'text' && !flags.quiet) {
      if (services) io.stdout.write(`${shownOut}: ${services}\n`);
      if (!hasErrors(shown)) io.stdout.write(`${shownOut}: up to date (${result.unchanged.length} files)\n`);
    }
    return hasErrors(shown) ? EXIT.invalid : EXIT.ok;
  }
  if (format === 'text' && !flags.quiet) {
    io.stdout.write(
      `${shownOut}: ${result.written.length} written, ${result.unchanged.length} unchanged, ${result.removed.length} removed (${files.length} files for ${environments.join(', ') || 'no environment'})\n` +
        (services ? `${shownOut}: ${services}\n` : ''),
    );
  }
  return EXIT.ok;
}

/** The rendered files and those taken from the previous render, as one list in path order. */
function withKnown(files: readonly OutputFile[], known: readonly KnownFile[]): TreeFile[] {
  if (known.length === 0) return [...files];
  const all: TreeFile[] = [...files, ...known];
  all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 1; i < all.length; i++)
    if (all[i]!.path === all[i - 1]!.path)
      throw new InternalError(`render: ${all[i]!.path} is both rendered and taken from the previous render`);
  return all;
}

/**
 * Files parsed afresh that hold at most this fraction (1/32) of the spec's text leave the parse cache as it
 * was: parsing them again costs the next render less than writing the whole cache costs this one.
 */
const PARSED_AFRESH_FRACTION = 32;

/** What the output-directory check reads of a compile, from the load stage alone (for a cache hit). */
function cachedCompile(input: LoadedForCompile): { compiled: CompileDirResult } {
  const { loaded, place } = input;
  return {
    compiled: {
      sources: loaded.files,
      parsed: loaded.files.map((source) => ({ source, docs: [] })),
      checkedFiles: new Set(),
      plans: [],
      diagnostics: [],
      allDiagnostics: [],
      outputDir: place.outputDir,
      projectGlobs: loaded.project?.globs ?? [],
      ...(place.gitRoot !== undefined ? { gitRoot: place.gitRoot } : {}),
    },
  };
}

/** What the report reads of a load: the spec files (code frames) and the work tree's top (paths). */
function sourcesOf(input: LoadedForCompile): { sources: readonly SourceFile[]; gitRoot?: string } {
  return {
    sources: input.loaded.files,
    ...(input.place.gitRoot !== undefined ? { gitRoot: input.place.gitRoot } : {}),
  };
}
