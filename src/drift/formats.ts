/** The output formats of `meshc drift` (a light module: the CLI's help lists them without loading the report). */
export const DRIFT_FORMATS = ['text', 'json', 'markdown', 'github'] as const;
export type DriftFormat = (typeof DRIFT_FORMATS)[number];
