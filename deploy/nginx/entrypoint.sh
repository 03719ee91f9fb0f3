#!/bin/sh
# nginx and the readiness loop in one container (docker-compose.prod.yml).
#
#   SHOP_BACKENDS   the daphne processes, "host:port host:port ..."
#   NGINX_DIR       nginx's writable folder (default /var/lib/shop-nginx), where the
#                   static volume is mounted as static/
#
# TLS when /etc/shop/certs/fullchain.pem and privkey.pem exist (mounted from
# deploy/certs/); plain HTTP on port 80 otherwise (then put TLS in front, which
# must set X-Forwarded-Proto: nginx here forwards its own $scheme).
set -eu

dir=${NGINX_DIR:-/var/lib/shop-nginx}
mkdir -p "$dir/logs" "$dir/tmp"
cp /etc/shop/nginx/nginx.conf /etc/shop/nginx/proxy.conf "$dir/"
ln -sf /dev/stdout "$dir/logs/access.log"

if [ -f /etc/shop/certs/fullchain.pem ] && [ -f /etc/shop/certs/privkey.pem ]; then
    cat >"$dir/listen.conf" <<CONF
listen 80;
listen 443 ssl;
http2 on;
ssl_certificate /etc/shop/certs/fullchain.pem;
ssl_certificate_key /etc/shop/certs/privkey.pem;
ssl_protocols TLSv1.2 TLSv1.3;
CONF
else
    echo "entrypoint: no certificate in /etc/shop/certs: plain HTTP on port 80" >&2
    echo "listen 80;" >"$dir/listen.conf"
fi

: >"$dir/upstream-servers.conf"
for backend in $SHOP_BACKENDS; do
    echo "server $backend max_fails=1 fail_timeout=5s;" >>"$dir/upstream-servers.conf"
done

# shellcheck disable=SC2086 (one argument per backend)
sh /etc/shop/readiness.sh "$dir" 2 $SHOP_BACKENDS &
exec nginx -c "$dir/nginx.conf" -p "$dir/" -g "daemon off;"
