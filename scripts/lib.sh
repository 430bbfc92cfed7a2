#!/usr/bin/env bash
# Shared by scripts/setup, scripts/bench and scripts/torture: reading a package list and
# installing the missing Debian packages (with sudo when not root), in one place.
# Source it; it defines functions only.

# Prints the packages of a list file (one per line, '#' starts a comment), one per line.
read_package_list() {
  local line
  while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line%%#*}"
    line="${line//[[:space:]]/}"
    [[ -n "$line" ]] && printf '%s\n' "$line"
  done <"$1"
}

# install_packages WHO PKG...: installs whichever of PKG are missing, naming WHO in messages.
install_packages() {
  local who="$1"
  shift
  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "$who: no dpkg/apt-get here; install the equivalents of: $*" >&2
    return 0
  fi
  local missing=() pkg status
  for pkg in "$@"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    echo "$who: all $# system packages are installed"
    return 0
  fi
  echo "$who: installing ${#missing[@]} missing package(s): ${missing[*]}"
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "$who: not root and sudo is missing; install these as root: ${missing[*]}" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}

# Loads rustup's PATH when cargo is installed but this shell has not seen it yet.
load_cargo_env() {
  if ! command -v cargo >/dev/null 2>&1 && [[ -f "$HOME/.cargo/env" ]]; then
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
  fi
}

# The directory cargo builds into (CARGO_TARGET_DIR respected).
cargo_target_dir() {
  local dir
  dir="$(cargo metadata --no-deps --format-version 1 |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
  printf '%s\n' "${dir:-target}"
}

# write_private_bus_config FILE [SERVICEDIR]: a session bus config. Without SERVICEDIR there is
# no service activation: the keychain is whatever the script starts, so stopping gnome-keyring
# really makes it disappear instead of being restarted on demand (scripts/torture). With it,
# the services in SERVICEDIR come first, then the system's (scripts/test).
write_private_bus_config() {
  local services=""
  if [[ -n "${2:-}" ]]; then
    # Listed first, so its services win over the system's of the same name.
    services="  <servicedir>$2</servicedir>
  <standard_session_servicedirs/>"
  fi
  cat >"$1" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  <!-- The limits of Debian's session.conf: secret-tool asks for every item at once. -->
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <limit name="max_completed_connections">100000</limit>
  <limit name="max_incomplete_connections">10000</limit>
  <limit name="max_connections_per_user">100000</limit>
  <limit name="max_names_per_connection">50000</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
  <limit name="max_replies_per_connection">50000</limit>
$services
</busconfig>
XML
}

# The keychain of a private session (scripts/bench, scripts/torture): gnome-keyring with a
# fixed password, under the XDG_DATA_HOME and XDG_RUNTIME_DIR the caller made fresh.
# Starts gnome-keyring unlocked and waits until it answers on the bus.
start_keyring() {
  echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  local i
  for ((i = 0; i < 100; i++)); do
    dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus / \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
      grep -q true && return 0
    sleep 0.05
  done
  echo "torture: gnome-keyring did not come up" >&2
  return 1
}
# Stops this session's gnome-keyring and waits until it is gone.
stop_keyring() {
  local pid i
  pid="$(keyring_pid)"
  kill -TERM "$pid"
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.05
  done
  echo "torture: gnome-keyring ($pid) did not stop" >&2
  return 1
}
# The keychain daemon of this session, asked of the bus by its well-known name.
keyring_pid() {
  dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus / \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets |
    awk '{ print $2 }'
}

# write_keyring_service DIR: a D-Bus service file for org.freedesktop.secrets that starts
# gnome-keyring already unlocked with the test password "pw". gnome-keyring-daemon has a known
# upstream race (gkd_secret_service_get_pkcs11_session: assertion 'client' failed) that aborts it
# when a short-lived client connects and leaves quickly; a desktop restarts it. Started from this
# file, the restarted daemon opens the same keyring (XDG_DATA_HOME) unlocked, instead of asking
# a prompter nobody can answer, which would hang the tests.
write_keyring_service() {
  mkdir -p "$1"
  cat >"$1/gnome-keyring-unlocked" <<'SH'
#!/bin/sh
echo -n pw | exec gnome-keyring-daemon --unlock --foreground --components=secrets
SH
  chmod 755 "$1/gnome-keyring-unlocked"
  cat >"$1/org.freedesktop.secrets.service" <<SERVICE
[D-BUS Service]
Name=org.freedesktop.secrets
Exec=$1/gnome-keyring-unlocked
SERVICE
}

# The desktop's notification server on the test bus: Debian's notification-daemon (the GNOME
# reference server, a small GTK program on the tests' Xvfb display), D-Bus-activated on the first
# Notify as a desktop session does, so tok remind and the app's reminders reach a real server.
# Debian ships no service file for it (desktops bring their own server), so this writes one.
# Tests watch the calls with dbus-monitor "interface='org.freedesktop.Notifications'".
NOTIFICATION_DAEMON=/usr/lib/notification-daemon/notification-daemon
write_notification_service() {
  mkdir -p "$1"
  cat >"$1/org.freedesktop.Notifications.service" <<SERVICE
[D-BUS Service]
Name=org.freedesktop.Notifications
Exec=$NOTIFICATION_DAEMON
SERVICE
}
