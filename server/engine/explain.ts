// Why a genre was predicted: for each row and genre, how much of the evidence came from the description and how much
// from the poster, per blended component and overall. Components and their evidence (log-odds, "text" and "poster"):
// - LightGBM: its SHAP values (TreeSHAP, LightGBM's predict_contrib) summed per modality — the text-embedding columns
//   to `text`, the poster-embedding columns and the poster-missing flag to `poster`; `bias` is the expected value and
//   raw = bias + text + poster is the booster's raw score, exactly.
// - The linear head: each fold network's logit split exactly (heads/linearHead.ts addNetParts: weight × standardised
//   value per column, zero at the training mean), averaged over the networks: raw = bias + text + poster is the mean
//   of the networks' logits (the head's probability is the mean of their sigmoids, so it is not sigmoid(raw)).
// - TF-IDF and kNN see only the text: text = logit of their probability, poster = 0 (no raw, no bias).
// The rule for the share: a component's text share is |text| / (|text| + |poster|) — how far each modality moved its
// score, in either direction — and 1 when the poster moved it not at all. The genre's textShare weighs each
// component's share by what it put into the blended probability, weight × probability:
//   textShare = Σ_c w_c·p_c·share_c / Σ_c w_c·p_c   (Σ_c w_c·share_c / Σ_c w_c when every w_c·p_c is 0),
// so a head that votes 0.9 for the genre counts for more than one that votes 0.1. The poster's share is 1 − textShare.
import type { FeatureLayout } from '../../common/modelTypes';
import type { BlendPredictor } from './blendModel';
import { isDecomposable, type LogitParts } from './heads/linearHead';
import type { HeadData } from './heads';

export interface ComponentWhy {
  name: 'lightgbm' | 'linear' | 'tfidf' | 'knn';
  weight: number;
  probability: number;
  /** log-odds decomposition where the component has one: raw = bias + text + poster (tested) */
  raw?: number;
  bias?: number;
  text: number;
  poster: number;
}

export interface GenreWhy {
  genre: string;
  probability: number;
  predicted: boolean;
  /** share of the evidence from the description, 0..1 (poster = 1 − textShare); the rule is in explain.ts's header */
  textShare: number;
  components: ComponentWhy[];
}

/** Per column of the layout: 0 for a text column, 1 for a poster column (embedding and missing flag). */
export function posterMask(layout: FeatureLayout): Uint8Array {
  const m = new Uint8Array(layout.total);
  m.fill(1, layout.image.offset, layout.image.offset + layout.image.dim);
  m[layout.posterMissing] = 1;
  return m;
}

/** Rows per call for LightGBM's contributions (nrow × (features + 1) float64 values each). */
const BLOCK = 256;

/** LightGBM's SHAP values of genre g summed per modality: genre-major parts like the linear head's. */
function lightgbmParts(predictor: BlendPredictor, data: HeadData, G: number): LogitParts {
  const F = data.layout.total, mask = posterMask(data.layout);
  const zeros = () => Array.from({ length: G }, () => new Float64Array(data.nrow));
  const out: LogitParts = { bias: zeros(), text: zeros(), poster: zeros() };
  for (let g = 0; g < G; g++) {
    if (!predictor.trained(g)) continue;
    for (let s = 0; s < data.nrow; s += BLOCK) {
      const n = Math.min(BLOCK, data.nrow - s);
      const c = predictor.contributions(g, data.X.subarray(s * F, (s + n) * F), n);
      for (let i = 0; i < n; i++) {
        const o = i * (F + 1);
        let t = 0, p = 0;
        for (let j = 0; j < F; j++) {
          if (mask[j]) p += c[o + j];
          else t += c[o + j];
        }
        out.bias[g][s + i] = c[o + F];
        out.text[g][s + i] = t;
        out.poster[g][s + i] = p;
      }
    }
  }
  return out;
}

const logit = (p: number) => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};

/** A component's share of text evidence: |text| / (|text| + |poster|), 1 without poster evidence. */
export function textShareOf(c: Pick<ComponentWhy, 'text' | 'poster'>): number {
  const t = Math.abs(c.text), p = Math.abs(c.poster);
  return p === 0 ? 1 : t / (t + p);
}

/** The genre's text share from its components (the rule in this file's header). */
export function blendTextShare(components: readonly ComponentWhy[]): number {
  let num = 0, den = 0, wNum = 0, wDen = 0;
  for (const c of components) {
    const s = textShareOf(c), m = c.weight * c.probability;
    num += m * s;
    den += m;
    wNum += c.weight * s;
    wDen += c.weight;
  }
  const share = den > 0 ? num / den : wDen > 0 ? wNum / wDen : 1;
  return Math.min(1, Math.max(0, share));
}

/**
 * Per row, per trained genre (model order): the evidence of each component and the text share. `components` are
 * predictor.components(data) and `proba`/`decisions` the blend's (so nothing is predicted twice).
 */
export function explainRows(predictor: BlendPredictor, data: HeadData, genres: readonly string[], components: Float64Array[][],
  proba: Float64Array[], decisions: Uint8Array[]): GenreWhy[][] {
  const G = genres.length;
  const parts = predictor.parts.map((part, c) => {
    const decomposition = part.name === 'lightgbm' ? lightgbmParts(predictor, data, G)
      : part.head && isDecomposable(part.head) ? part.head.logitParts(data) : null;
    return { ...part, decomposition, proba: components[c] };
  });
  return Array.from({ length: data.nrow }, (_, r) => genres.flatMap((genre, g): GenreWhy[] => {
    if (!predictor.trained(g)) return [];
    const comps = parts.map(({ name, weight, decomposition: d, proba: p }): ComponentWhy => {
      const probability = p[g][r];
      if (!d) return { name, weight, probability, text: logit(probability), poster: 0 };
      const bias = d.bias[g][r], text = d.text[g][r], poster = d.poster[g][r];
      return { name, weight, probability, raw: bias + text + poster, bias, text, poster };
    });
    return [{ genre, probability: proba[g][r], predicted: decisions[g][r] === 1, textShare: blendTextShare(comps), components: comps }];
  }));
}

/** `Drama: description 72% · poster 28%; …` for the predicted genres (empty when none is). */
export function whyText(why: readonly GenreWhy[]): string {
  return why.filter((w) => w.predicted).map((w) => {
    const text = Math.round(w.textShare * 100);
    return `${w.genre}: description ${text}% · poster ${100 - text}%`;
  }).join('; ');
}
