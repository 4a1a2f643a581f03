/** The top of a V8 CPU profile (`node --cpu-prof`): where the time went, self time, by function and by package. */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Self time by function, then by package (or by folder of src/): the costs a change would move. */
export function summarizeProfile(file: string, top = 25): string[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[] };
  const hits = new Map<number, number>();
  for (const sample of profile.samples) hits.set(sample, (hits.get(sample) ?? 0) + 1);
  const tally = (keyOf: (frame: ProfileNode["callFrame"]) => string, rows: number) => {
    const byKey = new Map<string, number>();
    for (const node of profile.nodes) {
      const key = keyOf(node.callFrame);
      byKey.set(key, (byKey.get(key) ?? 0) + (hits.get(node.id) ?? 0));
    }
    return [...byKey.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, rows)
      .map(([key, count]) => `${((100 * count) / profile.samples.length).toFixed(1).padStart(5)}%  ${key}`);
  };
  return [...tally(functionOf, top), "", "by package:", ...tally(packageOf, 20)];
}

function functionOf({ functionName, url, lineNumber }: ProfileNode["callFrame"]): string {
  const where = url.replace(/^.*\/node_modules\//, "").replace(/^file:\/\/.*?\/(src|bench)\//, "$1/");
  return `${functionName || "(anonymous)"} ${where ? `${where}:${lineNumber + 1}` : ""}`.trim();
}

function packageOf({ functionName, url }: ProfileNode["callFrame"]): string {
  const dependency = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (dependency) return dependency[1] as string;
  const ours = url.match(/\/(src|bench)\/(?:modules\/)?([^/]+)/);
  if (ours) return `${ours[1]}/${ours[2]}`;
  if (url.startsWith("node:")) return "node internals";
  return functionName.startsWith("(") ? functionName : "native";
}
