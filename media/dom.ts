// DOM helpers of the report webview: elements whose text goes in through textContent only (data from report.json is
// never parsed as HTML), and the number format of the report's tables.
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { text?: string; className?: string } = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.text !== undefined) e.textContent = props.text;
  if (props.className) e.className = props.className;
  e.append(...children);
  return e;
}

export const pct = (v: number) => v.toFixed(3);
