/** The project file at the root of every spec repository. */
export const PROJECT_FILE = 'meshc.yaml';

/** Default output root, relative to the repository. */
export const DEFAULT_OUTPUT = 'rendered';
