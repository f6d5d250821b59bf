/** The output formats of `meshc diff` (a light module: the CLI's help lists them without loading the formatters). */
export const DIFF_FORMATS = ['text', 'markdown', 'json', 'github'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];
