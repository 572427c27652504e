// Run labels as Guild makes them: `--label` or the guild.yml `label:` template, with
// `${flag}`, `${default_label}` and simple transforms; `-t` tags prefix a label the user did
// not type (fixture runs 9 and 10).
import { GrunError } from '../store/errors.js';
import { defaultLabel, formatFlagValue } from '../store/flagfmt.js';
import type { YamlValue } from '../store/types.js';
import { isMarkedFloat } from '../store/yaml11.js';

/** Python `%` formatting of one value, the common conversions (`%.3f`, `%d`, `%e`, `%s`). */
export function printfFormat(spec: string, v: YamlValue): string {
  const m = /^%([-+ 0#]*)(\d*)(?:\.(\d+))?([diufFeEgGsxX%])$/.exec(spec);
  if (!m) throw new GrunError(`label format '${spec}': expected a printf format like %.3f`);
  const [, flags = '', widthText = '', precText, conv = 's'] = m;
  const prec = precText === undefined ? undefined : Number(precText);
  const num = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : Number(v);
  let out: string;
  switch (conv) {
    case 'd':
    case 'i':
    case 'u':
      out = Number.isFinite(num) ? String(Math.trunc(num)) : String(v);
      break;
    case 'f':
    case 'F':
      out = Number.isFinite(num) ? num.toFixed(prec ?? 6) : String(v);
      break;
    case 'e':
    case 'E': {
      // Python pads the exponent to two digits: 1.000e-03
      const s = Number.isFinite(num) ? num.toExponential(prec ?? 6).replace(/e([-+])(\d)$/, 'e$10$2') : String(v);
      out = conv === 'E' ? s.toUpperCase() : s;
      break;
    }
    case 'g':
    case 'G': {
      const s = Number.isFinite(num) ? String(Number(num.toPrecision(prec || 6))) : String(v);
      out = conv === 'G' ? s.toUpperCase() : s;
      break;
    }
    case 'x':
    case 'X':
      out = Number.isFinite(num) ? Math.trunc(num).toString(16) : String(v);
      if (conv === 'X') out = out.toUpperCase();
      break;
    case '%':
      out = '%';
      break;
    default:
      out = typeof v === 'string' ? v : formatFlagValue(v);
      if (prec !== undefined) out = out.slice(0, prec);
  }
  if (flags.includes('+') && /^\d/.test(out) && conv !== 's') out = `+${out}`;
  const width = widthText ? Number(widthText) : 0;
  if (out.length < width) {
    const pad = flags.includes('-') ? ' ' : flags.includes('0') && conv !== 's' ? '0' : ' ';
    if (flags.includes('-')) out = out.padEnd(width, ' ');
    else if (pad === '0' && /^[-+]/.test(out)) out = out[0] + out.slice(1).padStart(width - 1, '0');
    else out = out.padStart(width, pad);
  }
  return out;
}

function applyTransform(t: string, v: YamlValue | undefined): YamlValue | undefined {
  if (t.startsWith('%')) return v === undefined ? v : printfFormat(t, v);
  if (t.startsWith('default:')) return v === undefined || v === null ? t.slice('default:'.length) : v;
  const s = v === undefined ? undefined : typeof v === 'string' ? v : formatFlagValue(v);
  if (s === undefined) return v;
  if (t === 'basename') return s.replace(/\/+$/, '').split('/').pop() ?? s;
  if (t === 'dirname') return s.includes('/') ? s.slice(0, s.lastIndexOf('/')) : '';
  if (t === 'unquote') return s.replace(/^(['"])(.*)\1$/, '$2');
  throw new GrunError(`label transform '${t}': expected %FORMAT, default:VALUE, basename, dirname or unquote`);
}

/** Expand `${name}`, `${default_label}` and `${name|transform|…}` in a label template. */
export function renderLabelTemplate(template: string, flags: Record<string, YamlValue>): string {
  return template.replace(/\$\{([^}]*)\}/g, (_, body: string) => {
    const [name = '', ...transforms] = body.split('|').map((s) => s.trim());
    // A flag without a value (null) is left unresolved, as Guild leaves it: `${f}` reads as ''.
    let v: YamlValue | undefined = name === 'default_label' ? defaultLabel(flags) : (flags[name] ?? undefined);
    for (const t of transforms) v = applyTransform(t, v);
    if (v === undefined) return '';
    if (typeof v === 'string') return v;
    return formatFlagValue(v, { float: transforms.length === 0 && isMarkedFloat(flags, name) });
  });
}

/**
 * The label template of a run, as Guild's `_label_template` chooses it: `--label` as given;
 * else, with `-t` tags, the tags before the default label (the operation's own template set
 * aside); else the operation's `label:`. null: the default label.
 */
export function labelTemplateOf(o: { userLabel?: string | null; tags?: readonly string[]; template?: string | null }): string | null {
  if (o.userLabel !== undefined && o.userLabel !== null) return o.userLabel;
  if (o.tags?.length) return `${o.tags.join(' ')} \${default_label}`;
  return o.template || null;
}

/** The `label` attr: the template `labelTemplateOf` chooses, rendered; null when empty (Guild omits it). */
export function makeLabel(opts: { userLabel?: string; template?: string | null; flags: Record<string, YamlValue>; tags?: string[] }): string | null {
  const template = labelTemplateOf(opts);
  const label = (template === null ? defaultLabel(opts.flags) : renderLabelTemplate(template, opts.flags)).trim();
  return label === '' ? null : label;
}
