// Hosts the report webview (media/report.ts draws it): one panel for the current model's report.json, with a strict
// Content Security Policy (nonce scripts and styles, no network), restored after a reload by a serializer,
// refreshed when a new model arrives and when its comparison lands, exporting the report as HTML or JSON, and opening
// a row of the report's own dataset or evaluation file when the webview asks (client/rowTarget.ts decides which).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ModelState, REPORT_COMMAND, Requests } from '../common/protocol';
import { openRowRequest } from './rowTarget';
import { markReportOpened } from './walkthrough';

type FromWebview = { type: 'ready' } | { type: 'export'; format: 'html' | 'json'; html?: string } | { type: 'openRow'; file: string; line: number };

export class ReportPanel {
  private static current: ReportPanel | undefined;
  /** The daemon's client, started if need be (a panel restored after a reload starts it). */
  private static client: () => Promise<LanguageClient>;
  private static extensionUri: vscode.Uri;
  private static shownModel: string | null = null;
  private report: unknown = null;

  private constructor(private readonly panel: vscode.WebviewPanel) {
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(ReportPanel.extensionUri, 'dist', 'media')] };
    panel.webview.html = ReportPanel.html(panel.webview);
    panel.onDidDispose(() => {
      if (ReportPanel.current === this) ReportPanel.current = undefined;
    });
    panel.webview.onDidReceiveMessage((m: FromWebview) => void this.onMessage(m).catch((e: Error) =>
      vscode.window.showErrorMessage(`Genre Lens: ${e.message}`)));
  }

  static register(context: vscode.ExtensionContext, client: () => Promise<LanguageClient>): void {
    ReportPanel.client = client;
    ReportPanel.extensionUri = context.extensionUri;
    context.subscriptions.push(
      vscode.commands.registerCommand(REPORT_COMMAND, () => ReportPanel.show()),
      vscode.window.registerWebviewPanelSerializer('genreLens.report', {
        deserializeWebviewPanel: async (panel) => {
          ReportPanel.current = new ReportPanel(panel);
          markReportOpened();
        },
      }),
    );
  }

  static show(): void {
    markReportOpened();
    if (ReportPanel.current) {
      ReportPanel.current.panel.reveal();
      void ReportPanel.current.refresh();
      return;
    }
    const panel = vscode.window.createWebviewPanel('genreLens.report', 'Genre Report', vscode.ViewColumn.Active, { retainContextWhenHidden: false });
    ReportPanel.current = new ReportPanel(panel);
  }

  /** A newly ready model updates an open panel. */
  static onModelState(s: ModelState): void {
    const dir = s.state === 'ready' ? s.model.dir : null;
    if (dir && dir !== ReportPanel.shownModel && ReportPanel.current) void ReportPanel.current.refresh();
  }

  /** The shown model's report changed (its text-only/poster-only comparison landed): an open panel redraws it. */
  static onReportChanged(dir: string): void {
    if (dir === ReportPanel.shownModel && ReportPanel.current) void ReportPanel.current.refresh();
  }

  private async refresh(): Promise<void> {
    const client = await ReportPanel.client();
    this.report = await client.sendRequest(Requests.getReport);
    const status = await client.sendRequest(Requests.modelStatus);
    ReportPanel.shownModel = status.state === 'ready' ? status.model.dir : null;
    await this.panel.webview.postMessage({ type: 'report', report: this.report, model: ReportPanel.shownModel });
  }

  private async onMessage(m: FromWebview): Promise<void> {
    if (m.type === 'ready') return this.refresh();
    if (m.type === 'openRow') return ReportPanel.openRow(this.report, m);
    if (m.type !== 'export') return;
    const filters: Record<string, string[]> = m.format === 'html' ? { 'HTML page': ['html'] } : { JSON: ['json'] };
    const target = await vscode.window.showSaveDialog({ filters, saveLabel: 'Export report',
      defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? ReportPanel.extensionUri, `genre-report.${m.format}`) });
    if (!target) return;
    const content = m.format === 'json' ? JSON.stringify(this.report, null, 2) + '\n' : m.html ?? '';
    fs.writeFileSync(target.fsPath, content);
    void vscode.window.showInformationMessage(`Genre Lens: report exported to ${target.fsPath}`);
  }

  /** Opens the asked row beside the panel, selecting its line — only in the report's dataset or evaluation file, when that
   * is an existing regular data file (else a warning says why). */
  private static async openRow(report: unknown, m: unknown): Promise<void> {
    const asked = openRowRequest(report, m);
    if ('warning' in asked) {
      void vscode.window.showWarningMessage(asked.warning);
      return;
    }
    const { target } = asked;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(target.file));
    const line = doc.lineAt(Math.min(target.line, doc.lineCount) - 1);
    const selection = new vscode.Selection(line.range.start, line.range.end);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, selection, preview: true });
    editor.revealRange(line.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private static html(webview: vscode.Webview): string {
    const nonce = crypto.randomBytes(16).toString('base64');
    const media = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(ReportPanel.extensionUri, 'dist', 'media', f));
    const csp = [`default-src 'none'`, `img-src ${webview.cspSource} data:`, `style-src ${webview.cspSource} 'nonce-${nonce}'`,
      `script-src 'nonce-${nonce}'`, `font-src ${webview.cspSource}`].join('; ');
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${media('report.css')}">
<title>Genre Report</title></head>
<body><main id="app"><p class="muted">Loading the genre report…</p></main>
<script nonce="${nonce}" src="${media('report.js')}"></script></body></html>`;
  }
}
