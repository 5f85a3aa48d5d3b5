# shellcheck shell=bash
# The hosts of this image's peer group, for xen-demo: hosts booted from images of the same recipe (cross_host_migration)
# announce the DNS-SD service SERVICE with TXT records group=RECIPE and key=FINGERPRINT (the image's migration key) with
# mDNS (avahi, /etc/avahi/services/imagebuilder-migration.service), and a host is a peer only when both match.
# $migration: the folder with the image's migration key, the peers' pinned host key and the peer group (build time).
migration=${migration:-/etc/imagebuilder/migration}

# GROUP, KEY or SERVICE of this image's peer group (written at build time).
peer_value() { sed -n "s/^$1=//p" "$migration/peer-group" 2> /dev/null; }

# Whether the network interface NIC is a wired Ethernet NIC: a device behind it, Ethernet (type 1), not wireless, not
# a guest's vif or tap (which the bridge holds too).
wired_nic() {
    local nic=/sys/class/net/$1
    case $1 in vif* | tap* | '*') return 1 ;; esac
    [ -e "$nic/device" ] && [ "$(cat "$nic/type" 2> /dev/null)" = 1 ] && [ ! -e "$nic/wireless" ] && [ ! -e "$nic/phy80211" ]
}

# Whether this Dom0 has a wired NIC in the guests' bridge.
wired() {
    local port
    for port in /sys/class/net/xenbr0/brif/*; do
        wired_nic "${port##*/}" && return 0
    done
    return 1
}

# The name this host has on the LAN: the one avahi announces. It is the host name, unless avahi saw that name taken
# and took another (seen: a conflict with its own announcement of the link-local address it had before DHCP
# answered; avahi then named it after the host name's last number plus one).
mdns_name() {
    local name
    name=$(busctl call org.freedesktop.Avahi / org.freedesktop.Avahi.Server GetHostName 2> /dev/null | sed -n 's/^s "\(.*\)"$/\1/p')
    echo "${name:-$(hostname)}"
}

# The hosts on the LAN that announce the migration service, this host left out (avahi's own services, whatever name
# avahi gave it, and loopback answers): "peer NAME ADDRESS" for those that announce this image's peer group and
# migration key, "stranger NAME ADDRESS" for the others (another recipe, another key). IPv4 only.
# avahi-browse -p lines: =;INTERFACE;PROTOCOL;SERVICE;TYPE;DOMAIN;HOST;ADDRESS;PORT;"TXT" "TXT"
neighbours() {
    [ -r "$migration/peer-group" ] || return 0
    avahi-browse --resolve --parsable --terminate --no-db-lookup --ignore-local "$(peer_value service)" 2> /dev/null |
        awk -F';' -v me="$(mdns_name).local" -v group="\"group=$(peer_value group)\"" -v key="\"key=$(peer_value key)\"" '
            $1 == "=" && $3 == "IPv4" && $7 != me && $8 !~ /^127\./ {
                host = $7
                sub(/\.local$/, "", host)
                print (index($10, group) && index($10, key) ? "peer" : "stranger"), host, $8
            }' | sort -u
}

# The peers among neighbours lines: "NAME ADDRESS" lines.
peers_in() { awk '$1 == "peer" { print $2, $3 }'; }

# The peers on the LAN: "NAME ADDRESS" lines.
peers() { neighbours | peers_in; }

# This host's partner for the unattended demo, given its name ME and its peers' names (a line each on stdin): hosts pair
# in the order of their names, which end in their MACs; the first sends to the second, the third to the fourth, and an
# odd last one has none. Every host that sees the same peers pairs alike. Prints "send NAME", "receive NAME" or
# nothing.
partner_of() {
    local me=$1 all index
    mapfile -t all < <({ echo "$me"; cat; } | LC_ALL=C sort -u)
    for index in "${!all[@]}"; do
        [ "${all[$index]}" = "$me" ] && break
    done
    if (( index % 2 == 1 )); then
        echo "receive ${all[$((index - 1))]}"
    elif [ -n "${all[$((index + 1))]:-}" ]; then
        echo "send ${all[$((index + 1))]}"
    fi
}

# ssh as xl migrate runs it (-s): the image's key, only to a host presenting the image's host key, never a prompt.
# Compressed: Xen's migration stream sends every page of the guest, and a small demo guest's memory is mostly zeros.
migration_ssh() {
    echo "ssh -i $migration/id_ecdsa -o IdentitiesOnly=yes -o BatchMode=yes -o Compression=yes -o HostKeyAlias=imagebuilder-peer-$(peer_value group) -o UserKnownHostsFile=$migration/known_hosts -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o ConnectTimeout=10 -o ServerAliveInterval=5 -o ServerAliveCountMax=6"
}

