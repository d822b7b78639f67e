/**
 * What h2race's command-line checks read of yargs' own state while it parses: the command path
 * being run, its subcommands, its flags, aliases and choices. yargs exposes these to middleware
 * and fail handlers, but @types/yargs does not type them; this is the one place that reaches in.
 */
interface YargsInternals {
  getOptions(): {
    key: Record<string, unknown>;
    alias: Record<string, string[]>;
    choices: Record<string, unknown[]>;
    array: string[];
  };
  getInternalMethods(): {
    getContext(): { commands: string[] };
    getCommandInstance(): { getCommandHandlers(): Record<string, unknown>; getCommands(): string[] };
    getHasOutput(): boolean;
  };
}

export interface YargsState {
  /** The command path being parsed: [] at the top, ['toxic', 'add'] inside `h2race toxic add`. */
  commands: string[];
  /** Its subcommands' names (without aliases), and names with aliases. */
  subcommands: string[];
  subcommandsAndAliases: string[];
  /** Every flag name it knows (aliases too) and the choices of those that have them. */
  flags: string[];
  /** The flags' own names (no aliases), and those that may be given more than once (arrays). */
  keys: string[];
  repeatable: string[];
  aliases: Record<string, string[]>;
  choices: Record<string, readonly string[]>;
  /** A command's handler already ran: the outer command's middleware is called again, after it. */
  ran: boolean;
}

export function yargsState(y: unknown): YargsState {
  const internals = y as YargsInternals;
  const options = internals.getOptions();
  const methods = internals.getInternalMethods();
  const commands = methods.getCommandInstance();
  return {
    commands: [...methods.getContext().commands],
    subcommands: Object.keys(commands.getCommandHandlers()),
    subcommandsAndAliases: commands.getCommands(),
    flags: [...Object.keys(options.key), ...Object.values(options.alias).flat()],
    keys: Object.keys(options.key),
    repeatable: options.array,
    aliases: options.alias,
    choices: Object.fromEntries(Object.entries(options.choices).map(([k, v]) => [k, v.map(String)])),
    ran: methods.getHasOutput(),
  };
}

/** The command path yargs is in (a fail handler's view: async handler errors arrive after it left). */
export function commandPath(y: unknown): string[] {
  return [...(y as YargsInternals).getInternalMethods().getContext().commands];
}

/** The usage line of the command a fail handler was called in (`$0 toxic add <proxy>`). */
export function usageLine(usage: unknown): string | undefined {
  return (usage as { getUsage?(): [string, string][] }).getUsage?.()[0]?.[0];
}
