import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectDir } from '../helpers/conversation-harness.js';

// The folders of src/ import one another only downwards, in the layers ARCHITECTURE.md
// writes down once: no import runs up or sideways, so no cycle can form.

const srcDir = join(projectDir, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** `src/http/app.ts` → `http`; `src/main.ts` → `main`. */
function folderOf(path: string): string {
  const [first = '', ...rest] = relative(srcDir, path).split('/');
  return rest.length > 0 ? first : first.replace(/\.ts$/, '');
}

/** The layers, from the top, as ARCHITECTURE.md lists them. */
function documentedLayers(): string[][] {
  const text = readFileSync(join(projectDir, 'ARCHITECTURE.md'), 'utf8');
  const block = /<!-- layers: from the top -->\s*```\n([\s\S]*?)```\s*<!-- \/layers -->/.exec(text)?.[1];
  if (!block) throw new Error('ARCHITECTURE.md has no layers block');
  return block
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
}

/** Every import between two folders (value and type imports alike), with the file that makes it. */
function folderImports(): { from: string; to: string; file: string }[] {
  return sourceFiles(srcDir).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(/^(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/gm)].flatMap((match) => {
      const from = folderOf(file);
      const to = folderOf(resolve(dirname(file), match[1] ?? ''));
      return from === to ? [] : [{ from, to, file: relative(projectDir, file) }];
    });
  });
}

/** Imports that do not go down to a lower layer. */
function wrongImports(imports: readonly { from: string; to: string; file: string }[], layerOf: ReadonlyMap<string, number>): string[] {
  return imports.filter(({ from, to }) => (layerOf.get(to) ?? -1) <= (layerOf.get(from) ?? -1)).map(({ from, to, file }) => `${file}: ${from} → ${to}`);
}

describe('the import graph of src/', () => {
  const layers = documentedLayers();
  const layerOf = new Map(layers.flatMap((folders, depth) => folders.map((folder) => [folder, depth] as const)));

  it('places every folder of src/ in one layer', () => {
    const folders = [...new Set(sourceFiles(srcDir).map(folderOf))].sort();
    expect(folders.filter((folder) => !layerOf.has(folder))).toEqual([]);
    expect([...layerOf.keys()].filter((folder) => !folders.includes(folder))).toEqual([]);
  });

  it('imports only downwards: no import runs up or sideways, so there is no cycle', () => {
    expect(wrongImports(folderImports(), layerOf)).toEqual([]);
  });

  it('keeps the conversation free of features: they register into it through bot/', () => {
    const features = ['registration', 'dossier', 'council', 'notify', 'console', 'bot'];
    const leaks = folderImports().filter(({ from, to }) => from === 'conversation' && features.includes(to));
    expect(leaks.map(({ file, to }) => `${file} → ${to}`)).toEqual([]);
  });

  it('would name an import that runs up or sideways', () => {
    const imports = [
      { from: 'outbound', to: 'dossier', file: 'src/outbound/x.ts' },
      { from: 'notify', to: 'council', file: 'src/notify/y.ts' },
      { from: 'dossier', to: 'outbound', file: 'src/dossier/z.ts' },
    ];
    expect(wrongImports(imports, layerOf)).toEqual(['src/outbound/x.ts: outbound → dossier', 'src/notify/y.ts: notify → council']);
  });
});
