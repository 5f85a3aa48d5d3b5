# shellcheck shell=bash
# The hosts of this image's peer group, for xen-demo: hosts booted from images of the same recipe (cross_host_migration)
# announce the DNS-SD service SERVICE with TXT records group=RECIPE and key=FINGERPRINT (the image's migration key) with
# mDNS (avahi, /etc/avahi/services/imagebuilder-migration.service), and a host is a peer only when both match.
# $migration: the folder with the image's migration key, the peers' pinned host key and the peer group (build time).
migration=${migration:-/etc/imagebuilder/migration}

# GROUP, KEY or SERVICE of this image's peer group (written at build time).
peer_value() { sed -n "s/^$1=//p" "$migration/peer-group" 2> /dev/null; }

# Whether this Dom0 has a wired NIC in the guests' bridge: a port with a device behind it that is not a guest's vif
# (the guests' own interfaces are ports of the bridge too).
wired() {
    local port
    for port in /sys/class/net/xenbr0/brif/*; do
        case ${port##*/} in vif* | tap* | '*') continue ;; esac
        [ -e "/sys/class/net/${port##*/}/device" ] && return 0
    done
    return 1
}

# The hosts on the LAN that announce the migration service, this host left out: "peer NAME ADDRESS" for those that
# announce this image's peer group and migration key, "stranger NAME ADDRESS" for the others (another recipe, another
# key). IPv4 only. avahi-browse -p lines: =;INTERFACE;PROTOCOL;SERVICE;TYPE;DOMAIN;HOST;ADDRESS;PORT;"TXT" "TXT"
neighbours() {
    [ -r "$migration/peer-group" ] || return 0
    avahi-browse --resolve --parsable --terminate --no-db-lookup "$(peer_value service)" 2> /dev/null |
        awk -F';' -v me="$(hostname).local" -v group="\"group=$(peer_value group)\"" -v key="\"key=$(peer_value key)\"" '
            $1 == "=" && $3 == "IPv4" && $7 != me {
                host = $7
                sub(/\.local$/, "", host)
                print (index($10, group) && index($10, key) ? "peer" : "stranger"), host, $8
            }' | sort -u
}

# The peers: "NAME ADDRESS" lines.
peers() { neighbours | awk '$1 == "peer" { print $2, $3 }'; }

# ssh as xl migrate runs it (-s): the image's key, only to a host presenting the image's host key, never a prompt.
# Compressed: Xen's migration stream sends every page of the guest, and a small demo guest's memory is mostly zeros.
migration_ssh() {
    echo "ssh -i $migration/id_ecdsa -o IdentitiesOnly=yes -o BatchMode=yes -o Compression=yes -o HostKeyAlias=imagebuilder-peer-$(peer_value group) -o UserKnownHostsFile=$migration/known_hosts -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o ConnectTimeout=10 -o ServerAliveInterval=5 -o ServerAliveCountMax=6"
}

