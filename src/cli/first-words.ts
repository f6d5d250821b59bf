/**
 * The first words of a command line that print meshc's help or its version and do nothing else: what
 * main.ts dispatches before any command, and what the code cache calls a `light` command (code-cache.ts).
 * A module of its own, so that the launcher's small bundle (launch.ts) does not take the CLI with it.
 */
export const HELP_WORDS: readonly string[] = ['--help', '-h', 'help'];
export const VERSION_WORDS: readonly string[] = ['--version', '-v', 'version'];
