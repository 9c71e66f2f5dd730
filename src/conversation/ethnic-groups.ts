import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { toMatchKey } from '../text/normalize-input.js';

// The ethnic groups a representative may name (rules/ethnic-groups.yaml, codes of
// Quyết định 121-TCTK/PPCĐ), and how a typed name finds one.

const fileSchema = z.strictObject({
  codeList: z.literal('121-TCTK/PPCĐ-1979'),
  groups: z
    .array(z.strictObject({ code: z.string().regex(/^\d{2}$/), name: z.string().min(1), aliases: z.array(z.string().min(1)).optional() }))
    .length(54),
});

export interface EthnicGroup {
  code: string;
  name: string;
}

export interface EthnicGroups {
  groups: readonly EthnicGroup[];
  byCode(code: string): EthnicGroup | undefined;
  /** The one group a typed name means, or undefined when it names none or several. */
  match(typed: string): EthnicGroup | undefined;
}

export class EthnicGroupsError extends Error {
  override name = 'EthnicGroupsError';
}

/** Case, diacritics, spaces, hyphens and apostrophes ignored: "Ê đê" = "ede" = "Ê-đê". */
function toNameKey(text: string): string {
  return toMatchKey(text).replace(/\s+/g, '');
}

export function loadEthnicGroups(file: string): EthnicGroups {
  const parsed = fileSchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new EthnicGroupsError(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const groups = parsed.data.groups.map(({ code, name }) => ({ code, name }));
  const byKey = new Map<string, EthnicGroup>();
  const problems: string[] = [];
  parsed.data.groups.forEach((g, i) => {
    if (g.code !== String(i + 1).padStart(2, '0')) problems.push(`${g.name}: codes run 01 to 54 in order, found ${g.code}`);
    for (const name of [g.name, ...(g.aliases ?? [])]) {
      const key = toNameKey(name);
      const other = byKey.get(key);
      if (other && other.code !== g.code) problems.push(`"${name}" names both ${other.name} and ${g.name}`);
      byKey.set(key, groups[i]!);
    }
  });
  if (problems.length > 0) throw new EthnicGroupsError(`${file}:\n- ${problems.join('\n- ')}`);
  const byCode = new Map(groups.map((g) => [g.code, g]));
  const keys = [...byKey.entries()];
  return {
    groups,
    byCode: (code) => byCode.get(code),
    match(typed) {
      const key = toNameKey(typed);
      if (key.length < 2) return undefined;
      const exact = byKey.get(key);
      if (exact) return exact;
      // A name typed in part ("van kieu", "xo dang") counts when it fits one group only.
      const partial = new Set(keys.filter(([name]) => name.includes(key)).map(([, g]) => g));
      return partial.size === 1 ? [...partial][0] : undefined;
    },
  };
}
