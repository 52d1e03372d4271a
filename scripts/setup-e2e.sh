#!/usr/bin/env bash
# Installs what the end-to-end tests (test/e2e/, `npm run test:e2e`) need, outside the project tree:
#   - Debian's chromium (driven by playwright-core), ripgrep (seeds code-server's ripgrep download) and libkrb5-dev
#     (code-server's kerberos module builds against it);
#   - code-server 4.100.3 (the newest on Node 20) into "${GENRE_LENS_E2E_HOME:-$HOME/.cache/genre-lens-e2e}/code-server".
# Idempotent: each step is skipped when already done. Prints the code-server binary path on its last line.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
RIPGREP_CACHE_VERSION=1.15.11          # @vscode/ripgrep's version inside code-server 4.100.3
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
E2E_HOME="${GENRE_LENS_E2E_HOME:-$HOME/.cache/genre-lens-e2e}"
PREFIX="$E2E_HOME/code-server"
BIN="$PREFIX/node_modules/.bin/code-server"

log() { echo "== setup-e2e: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. Debian packages.
missing=()
for pkg in chromium ripgrep libkrb5-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
command -v chromium >/dev/null || { log "chromium is still missing"; exit 1; }

code_server_works() {
  # A first run prints "Wrote default config file" before the version: run it with a throwaway HOME and grep.
  local home version
  local vscode="$PREFIX/node_modules/code-server/lib/vscode"
  # The postinstall's marks: ripgrep fetched, native modules built, node_modules.asar linked, built-in extensions' deps.
  [ -x "$BIN" ] && [ -x "$vscode/node_modules/@vscode/ripgrep/bin/rg" ] && [ -f "$vscode/node_modules/node-pty/build/Release/pty.node" ] &&
    [ -e "$vscode/node_modules.asar" ] && [ -d "$vscode/extensions/node_modules" ] || return 1
  home="$(mktemp -d)"
  version="$(HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" "$BIN" --version 2>/dev/null || true)"
  rm -rf "$home"
  grep -q "^$CODE_SERVER_VERSION " <<<"$version"
}

if code_server_works; then
  log "code-server $CODE_SERVER_VERSION already installed"
else
  # 2. @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache holds the archive: seed it with Debian's rg.
  rg_cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$RIPGREP_CACHE_VERSION"
  if [ ! -s "$rg_cache/$RIPGREP_ASSET" ]; then
    log "seeding $rg_cache/$RIPGREP_ASSET with $(command -v rg)"
    mkdir -p "$rg_cache"
    staging="$(mktemp -d)"
    cp "$(command -v rg)" "$staging/rg"
    tar -czf "$rg_cache/$RIPGREP_ASSET.tmp" -C "$staging" rg
    mv "$rg_cache/$RIPGREP_ASSET.tmp" "$rg_cache/$RIPGREP_ASSET"
    rm -rf "$staging"
  fi

  # 3. code-server in its own prefix. Its postinstall (and those of its dependencies: argon2, @vscode/ripgrep, node-pty,
  #    kerberos…, including the nested `npm install`s it runs in lib/vscode) must run, and npm 11 blocks dependency
  #    install scripts unless allowed: this prefix is not the project, so allow them all here, through the environment so
  #    the nested installs inherit it. The project's own .npmrc is not read (cwd is the prefix).
  log "installing code-server@$CODE_SERVER_VERSION into $PREFIX (a few minutes)"
  rm -rf "$PREFIX"
  mkdir -p "$PREFIX"
  cat > "$PREFIX/package.json" <<'EOF'
{ "name": "genre-lens-e2e-code-server", "private": true, "description": "code-server for Genre Lens's end-to-end tests" }
EOF
  (
    cd "$PREFIX"
    export npm_config_unsafe_perm=true npm_config_yes=true npm_config_dangerously_allow_all_scripts=true
    export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
    npm install --no-save --prefix "$PREFIX" "code-server@$CODE_SERVER_VERSION" >&2
  )
  code_server_works || { log "code-server did not install correctly ($BIN)"; exit 1; }
fi

echo "$BIN"
