/** A config document that cannot be used: bad JSON, or fields that do not match the schema. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  /** Where the document came from (a path or URL), as given to parseConfig. */
  readonly source: string;
  /** One line per problem, each starting with the field path, e.g. `container.port: expected an integer 1-65535, got "80a"`. */
  readonly problems: string[];

  constructor(source: string, problems: string[]) {
    super(
      problems.length === 1
        ? `${source}: ${problems[0]}`
        : `${source}: ${problems.length} problems in the config:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
    this.source = source;
    this.problems = problems;
  }
}
