import type { SpecDiff } from '../index.ts';
import type { DiffFormatContext } from './context.ts';
import { formatDiffGithub } from './github.ts';
import { formatDiffJson } from './json.ts';
import { formatDiffMarkdown } from './markdown.ts';
import { formatDiffText } from './text.ts';

import type { DiffFormat } from './formats.ts';
export { DIFF_FORMATS, type DiffFormat } from './formats.ts';
export type { DiffFormatContext, RefInfo } from './context.ts';
export { MARKER, GITHUB_COMMENT_LIMIT } from './markdown.ts';

export function formatDiff(format: DiffFormat, d: SpecDiff, ctx: DiffFormatContext): string {
  switch (format) {
    case 'markdown':
      return formatDiffMarkdown(d, ctx);
    case 'json':
      return formatDiffJson(d, ctx);
    case 'github':
      return formatDiffGithub(d, ctx);
    case 'text':
      return formatDiffText(d, ctx);
  }
}
