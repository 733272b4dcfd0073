#!/usr/bin/env bash
# Runs Debian's packaged Glewlwyd (bookworm: 2.7.5) as a throw-away OpenID Provider for
# test/interop/glewlwyd.test.ts, without systemd and without root.
#
#   bash test/interop/glewlwyd/setup.sh [start]   # (re)configure, start, wait for discovery
#   bash test/interop/glewlwyd/setup.sh stop      # stop the instance this script started
#
# It installs nothing: .ci/run installs the packages (see README.md next to this file for the
# command), so that one place decides what CI pulls in. A missing package is exit code 3, with
# the install command.
#
# Every start stops the instance it started before, recreates the sqlite database from the
# package's init script, starts Glewlwyd in the background and configures it through its admin
# REST API (admin/password, from the init script):
#   - OIDC plugin "oidc", issuer http://localhost:$GLEWLWYD_PORT/api/oidc, an RS256 key made with
#     openssl (kept in the state dir across runs), RFC 8707 resource indicators allowed for
#     $APP_URL/api, RFC 9207 iss in authorization responses, refresh token rotation
#   - scopes openid (made to require the password), profile, email
#   - user alice, confidential client oidc-kit-test (client_secret_basic) whose redirect URI,
#     post-logout redirect URI and back-channel logout URI are oidc-kit's defaults under $APP_URL
# and writes what the test needs to $STATE/instance.json.
#
# Env: APP_PORT (3000): the oidc-kit app's port (its base URL is http://localhost:$APP_PORT);
#      GLEWLWYD_PORT (default: a free port); GLEWLWYD_STATE_DIR (${TMPDIR:-/tmp}/oidc-kit-glewlwyd).
set -euo pipefail

STATE="${GLEWLWYD_STATE_DIR:-${TMPDIR:-/tmp}/oidc-kit-glewlwyd}"
APP_URL="http://localhost:${APP_PORT:-3000}"
CLIENT_ID=oidc-kit-test
CLIENT_SECRET=oidc-kit-secret-0123456789
USER_NAME=alice
USER_PASSWORD=alice-password-0123
RESOURCE="$APP_URL/api"
T0=$(date +%s%N)
say() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf '[glewlwyd setup %d.%03ds] %s\n' $((ms / 1000)) $((ms % 1000)) "$*"; }
die() { say "ERROR: $*" >&2; [ -s "$STATE/glewlwyd.log" ] && tail -n 30 "$STATE/glewlwyd.log" >&2; exit "${2:-1}"; }

# Stops only the process this script started: the pid file's pid, if it still runs glewlwyd with
# this state dir's config (a recycled pid is left alone).
stop_instance() {
  local pidfile="$STATE/glewlwyd.pid" pid
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "glewlwyd --config-file=$STATE/glewlwyd.conf"; then
    say "stopping glewlwyd (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    if [ -d "/proc/$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$pidfile" "$STATE/instance.json"
}

case "${1:-start}" in
  stop) stop_instance; exit 0 ;;
  start) ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac

# ---------------------------------------------------------------- 1. what the package provides
INIT_SQL=/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz
WEBAPP=/usr/share/glewlwyd/webapp
WEBAPP_CONFIG=/etc/glewlwyd/config-2.7.json/config.json
for need in glewlwyd sqlite3 openssl curl; do
  command -v "$need" >/dev/null || die "$need not found. Install (Debian 12, as root): echo 'glewlwyd glewlwyd/config_type select No configuration' | debconf-set-selections && apt-get install -y --no-install-recommends glewlwyd dbconfig-no-thanks sqlite3 openssl curl" 3
done
for f in "$INIT_SQL" "$WEBAPP/login.html" "$WEBAPP_CONFIG"; do [ -e "$f" ] || die "$f missing: is Debian's glewlwyd package (2.7.5) installed?" 3; done
say "glewlwyd $(dpkg-query -W -f='${Version}' glewlwyd 2>/dev/null || glewlwyd --version 2>&1 | tail -n 1)"

# ---------------------------------------------------------------- 2. files
stop_instance
mkdir -p "$STATE"
if [ -z "${GLEWLWYD_PORT:-}" ]; then
  # A port nothing answers on (bash's /dev/tcp connect fails at once on a closed loopback port).
  for _ in $(seq 50); do
    candidate=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then GLEWLWYD_PORT=$candidate; break; fi
  done
fi
PORT="${GLEWLWYD_PORT:?no free port found}"
BASE="http://localhost:$PORT"
ISSUER="$BASE/api/oidc"
if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/"; then
  die "something already answers on port $PORT (not started by this script); set GLEWLWYD_PORT"
fi

[ -s "$STATE/oidc-key.pem" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$STATE/oidc-key.pem" 2>/dev/null
openssl pkey -in "$STATE/oidc-key.pem" -pubout -out "$STATE/oidc-pub.pem"

rm -f "$STATE/glewlwyd.db"
zcat "$INIT_SQL" | sqlite3 "$STATE/glewlwyd.db"
# The OIDC plugin checks post_logout_redirect_uri against the client property
# "post_logout_redirect_uris" (plural, an array), but the init script's client backend only
# declares "post_logout_redirect_uri" (singular; the admin UI's), and the API refuses an array
# for an undeclared property: without this, RP-initiated logout never redirects back.
sqlite3 "$STATE/glewlwyd.db" "UPDATE g_client_module_instance SET gcmi_parameters =
  json_set(gcmi_parameters, '\$.\"data-format\".post_logout_redirect_uris', json('{\"multiple\":true,\"read\":true,\"write\":true}'))
  WHERE gcmi_name = 'database';"

# Packaging bug in 2.7.5-3: webapp/config.json is a symlink to /etc/glewlwyd/config-2.7.json,
# which the package installs as a directory, so the login page cannot load its config. Serve a copy.
rm -rf "$STATE/webapp"
cp -rL "$WEBAPP" "$STATE/webapp"
rm -rf "$STATE/webapp/config.json"
cp "$WEBAPP_CONFIG" "$STATE/webapp/config.json"

# static_files_path: Glewlwyd serves its login pages itself (no Apache/nginx). cookie_secure=0:
# plain http. No use_secure_connection line at all: "false" makes 2.7.5 demand a TLS key and cert.
cat > "$STATE/glewlwyd.conf" <<EOF
port=$PORT
bind_address="127.0.0.1"
external_url="$BASE"
login_url="login.html"
api_prefix="api"
static_files_path="$STATE/webapp/"
allow_origin="*"
log_mode="file"
log_level="INFO"
log_file="$STATE/glewlwyd.log"
cookie_secure=0
cookie_same_site="empty"
session_expiration=2419200
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
plugin_api_run_enabled=""
add_x_frame_option_header_deny=true
max_post_size=16778240
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
hash_algorithm="SHA512"
database = { type = "sqlite3"; path = "$STATE/glewlwyd.db"; };
static_files_mime_types = (
  { extension = ".html"; mime_type = "text/html"; },
  { extension = ".css"; mime_type = "text/css"; },
  { extension = ".js"; mime_type = "application/javascript"; },
  { extension = ".json"; mime_type = "application/json"; },
  { extension = ".png"; mime_type = "image/png"; },
  { extension = ".svg"; mime_type = "image/svg+xml"; },
  { extension = ".ttf"; mime_type = "font/ttf"; },
  { extension = ".woff"; mime_type = "font/woff"; },
  { extension = ".woff2"; mime_type = "font/woff2"; },
  { extension = ".ico"; mime_type = "image/x-icon"; }
);
EOF

# ---------------------------------------------------------------- 3. start
: > "$STATE/glewlwyd.log"
setsid nohup glewlwyd --config-file="$STATE/glewlwyd.conf" >"$STATE/glewlwyd.out" 2>&1 < /dev/null &
echo $! > "$STATE/glewlwyd.pid"
for _ in $(seq 100); do
  curl -s -o /dev/null --max-time 1 "$BASE/config" && break
  [ -d "/proc/$(cat "$STATE/glewlwyd.pid")" ] || { cat "$STATE/glewlwyd.out" >&2; die "glewlwyd exited"; }
  sleep 0.1
done
curl -sf -o /dev/null "$BASE/config" || die "glewlwyd does not answer on $BASE"
say "glewlwyd running, pid $(cat "$STATE/glewlwyd.pid"), $BASE"

# ---------------------------------------------------------------- 4. configure through the admin API
CJ="$STATE/admin-cookies.txt"; rm -f "$CJ"
api() { # METHOD PATH [JSON-BODY]; fails unless HTTP 200
  local code out="$STATE/api-answer.txt"
  code=$(curl -s -o "$out" -w '%{http_code}' -b "$CJ" -c "$CJ" -X "$1" -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$BASE/api$2")
  [ "$code" = 200 ] || die "$1 /api$2 -> HTTP $code: $(cat "$out")"
}
pem_json() { awk 'BEGIN{ORS=""; print "\""} {print $0 "\\n"} END{print "\""}' "$1"; } # PEM as a JSON string

api POST /auth/ '{"username":"admin","password":"password"}'
# The init script's openid scope needs no password: the login would not authenticate anyone.
api PUT /scope/openid '{"display_name":"Open ID","description":"Open ID Connect scope","password_required":true,"password_max_age":0,"scheme":{}}'
for s in profile email; do
  api POST /scope/ "{\"name\":\"$s\",\"display_name\":\"$s\",\"description\":\"OpenID Connect $s scope\",\"password_required\":true,\"password_max_age\":0,\"scheme\":{}}"
done
# oauth-as-iss-id: the RFC 9207 iss parameter in authorization responses (off by default).
# resource-*: without a resource parameter the access token's aud is the scope string.
api POST /mod/plugin/ "$(cat <<EOF
{"module":"oidc","name":"oidc","display_name":"OpenID Connect","enabled":true,"order_rank":0,
 "parameters":{
  "iss":"$ISSUER","oauth-as-iss-id":true,
  "jwt-type":"rsa","jwt-key-size":"256","key":$(pem_json "$STATE/oidc-key.pem"),"cert":$(pem_json "$STATE/oidc-pub.pem"),
  "jwks-show":true,
  "access-token-duration":3600,"refresh-token-duration":1209600,"code-duration":600,
  "refresh-token-rolling":true,"refresh-token-one-use":"always",
  "allow-non-oidc":false,
  "auth-type-code-enabled":true,"auth-type-token-enabled":false,"auth-type-none-enabled":false,
  "auth-type-password-enabled":false,"auth-type-client-enabled":false,"auth-type-device-enabled":false,
  "auth-type-refresh-enabled":true,
  "subject-type":"public",
  "name-claim":"on-demand","name-claim-scope":["profile"],
  "email-claim":"on-demand","email-claim-scope":["email"],
  "scope-claim":"no",
  "pkce-allowed":true,"pkce-method-plain-allowed":false,
  "introspection-revocation-allowed":true,
  "session-management-allowed":true,"session-cookie-name":"GLEWLWYD_OIDC_SESSION","session-cookie-expiration":2419200,
  "front-channel-logout-allowed":true,"back-channel-logout-allowed":true,
  "request-parameter-allow":true,
  "resource-allowed":true,"resource-scope":{"openid":["$RESOURCE"]},"resource-scope-and-client-property":false
 }}
EOF
)"
api POST /user/ "{\"username\":\"$USER_NAME\",\"password\":\"$USER_PASSWORD\",\"name\":\"Alice Liddell\",\"email\":\"alice@example.com\",\"enabled\":true,\"scope\":[\"openid\",\"profile\",\"email\"]}"
api POST /client/ "$(cat <<EOF
{"client_id":"$CLIENT_ID","name":"oidc-kit interop test","enabled":true,"confidential":true,
 "client_secret":"$CLIENT_SECRET",
 "redirect_uri":["$APP_URL/callback"],
 "authorization_type":["code","refresh_token"],
 "token_endpoint_auth_method":["client_secret_basic"],
 "scope":["openid","profile","email"],
 "post_logout_redirect_uris":["$APP_URL/logout/callback"],
 "backchannel_logout_uri":"$APP_URL/backchannel-logout","backchannel_logout_session_required":"yes"}
EOF
)"
rm -f "$CJ" "$STATE/api-answer.txt"

# ---------------------------------------------------------------- 5. wait for discovery
for _ in $(seq 50); do
  curl -sf "$ISSUER/.well-known/openid-configuration" -o "$STATE/discovery.json" && break
  sleep 0.1
done
grep -qF "\"issuer\":\"$ISSUER\"" "$STATE/discovery.json" 2>/dev/null || die "discovery does not answer with issuer $ISSUER"
cat > "$STATE/instance.json" <<EOF
{"issuer":"$ISSUER","port":$PORT,"appUrl":"$APP_URL","clientId":"$CLIENT_ID","clientSecret":"$CLIENT_SECRET",
 "username":"$USER_NAME","password":"$USER_PASSWORD","resource":"$RESOURCE","database":"$STATE/glewlwyd.db","log":"$STATE/glewlwyd.log"}
EOF
say "ready: $ISSUER (client $CLIENT_ID, user $USER_NAME, app $APP_URL); $STATE/instance.json"
