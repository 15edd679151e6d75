/**
 * The import rule, checked: `deno task check` fails on an import cycle or on an import against
 * the direction of the layers (docs/ARCHITECTURE.md, "Layers"). It reads the relative imports of
 * every `.ts` file under lib/ (an import of types only counts as such) and prints one line per
 * problem.
 *
 *   common ← wire ← tracker, peer          (tracker and peer never import each other)
 *   tracker/state: the pure core — common, wire and itself only
 *   peer: support ← seeder ← engine; support ← client; share ← download; shell takes types only
 *   peer/web: the dashboard; like the shell it takes types only, and the shell's helpers
 *   peer/testing: fakes and fixtures, imported only by tests
 *
 * Usage: deno run --allow-read scripts/check_layers.ts [ROOT]
 */
import { dirname, join, normalize, relative } from "node:path";

/** Every room of the peer but the app and testing, with what every room may import. */
const PEER_ROOMS: readonly string[] = [
  "common",
  "wire",
  "peer/support",
  "peer/seeder",
  "peer/engine",
  "peer/client",
  "peer/share",
  "peer/download",
  "peer/shell",
  "peer/web",
];

/** Rooms a room's production code may import values from (besides itself). */
const VALUE_RULES: Record<string, readonly string[]> = {
  "common": [],
  "wire": ["common"],
  "tracker/state": ["common", "wire"],
  "tracker": ["common", "wire", "tracker/state"],
  "peer/support": ["common", "wire"],
  "peer/seeder": ["common", "wire", "peer/support"],
  "peer/engine": ["common", "wire", "peer/support", "peer/seeder"],
  "peer/client": ["common", "wire", "peer/support"],
  "peer/share": ["common", "wire", "peer/support", "peer/client", "peer/seeder"],
  "peer/download": [
    "common",
    "wire",
    "peer/support",
    "peer/client",
    "peer/seeder",
    "peer/engine",
    "peer/share",
  ],
  "peer/shell": ["common", "wire", "peer/support"],
  "peer/web": ["common", "wire", "peer/support", "peer/shell"],
  "peer/app": PEER_ROOMS,
  "peer/testing": [...PEER_ROOMS, "peer/app"],
};

/** Rooms whose types (only) a room may also import: the shell sees the services' shapes. */
const TYPE_RULES: Record<string, readonly string[]> = {
  "peer/shell": ["peer/client", "peer/download", "peer/engine", "peer/share", "peer/seeder"],
  "peer/web": ["peer/client", "peer/download", "peer/engine", "peer/share", "peer/seeder"],
};

/** Single files of a room whose types another room may import. */
const TYPE_FILES: Record<string, readonly string[]> = {
  "peer/shell": ["lib/peer/services.ts"],
};

/** One relative import of a file. */
export interface Import {
  readonly from: string;
  readonly to: string;
  readonly isTypeOnly: boolean;
}

/** The room of a repository-relative path under lib/, or null outside lib/. */
export function roomOf(path: string): string | null {
  const parts = path.split("/");
  if (parts[0] !== "lib" || parts.length < 3) return null;
  const [, top, sub] = parts;
  if (top === "tracker") return parts.length > 3 && sub === "state" ? "tracker/state" : "tracker";
  if (top === "peer") return parts.length > 3 ? `peer/${sub}` : "peer/app";
  return top ?? null;
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*"(\.{1,2}\/[^"]+)"/gms;
const SIDE_EFFECT_IMPORT = /^\s*import\s+"(\.{1,2}\/[^"]+)"/gm;

/** The relative imports in one file's text. */
export function importsOf(path: string, text: string): Import[] {
  const found: Import[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const [, , typeKeyword, clause = "", spec = ""] = match;
    found.push({
      from: path,
      to: normalize(join(dirname(path), spec)),
      isTypeOnly: typeKeyword !== undefined || isTypeOnlyClause(clause),
    });
  }
  for (const match of text.matchAll(SIDE_EFFECT_IMPORT)) {
    found.push({ from: path, to: normalize(join(dirname(path), match[1]!)), isTypeOnly: false });
  }
  return found;
}

function isTypeOnlyClause(clause: string): boolean {
  const braces = clause.match(/^\{([^}]*)\}$/s);
  if (!braces) return false;
  const names = braces[1]!.split(",").map((name) => name.trim()).filter((name) => name !== "");
  return names.length > 0 && names.every((name) => name.startsWith("type "));
}

/** What is wrong with one import, or null when the rule allows it. */
export function checkImport(imp: Import): string | null {
  const fromRoom = roomOf(imp.from);
  if (fromRoom === null) return null; // entry points, tests/, bench/ and scripts/ import anything
  const isTest = imp.from.endsWith("_test.ts");
  if (!imp.to.startsWith("lib/")) {
    return imp.to.startsWith("tests/")
      ? `${imp.from} imports ${imp.to}: lib/ never imports tests/`
      : null;
  }
  const toRoom = roomOf(imp.to)!;
  if (toRoom === fromRoom) return null;
  if (toRoom === "peer/testing" && !isTest && fromRoom !== "peer/testing") {
    return `${imp.from} imports ${imp.to}: peer/testing is for tests only`;
  }
  if (isTest) return crossesSides(fromRoom, toRoom) ? wrongWay(imp, fromRoom, toRoom) : null;
  if (VALUE_RULES[fromRoom]?.includes(toRoom)) return null;
  if (imp.isTypeOnly) {
    if (TYPE_RULES[fromRoom]?.includes(toRoom)) return null;
    if (TYPE_FILES[fromRoom]?.includes(imp.to)) return null;
  }
  return wrongWay(imp, fromRoom, toRoom);
}

function crossesSides(fromRoom: string, toRoom: string): boolean {
  const side = (room: string) => room.split("/")[0];
  const sides = new Set([side(fromRoom), side(toRoom)]);
  return sides.has("tracker") && sides.has("peer") ||
    (side(fromRoom) === "common" && side(toRoom) !== "common") ||
    (side(fromRoom) === "wire" && !["common", "wire"].includes(side(toRoom)!));
}

function wrongWay(imp: Import, fromRoom: string, toRoom: string): string {
  const kind = imp.isTypeOnly ? "types from" : "";
  return `${imp.from} imports ${kind ? `${kind} ` : ""}${imp.to}: ${fromRoom} may not import ` +
    `${toRoom} (docs/ARCHITECTURE.md, Layers)`;
}

/** Every import cycle among the files, as a list of paths (Tarjan's strongly connected parts). */
export function findCycles(imports: readonly Import[]): string[][] {
  const edges = new Map<string, string[]>();
  for (const { from, to } of imports) {
    if (!edges.has(from)) edges.set(from, []);
    edges.get(from)!.push(to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const part: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      part.push(member);
    } while (member !== node);
    const selfLoop = edges.get(node)?.includes(node) ?? false;
    if (part.length > 1 || selfLoop) cycles.push(part.sort());
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

/** Every problem in the tree at `root`, one line each. */
export async function checkTree(root: string): Promise<string[]> {
  const imports: Import[] = [];
  for await (const path of walk(join(root, "lib"))) {
    const rel = relative(root, path);
    imports.push(...importsOf(rel, await Deno.readTextFile(path)));
  }
  const problems = imports.map(checkImport).filter((line): line is string => line !== null);
  for (const cycle of findCycles(imports)) problems.push(`import cycle: ${cycle.join(" → ")}`);
  return problems;
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* walk(path);
    else if (entry.isFile && entry.name.endsWith(".ts")) yield path;
  }
}

if (import.meta.main) {
  const problems = await checkTree(Deno.args[0] ?? ".");
  for (const line of problems) console.error(`layers: ${line}`);
  if (problems.length > 0) Deno.exit(1);
  console.log("layers: no import cycles, every import goes the allowed way");
}
