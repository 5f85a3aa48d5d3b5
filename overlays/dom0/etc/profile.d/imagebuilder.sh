# shellcheck shell=sh
# Shown at every login on the live Dom0.
if [ -n "$PS1" ] && [ -x /usr/local/bin/xen-demo ]; then
    echo "Xen live demo: 'xen-demo' opens the menu; 'xl list' shows the guests; 'xl console NAME' attaches (Ctrl-] leaves)."
fi
