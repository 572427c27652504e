// Secrets kept out of what a run records and what grun exports. The `env` attr is readable by
// everyone who can read the home and travels with every export, so the environment recorded
// there loses variables named like secrets and, in every other value, credentials of the shapes
// that leak most: passwords in URLs, secret query parameters, webhook paths and provider tokens.
// What was taken out is listed (names only) in `.guild/grun-env-redacted` for `runs info`.
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic.js';
import { readSmallFile } from './small-file.js';

/** A staged run's full environment (`.guild/ENV`, mode 0600): never exported, never shown. */
export const STAGED_ENV = join('.guild', 'ENV');
/** Names of the variables the `env` attr left out or redacted, one a line. */
export const REDACTED_ENV_FILE = join('.guild', 'grun-env-redacted');

const MASK = '***';

/** Variables whose value is a secret whatever it looks like. */
export function isSecretName(name: string): boolean {
  return /KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|WEBHOOK|COOKIE|(?:^|_)AUTH$|(?:^|_)DSN$/i.test(name);
}

/** Secret query parameters in a URL (`?token=…`, `&sig=…`). */
const SECRET_PARAM = /([?&](?:[^=&#\s]*(?:token|key|secret|password|passwd|sig|signature|auth|credential)[^=&#\s]*)=)[^&#\s]+/gi;
/** `scheme://user:password@host`: the password; `scheme://token@host` (no colon): the token. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]*)(:[^/\s@]*)?@/gi;
/** Webhook URLs carry their secret in the path. */
const WEBHOOK_PATH = /\b(https?:\/\/(?:hooks\.slack\.com\/(?:services|workflows|triggers)|(?:[a-z0-9-]+\.)?discord(?:app)?\.com\/api\/webhooks|[a-z0-9-]+\.webhook\.office\.com\/webhookb2|outlook\.office\.com\/webhook)\/)[^\s?#]+/gi;
/** Provider tokens recognisable by shape, wherever they appear. */
const TOKEN_SHAPES = new RegExp(
  [
    String.raw`\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}`, // GitHub
    String.raw`\bgithub_pat_[A-Za-z0-9_]{30,}`,
    String.raw`\bglpat-[A-Za-z0-9_-]{20,}`, // GitLab
    String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`, // Slack
    String.raw`\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}`, // OpenAI, Anthropic
    String.raw`\bhf_[A-Za-z0-9]{30,}`, // Hugging Face
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`, // AWS access key id
    String.raw`\bnpm_[A-Za-z0-9]{30,}`,
    String.raw`\bpypi-[A-Za-z0-9_-]{50,}`,
    String.raw`\bAIza[0-9A-Za-z_-]{35}`, // Google API key
    String.raw`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+`, // JWT
    String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)`,
  ].join('|'),
  'g',
);

/** `value` with every credential of a known shape replaced by `***`. */
export function redactValue(value: string): string {
  return value
    .replace(URL_USERINFO, (_m, scheme: string, user: string, pw?: string) => `${scheme}${pw ? `${user}:` : ''}${MASK}@`)
    .replace(WEBHOOK_PATH, `$1${MASK}`)
    .replace(SECRET_PARAM, `$1${MASK}`)
    .replace(TOKEN_SHAPES, MASK);
}

/** The environment to record: secret names left out, other values redacted; what changed, by name. */
export function redactEnv(env: Record<string, string>): { env: Record<string, string>; redacted: string[] } {
  const out: Record<string, string> = {};
  const redacted: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (isSecretName(k)) {
      redacted.push(k);
      continue;
    }
    const r = redactValue(v);
    if (r !== v) redacted.push(k);
    out[k] = r;
  }
  return { env: out, redacted: redacted.sort() };
}

export function writeRedactedEnvNames(runDir: string, names: string[]): void {
  if (names.length > 0) writeFileAtomicSync(join(runDir, REDACTED_ENV_FILE), names.join('\n') + '\n');
}

/** The names `runs info` reports as redacted; empty for a run grun did not record (Guild's). */
export function readRedactedEnvNames(runDir: string): string[] {
  try {
    return readSmallFile(join(runDir, REDACTED_ENV_FILE), 64 * 1024).toString('utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
