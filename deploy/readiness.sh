#!/bin/sh
# Follow each daphne's /readyz and keep nginx's upstream list to the ready ones.
#
#   readiness.sh NGINX_DIR INTERVAL ADDRESS...     (ADDRESS: host:port)
#
# Open-source nginx has only passive health checks: it notices a process that
# refuses connections or answers 502/503/504 to a request it proxied, but not a
# process that still answers pages while its Redis is gone (its sockets would
# get no pushes from the other processes). So every INTERVAL seconds this asks
# each process's /readyz directly, writes NGINX_DIR/upstream-servers.conf with
# the processes that are not ready marked "down", and reloads nginx (SIGHUP to
# the pid in NGINX_DIR/nginx.pid) when that list changed. When no process is
# ready every one stays listed: their own 503 pages say what is wrong.
#
# POSIX sh plus wget or curl: it runs beside Debian's nginx (make cluster) and
# in the nginx image (docker-compose.prod.yml).
set -u

dir=$1
interval=$2
shift 2

# Passive checks stay on: a process that dies between two probes is skipped
# after its first failed request, for fail_timeout.
SERVER_OPTIONS="max_fails=1 fail_timeout=5s"

ready() {
    if command -v wget >/dev/null 2>&1; then
        wget -q -O /dev/null -T 3 "http://$1/readyz"
    else
        curl -fsS -o /dev/null -m 3 "http://$1/readyz"
    fi
}

servers() { # servers ADDRESS...: the upstream lines, given $ready_list
    for address in "$@"; do
        case " $ready_list " in
            *" $address "*) echo "server $address $SERVER_OPTIONS;" ;;
            *) if [ -n "$ready_list" ]; then
                   echo "server $address down;"
               else
                   echo "server $address $SERVER_OPTIONS;"
               fi ;;
        esac
    done
}

# What nginx started with, if anything: reload only on a change.
previous=$(cat "$dir/upstream-servers.conf" 2>/dev/null)
logged="(none yet)"
while :; do
    ready_list=""
    for address in "$@"; do
        if ready "$address" >/dev/null 2>&1; then
            ready_list="$ready_list $address"
        fi
    done
    ready_list=${ready_list# }
    current=$(servers "$@")
    if [ "$current" != "$previous" ]; then
        printf '%s\n' "$current" >"$dir/upstream-servers.conf.new"
        mv "$dir/upstream-servers.conf.new" "$dir/upstream-servers.conf"
        if [ -f "$dir/nginx.pid" ]; then
            kill -HUP "$(cat "$dir/nginx.pid")" 2>/dev/null || true
        fi
        previous=$current
    fi
    if [ "$ready_list" != "$logged" ]; then
        echo "readiness: ready [${ready_list}] of [$*]"
        logged=$ready_list
    fi
    sleep "$interval"
done
