// Every CLI command, one module each; each module exports `register(program)`.
import type { Command } from 'commander';

export function registerCommands(_program: Command): void {}
