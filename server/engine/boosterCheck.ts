// Structural checks of a LightGBM text model before LightGBM (WebAssembly) sees it: a booster file may come from
// anywhere, and LightGBM trusts it — a child index pointing back up the tree makes prediction loop forever, an
// out-of-range feature index reads outside the row. Genre Lens boosters are binary, numerical, non-linear trees.

/** Largest tree accepted (Genre Lens trains 15 leaves; LightGBM's own maximum is 131072). */
const MAX_LEAVES = 131072;

function ints(line: string | undefined): number[] | null {
  if (line === undefined) return null;
  if (line.trim() === '') return [];
  const parts = line.trim().split(' ');
  return parts.every((p) => /^-?\d+$/.test(p)) ? parts.map(Number) : null;
}

/** The `key=value` lines of one section of the model text; null when a key repeats (LightGBM would see only one). */
function fields(section: string): Map<string, string> | null {
  const map = new Map<string, string>();
  for (const line of section.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (map.has(key)) return null;
    map.set(key, line.slice(eq + 1).replace(/\r$/, ''));
  }
  return map;
}

/** Problems of one tree, or null; every internal node's children come after it, so a walk always ends at a leaf. */
function treeProblem(tree: Map<string, string>, numFeatures: number): string | null {
  const leaves = Number(tree.get('num_leaves'));
  if (!Number.isInteger(leaves) || leaves < 1 || leaves > MAX_LEAVES) return `num_leaves ${tree.get('num_leaves')} is not between 1 and ${MAX_LEAVES}`;
  if ((tree.get('num_cat') ?? '0') !== '0') return 'categorical splits are not used by Genre Lens models';
  if ((tree.get('is_linear') ?? '0') !== '0') return 'linear trees are not used by Genre Lens models';
  const leafValues = (tree.get('leaf_value') ?? '').trim().split(' ').filter(Boolean);
  if (leafValues.length !== leaves) return `${leafValues.length} leaf values for ${leaves} leaves`;
  if (leaves === 1) return null;
  const internal = leaves - 1;
  const feature = ints(tree.get('split_feature'));
  const decision = ints(tree.get('decision_type'));
  const left = ints(tree.get('left_child'));
  const right = ints(tree.get('right_child'));
  if (!feature || !decision || !left || !right || [feature, decision, left, right].some((a) => a.length !== internal)) {
    return `split_feature, decision_type, left_child and right_child must each have ${internal} integers`;
  }
  for (let i = 0; i < internal; i++) {
    if (feature[i] < 0 || feature[i] >= numFeatures) return `split_feature ${feature[i]} is outside 0..${numFeatures - 1}`;
    if ((decision[i] & 1) !== 0 || decision[i] < 0 || decision[i] > 15) return `decision_type ${decision[i]} is not a numerical split`;
    for (const c of [left[i], right[i]]) {
      const ok = c >= 0 ? c > i && c < internal : -c - 1 < leaves;
      if (!ok) return `node ${i} has child ${c}, which is not a later node or an existing leaf`;
    }
  }
  return null;
}

/** Why a LightGBM text model is unsafe or not a Genre Lens booster for `numFeatures` features; null when it is fine. */
export function boosterProblem(text: string, numFeatures: number): string | null {
  const start = text.indexOf('\nTree=') + 1;
  const header = fields(start > 0 ? text.slice(0, start) : text);
  if (!text.startsWith('tree') || !header?.has('max_feature_idx')) return 'not a LightGBM model file (no "tree" header with max_feature_idx)';
  const takes = Number(header.get('max_feature_idx')) + 1;
  if (takes !== numFeatures) return `the booster takes ${takes} features but manifest.json features.total is ${numFeatures}`;
  if (header.get('num_class') !== '1' || header.get('num_tree_per_iteration') !== '1') return 'not a binary classifier (num_class must be 1)';
  // The trees are read exactly as LightGBM reads them: consecutive slices of the lengths listed in tree_sizes.
  const sizes = ints(header.get('tree_sizes'));
  if (!sizes || sizes.length === 0 || start === 0) return 'no trees (tree_sizes is missing)';
  let at = start;
  for (const [i, size] of sizes.entries()) {
    const slice = text.slice(at, at + size);
    if (size < 1 || at + size > text.length || !slice.startsWith('Tree=')) return `tree ${i}: not where tree_sizes says it is`;
    const tree = fields(slice);
    const problem = tree ? treeProblem(tree, numFeatures) : 'a key appears twice';
    if (problem) return `tree ${i}: ${problem}`;
    at += size;
  }
  if (!text.startsWith('end of trees', at)) return 'the trees do not end where tree_sizes says';
  return null;
}
