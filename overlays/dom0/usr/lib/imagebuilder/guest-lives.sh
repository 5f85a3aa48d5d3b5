# shellcheck shell=bash
# A guest's lives as the Dom0 sees them, for start-guests and xen-demo: Xen restarts a guest that crashes or reboots
# (xl's on_reboot), and a guest is worth saving or migrating only once it has booted in its current life (before, it
# is between two domains, in its firmware or in its early kernel, with no clock-watch to report its downtime).

# Where xenconsoled keeps the guests' consoles (XENCONSOLED_TRACE=guest; /etc/default/xen, xencommons).
consoles=/var/log/xen/console

# tick SECONDS waits in the shell itself, starting no process: every process the PV Dom0 starts costs page-table
# hypercalls (~70 ms of CPU under emulation, measured), and the Dom0 shares its CPUs with the guests it waits for. A
# read with a timeout on a FIFO nobody writes to, opened for that read only (a descriptor kept open would be inherited
# by xl's daemons and device models); sleep if there is no FIFO.
tick_fifo=/run/imagebuilder/tick
[ -p "$tick_fifo" ] || { mkdir -p /run/imagebuilder && mkfifo "$tick_fifo"; } 2> /dev/null
tick() { read -r -t "$1" _ 2> /dev/null <> "$tick_fifo" || [ -p "$tick_fifo" ] || sleep "$1"; }

# The console log of the domain named NAME, whether it exists or not.
console_log() { echo "$consoles/guest-$1.log"; }

# GUEST's console logs: a migrated guest arrives as NAME--incoming, in a log of its own.
console_logs() {
    local file
    for file in "$(console_log "$1")" "$(console_log "$1--incoming")"; do
        [ -e "$file" ] && echo "$file"
    done
}

# How often GUEST booted: its console says so each time.
boots() { console_logs "$1" | xargs -r cat | grep -a -c IMAGEBUILDER-GUEST-BOOTED; }

# How often Xen restarted GUEST: the log of the xl that watched it (rotated by each xl that took it over: create,
# restore, migrate-receive) says so each time.
restarts() {
    cat "/var/log/xen/xl-$1".log* "/var/log/xen/xl-$1--incoming".log* 2> /dev/null | grep -a -c 'Done. Rebooting now'
}

# Remembers that GUEST has booted in its current life (start-guests, when it reports the guest ready). A restart in
# the second between the guest's boot line and this would count as before it; a crash that soon has not been seen.
mark_up() {
    mkdir -p /run/imagebuilder/lives
    echo "$(boots "$1") $(restarts "$1")" > "/run/imagebuilder/lives/$1"
}

# Whether GUEST has booted in its current life: every restart since it was marked up (or since it was created) was
# followed by a boot. A life that crashed before it booted counts no boot, which is why the count starts at mark_up.
is_up() {
    local booted=0 restarted=0 now
    [ -r "/run/imagebuilder/lives/$1" ] && read -r booted restarted < "/run/imagebuilder/lives/$1"
    now=$(boots "$1")
    [ $((now - booted)) -ge $(($(restarts "$1") - restarted)) ] && [ "$now" -gt 0 ]
}

# Whether GUEST's clock-watch has its first reading in its latest boot: of its boot line and clock-watch's
# "watching", the one said last is clock-watch's (its logs in the order they were last written). Before it, a save
# or migration would go unmeasured.
watching() {
    console_logs "$1" | xargs -r ls -tr -- | xargs -r cat | tr -d '\r' |
        grep -a -o -e IMAGEBUILDER-GUEST-BOOTED -e 'clock-watch: watching' | tail -n 1 | grep -q watching
}
