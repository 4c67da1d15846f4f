// The command line of a bench: switches (`--quick`), numbers (`--batch-size=250`) and `--help`.
// Flags a bench does not know are ignored: `pnpm bench -- …` hands the same flags to every bench.

const DATABASE_NOTE = `DATABASE_URL, when set, names a PostgreSQL server (15+) whose role may CREATE DATABASE: the
bench creates a fresh database there, migrates it, and drops it at the end. Otherwise it starts an
embedded cluster in a temporary directory and removes it at the end.`;

/** Reads a bench's flags; `--help` (or `-h`) prints `usage` and the database note, and exits. */
export function benchFlags(usage: string, argv: readonly string[] = process.argv.slice(2)) {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`${usage}\n\n${DATABASE_NOTE}`);
    process.exit(0);
  }
  const given = new Set(argv);
  return {
    /** Whether a switch such as `--quick` was given. */
    has: (flag: string) => given.has(flag),
    /** The positive number of `--name=N`, if given; anything else stops the bench. */
    number(name: string): number | undefined {
      const arg = argv.find((a) => a.startsWith(`--${name}=`));
      if (!arg) return undefined;
      const value = Number(arg.slice(name.length + 3));
      if (!Number.isFinite(value) || value <= 0) {
        throw new Error(`--${name} must be a positive number`);
      }
      return value;
    },
  };
}
